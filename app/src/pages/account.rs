//! `/account`: everyone changes their own password and manages their personal API tokens.

use leptos::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::topbar::TopBar;
use crate::contract::auth::{NewToken, PasswordChange, TokenCreated, Tokens};
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
    let token_name = RwSignal::new(String::new());
    let new_token = RwSignal::new(None::<String>);
    let token_err = RwSignal::new(None::<String>);

    // The token list is a resource: it loads in the browser and loads again after every change.
    let tokens = LocalResource::new(|| api::get::<Tokens>("/api/tokens"));
    let change_password = Action::new_local(|body: &PasswordChange| {
        let body = body.clone();
        async move { api::send::<_, ()>("POST", "/api/account/password", &body).await }
    });
    let create_token = Action::new_local(|body: &NewToken| {
        let body = body.clone();
        async move { api::send::<_, TokenCreated>("POST", "/api/tokens", &body).await }
    });
    let revoke_token = Action::new_local(|id: &i64| {
        let url = format!("/api/tokens/{id}");
        async move { api::delete(&url).await }
    });

    // What each action's answer changes on the page.
    Effect::new(move |_| {
        let Some(done) = change_password.value().get() else {
            return;
        };
        let l = lang.get_untracked();
        match done {
            Ok(()) => {
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
    Effect::new(move |_| {
        let Some(done) = create_token.value().get() else {
            return;
        };
        match done {
            Ok(created) => {
                new_token.set(Some(created.token));
                token_name.set(String::new());
                token_err.set(None);
                tokens.refetch();
            }
            Err(e) => token_err.set(Some(e.to_string())),
        }
    });
    Effect::new(move |_| match revoke_token.value().get() {
        Some(Ok(())) => tokens.refetch(),
        Some(Err(e)) => token_err.set(Some(e.to_string())),
        None => {}
    });

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
        change_password.dispatch_local(PasswordChange {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        });
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create_token.dispatch_local(NewToken {
            name: token_name.get_untracked(),
            user: None,
        });
    };
    let token_list = move || match tokens.get() {
        Some(Ok(list)) => list.tokens,
        _ => Vec::new(),
    };
    // An action's failure, else the list's own.
    let token_error = move || {
        token_err.get().or_else(|| {
            tokens
                .get()
                .and_then(Result::err)
                .map(|e: ApiFailure| e.to_string())
        })
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
                    {move || token_error().map(|e| view! { <p class="form-error">{e}</p> })}
                    <table class="data">
                        <thead><tr>
                            <th>{move || lang.get().pick("Tên", "Name")}</th>
                            <th>{move || lang.get().pick("Mở đầu", "Starts with")}</th>
                            <th>{move || lang.get().pick("Dùng lần cuối", "Last used")}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {move || token_list().into_iter().map(|t| {
                                let id = t.id;
                                let revoked = t.revoked_at.is_some();
                                view! { <tr class:revoked=revoked>
                                    <td>{t.name}</td>
                                    <td><code>{t.prefix}"…"</code></td>
                                    <td>{t.last_used_at.unwrap_or_else(|| "—".into())}</td>
                                    <td>{(!revoked).then(|| view! {
                                        <button on:click=move |_| { revoke_token.dispatch_local(id); }>{lang.get().pick("Thu hồi", "Revoke")}</button>
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
