//! `/account`: everyone changes their own password and manages their personal API tokens.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api;
use crate::components::topbar::TopBar;
use crate::model::{Lang, PageSession};

#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let session = expect_context::<PageSession>();
    let (current, new, again) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let pw_msg = RwSignal::new(None::<(bool, String)>);
    let tokens = RwSignal::new(Vec::<Value>::new());
    let token_name = RwSignal::new(String::new());
    let new_token = RwSignal::new(None::<String>);
    let token_err = RwSignal::new(None::<String>);

    let reload = move || {
        spawn_local(async move {
            match api::call("GET", "/api/tokens", None).await {
                Ok(v) => tokens.set(v["tokens"].as_array().cloned().unwrap_or_default()),
                Err(e) => token_err.set(Some(e.to_string())),
            }
        })
    };
    Effect::new(move |_| reload());

    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        if new.get_untracked() != again.get_untracked() {
            pw_msg.set(Some((
                false,
                l.pick("Hai mật khẩu mới không khớp.", "The new passwords differ.")
                    .into(),
            )));
            return;
        }
        let body = json!({"current_password": current.get_untracked(), "new_password": new.get_untracked()});
        spawn_local(async move {
            match api::call("POST", "/api/account/password", Some(body)).await {
                Ok(_) => {
                    pw_msg.set(Some((
                        true,
                        l.pick("Đã đổi mật khẩu.", "Password changed.").into(),
                    )));
                    current.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                }
                Err(e) => pw_msg.set(Some((false, e.to_string()))),
            }
        });
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({"name": token_name.get_untracked()});
        spawn_local(async move {
            match api::call("POST", "/api/tokens", Some(body)).await {
                Ok(v) => {
                    new_token.set(v["token"].as_str().map(str::to_string));
                    token_name.set(String::new());
                    token_err.set(None);
                    reload();
                }
                Err(e) => token_err.set(Some(e.to_string())),
            }
        });
    };
    let revoke = move |id: i64| {
        spawn_local(async move {
            match api::call("DELETE", &format!("/api/tokens/{id}"), None).await {
                Ok(_) => reload(),
                Err(e) => token_err.set(Some(e.to_string())),
            }
        });
    };
    let who = session
        .user
        .map(|u| format!("{} · {}", u.username, u.role.as_str()))
        .unwrap_or_default();

    view! {
        <div class="page-shell">
            <TopBar title_vi="Tài khoản" title_en="Account"/>
            <main class="page narrow">
                <h1>{who}</h1>
                <section>
                    <h2>{move || lang.get().pick("Đổi mật khẩu", "Change password")}</h2>
                    <form class="stack" on:submit=change>
                        <label>{move || lang.get().pick("Mật khẩu hiện tại", "Current password")}
                            <input type="password" name="current_password" autocomplete="current-password" required
                                prop:value=move || current.get() on:input=move |e| current.set(event_target_value(&e))/></label>
                        <label>{move || lang.get().pick("Mật khẩu mới (ít nhất 10 ký tự)", "New password (10 characters or more)")}
                            <input type="password" name="new_password" autocomplete="new-password" required minlength="10"
                                prop:value=move || new.get() on:input=move |e| new.set(event_target_value(&e))/></label>
                        <label>{move || lang.get().pick("Nhập lại mật khẩu mới", "New password again")}
                            <input type="password" name="new_password_again" autocomplete="new-password" required
                                prop:value=move || again.get() on:input=move |e| again.set(event_target_value(&e))/></label>
                        <button type="submit" class="primary">{move || lang.get().pick("Đổi mật khẩu", "Change password")}</button>
                        {move || pw_msg.get().map(|(ok, m)| view! { <p class=if ok { "form-ok" } else { "form-error" }>{m}</p> })}
                    </form>
                </section>
                <section>
                    <h2>{move || lang.get().pick("Mã truy cập API", "API tokens")}</h2>
                    <p class="muted">{move || lang.get().pick(
                        "Dùng cho script và phần mềm GIS (QGIS, GDAL): gửi tiêu đề Authorization: Bearer <mã>.",
                        "For scripts and GIS tools (QGIS, GDAL): send the header Authorization: Bearer <token>.")}</p>
                    <form class="inline" on:submit=create>
                        <input name="token_name" required maxlength="80" placeholder=move || lang.get().pick("Tên, ví dụ: QGIS", "Name, e.g. QGIS")
                            prop:value=move || token_name.get() on:input=move |e| token_name.set(event_target_value(&e))/>
                        <button type="submit">{move || lang.get().pick("Tạo mã", "Create token")}</button>
                    </form>
                    {move || new_token.get().map(|t| view! {
                        <p class="form-ok">{lang.get().pick("Mã mới (chỉ hiện một lần):", "New token (shown only once):")}
                            " "<code class="token">{t}</code></p>
                    })}
                    {move || token_err.get().map(|e| view! { <p class="form-error">{e}</p> })}
                    <table class="data">
                        <thead><tr>
                            <th>{move || lang.get().pick("Tên", "Name")}</th>
                            <th>{move || lang.get().pick("Mở đầu", "Starts with")}</th>
                            <th>{move || lang.get().pick("Dùng lần cuối", "Last used")}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {move || tokens.get().into_iter().map(|t| {
                                let id = t["id"].as_i64().unwrap_or_default();
                                let revoked = !t["revoked_at"].is_null();
                                view! { <tr class:revoked=revoked>
                                    <td>{t["name"].as_str().unwrap_or_default().to_string()}</td>
                                    <td><code>{t["prefix"].as_str().unwrap_or_default().to_string()}"…"</code></td>
                                    <td>{t["last_used_at"].as_str().unwrap_or("—").to_string()}</td>
                                    <td>{(!revoked).then(|| view! {
                                        <button on:click=move |_| revoke(id)>{lang.get().pick("Thu hồi", "Revoke")}</button>
                                    })}</td>
                                </tr> }
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            </main>
        </div>
    }
}
