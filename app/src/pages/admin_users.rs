//! `/admin/users`: admins create users, change roles, disable accounts and reset passwords.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api;
use crate::components::topbar::TopBar;
use crate::model::{Lang, Role};

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let users = RwSignal::new(Vec::<Value>::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let (username, password, role, display) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("operator".to_string()),
        RwSignal::new(String::new()),
    );
    let reload = move || {
        spawn_local(async move {
            match api::call("GET", "/api/users", None).await {
                Ok(v) => users.set(v["users"].as_array().cloned().unwrap_or_default()),
                Err(e) => msg.set(Some((false, e.to_string()))),
            }
        })
    };
    Effect::new(move |_| reload());
    let patch = move |id: i64, body: Value, done_vi: &'static str, done_en: &'static str| {
        spawn_local(async move {
            match api::call("PATCH", &format!("/api/users/{id}"), Some(body)).await {
                Ok(_) => {
                    msg.set(Some((
                        true,
                        lang.get_untracked().pick(done_vi, done_en).into(),
                    )));
                    reload();
                }
                Err(e) => msg.set(Some((false, e.to_string()))),
            }
        })
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({"username": username.get_untracked(), "password": password.get_untracked(),
                          "role": role.get_untracked(), "display_name": display.get_untracked()});
        spawn_local(async move {
            match api::call("POST", "/api/users", Some(body)).await {
                Ok(_) => {
                    msg.set(Some((
                        true,
                        lang.get_untracked()
                            .pick("Đã tạo người dùng.", "User created.")
                            .into(),
                    )));
                    username.set(String::new());
                    password.set(String::new());
                    display.set(String::new());
                    reload();
                }
                Err(e) => msg.set(Some((false, e.to_string()))),
            }
        });
    };
    const ROLES: [Role; 3] = [Role::Operator, Role::Planner, Role::Admin];
    let roles = ROLES;

    view! {
        <div class="page-shell">
            <TopBar title_vi="Quản lý người dùng" title_en="Users"/>
            <main class="page wide">
                <h1>{move || lang.get().pick("Người dùng", "Users")}</h1>
                {move || msg.get().map(|(ok, m)| view! { <p class=if ok { "form-ok" } else { "form-error" } role="status">{m}</p> })}
                <table class="data">
                    <thead><tr>
                        <th>{move || lang.get().pick("Tên đăng nhập", "Username")}</th>
                        <th>{move || lang.get().pick("Họ tên", "Name")}</th>
                        <th>{move || lang.get().pick("Vai trò", "Role")}</th>
                        <th>{move || lang.get().pick("Trạng thái", "Status")}</th>
                        <th>{move || lang.get().pick("Đặt lại mật khẩu", "Reset password")}</th>
                    </tr></thead>
                    <tbody>
                        {move || users.get().into_iter().map(|u| {
                            let id = u["id"].as_i64().unwrap_or_default();
                            let disabled = u["disabled"].as_bool().unwrap_or(false);
                            let current = u["role"].as_str().unwrap_or_default().to_string();
                            let reset = RwSignal::new(String::new());
                            view! { <tr class:revoked=disabled>
                                <td>{u["username"].as_str().unwrap_or_default().to_string()}</td>
                                <td>{u["display_name"].as_str().unwrap_or_default().to_string()}</td>
                                <td><select on:change=move |e| patch(id, json!({"role": event_target_value(&e)}), "Đã đổi vai trò.", "Role changed.")>
                                    {roles.into_iter().map(|r| view! {
                                        <option value=r.as_str() selected=current == r.as_str()>{r.title(lang.get_untracked())}</option>
                                    }).collect_view()}
                                </select></td>
                                <td><button on:click=move |_| patch(id, json!({"disabled": !disabled}),
                                        if disabled { "Đã mở khóa." } else { "Đã khóa tài khoản." },
                                        if disabled { "Enabled." } else { "Disabled." })>
                                    {move || if disabled { lang.get().pick("Đã khóa · mở khóa", "Disabled · enable") }
                                             else { lang.get().pick("Hoạt động · khóa", "Active · disable") }}
                                </button></td>
                                <td><form class="inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        patch(id, json!({"password": reset.get_untracked()}), "Đã đặt lại mật khẩu.", "Password reset.");
                                        reset.set(String::new());
                                    }>
                                    <input type="password" minlength="10" required autocomplete="new-password"
                                        prop:value=move || reset.get() on:input=move |e| reset.set(event_target_value(&e))/>
                                    <button type="submit">"OK"</button>
                                </form></td>
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
                <h2>{move || lang.get().pick("Thêm người dùng", "Add a user")}</h2>
                <form class="stack" on:submit=create>
                    <label>{move || lang.get().pick("Tên đăng nhập", "Username")}
                        <input name="username" required prop:value=move || username.get() on:input=move |e| username.set(event_target_value(&e))/></label>
                    <label>{move || lang.get().pick("Họ tên", "Name")}
                        <input name="display_name" prop:value=move || display.get() on:input=move |e| display.set(event_target_value(&e))/></label>
                    <label>{move || lang.get().pick("Vai trò", "Role")}
                        <select name="role" on:change=move |e| role.set(event_target_value(&e))>
                            {roles.into_iter().map(|r| view! { <option value=r.as_str()>{move || r.title(lang.get())}</option> }).collect_view()}
                        </select></label>
                    <label>{move || lang.get().pick("Mật khẩu (ít nhất 10 ký tự)", "Password (10 characters or more)")}
                        <input name="password" type="password" minlength="10" required autocomplete="new-password"
                            prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e))/></label>
                    <button type="submit" class="primary">{move || lang.get().pick("Tạo người dùng", "Create user")}</button>
                </form>
            </main>
        </div>
    }
}
