//! `/admin/users`: admins create users, change roles, disable accounts and reset passwords.

use leptos::prelude::*;

use crate::api;
use crate::components::topbar::TopBar;
use crate::contract::auth::{NewUser, User, UserPatch, Users};
use crate::model::{Lang, Role};

/// One change to one user, with the words to say when it is done.
#[derive(Clone)]
struct Change {
    id: i64,
    patch: UserPatch,
    done: (&'static str, &'static str),
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let msg = RwSignal::new(None::<(bool, String)>);
    let (username, password, role, display) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("operator".to_string()),
        RwSignal::new(String::new()),
    );
    let users = LocalResource::new(|| api::get::<Users>("/api/users"));
    let patch_user = Action::new_local(|c: &Change| {
        let c = c.clone();
        async move {
            api::send::<_, User>("PATCH", &format!("/api/users/{}", c.id), &c.patch)
                .await
                .map(|_| c.done)
        }
    });
    let create_user = Action::new_local(|body: &NewUser| {
        let body = body.clone();
        async move { api::send::<_, User>("POST", "/api/users", &body).await }
    });
    Effect::new(move |_| match patch_user.value().get() {
        Some(Ok((vi, en))) => {
            msg.set(Some((true, lang.get_untracked().pick(vi, en).into())));
            users.refetch();
        }
        Some(Err(e)) => msg.set(Some((false, e.to_string()))),
        None => {}
    });
    Effect::new(move |_| match create_user.value().get() {
        Some(Ok(_)) => {
            msg.set(Some((
                true,
                lang.get_untracked()
                    .pick("Đã tạo người dùng.", "User created.")
                    .into(),
            )));
            username.set(String::new());
            password.set(String::new());
            display.set(String::new());
            users.refetch();
        }
        Some(Err(e)) => msg.set(Some((false, e.to_string()))),
        None => {}
    });
    let patch = move |id: i64, patch: UserPatch, done_vi: &'static str, done_en: &'static str| {
        patch_user.dispatch_local(Change {
            id,
            patch,
            done: (done_vi, done_en),
        });
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create_user.dispatch_local(NewUser {
            username: username.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
            display_name: display.get_untracked(),
        });
    };
    // A failed load says so where the page's messages go.
    let load_error = move || {
        users
            .get()
            .and_then(Result::err)
            .map(|e| (false, e.to_string()))
    };
    let user_list = move || match users.get() {
        Some(Ok(list)) => list.users,
        _ => Vec::new(),
    };
    const ROLES: [Role; 3] = [Role::Operator, Role::Planner, Role::Admin];
    let roles = ROLES;

    view! {
        <div class="page-shell">
            <TopBar title_vi="Quản lý người dùng" title_en="Users"/>
            <main class="page wide">
                <h1>{move || lang.get().pick("Người dùng", "Users")}</h1>
                {move || load_error().or_else(|| msg.get()).map(|(ok, m)| view! { <p class=if ok { "form-ok" } else { "form-error" } role="status">{m}</p> })}
                <table class="data">
                    <thead><tr>
                        <th>{move || lang.get().pick("Tên đăng nhập", "Username")}</th>
                        <th>{move || lang.get().pick("Họ tên", "Name")}</th>
                        <th>{move || lang.get().pick("Vai trò", "Role")}</th>
                        <th>{move || lang.get().pick("Trạng thái", "Status")}</th>
                        <th>{move || lang.get().pick("Đặt lại mật khẩu", "Reset password")}</th>
                    </tr></thead>
                    <tbody>
                        {move || user_list().into_iter().map(|u| {
                            let id = u.id;
                            let disabled = u.disabled;
                            let current = u.role;
                            let reset = RwSignal::new(String::new());
                            // the table's cells have no visible labels: each control names its user
                            let l = lang.get_untracked();
                            let role_label = format!("{} {}", l.pick("Vai trò của", "Role of"), u.username);
                            let reset_label = format!("{} {}", l.pick("Mật khẩu mới cho", "New password for"), u.username);
                            view! { <tr class:revoked=disabled>
                                <td>{u.username}</td>
                                <td>{u.display_name}</td>
                                <td><select aria-label=role_label on:change=move |e| patch(id, UserPatch { role: Some(event_target_value(&e)), ..UserPatch::default() }, "Đã đổi vai trò.", "Role changed.")>
                                    {roles.into_iter().map(|r| view! {
                                        <option value=r.as_str() selected=current == r>{r.title(lang.get_untracked())}</option>
                                    }).collect_view()}
                                </select></td>
                                <td><button on:click=move |_| patch(id, UserPatch { disabled: Some(!disabled), ..UserPatch::default() },
                                        if disabled { "Đã mở khóa." } else { "Đã khóa tài khoản." },
                                        if disabled { "Enabled." } else { "Disabled." })>
                                    {move || if disabled { lang.get().pick("Đã khóa · mở khóa", "Disabled · enable") }
                                             else { lang.get().pick("Hoạt động · khóa", "Active · disable") }}
                                </button></td>
                                <td><form class="inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        patch(id, UserPatch { password: Some(reset.get_untracked()), ..UserPatch::default() }, "Đã đặt lại mật khẩu.", "Password reset.");
                                        reset.set(String::new());
                                    }>
                                    <input type="password" minlength="10" required autocomplete="new-password" aria-label=reset_label
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
