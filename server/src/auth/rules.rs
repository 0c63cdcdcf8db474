//! The rules of users, passwords, sign-in and tokens: what a name, a password or a redirect may be,
//! who may change whom. Pure (no IO, no clock), so each is tested here directly; the handlers in
//! `http` call them before anything is looked up or written.

use app::model::{Role, SessionUser};

use super::attempts::{MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS};
use super::error::AuthError;

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 200;
pub const MAX_DISPLAY_NAME: usize = 100;
pub const MAX_TOKEN_NAME: usize = 80;

/// A new password's length; `field` names it in the error.
pub fn check_new_password(field: &'static str, password: &str) -> Result<(), AuthError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(AuthError::invalid(
            field,
            format!("{field} must have at least {MIN_PASSWORD} characters"),
        ));
    }
    if n > MAX_PASSWORD {
        return Err(AuthError::invalid(
            field,
            format!("{field} must have at most {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// The sign-in fields' lengths, checked before anything is looked up.
pub fn check_credentials(username: &str, password: &str) -> Result<(), AuthError> {
    let check = |field: &'static str, value: &str, max: usize| {
        if value.is_empty() {
            Err(AuthError::invalid(field, format!("{field} is empty")))
        } else if value.chars().count() > max {
            Err(AuthError::invalid(
                field,
                format!("{field} must have at most {max} characters"),
            ))
        } else {
            Ok(())
        }
    };
    check("username", username.trim(), MAX_USERNAME_CHARS)?;
    check("password", password, MAX_PASSWORD_CHARS)
}

/// A new user's name, folded to lower case: 2 to 40 of a-z, 0-9, `_`, `.`, `-`, starting with a
/// letter or digit.
pub fn check_username(s: &str) -> Result<String, AuthError> {
    let u = s.trim().to_lowercase();
    let ok = (2..=40).contains(&u.len())
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(u)
    } else {
        Err(AuthError::invalid(
            "username",
            "username must be 2 to 40 of a-z, 0-9, '_', '.', '-', starting with a letter or digit",
        ))
    }
}

pub fn check_display_name(name: &str) -> Result<(), AuthError> {
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(AuthError::invalid(
            "display_name",
            format!("display_name must have at most {MAX_DISPLAY_NAME} characters"),
        ));
    }
    Ok(())
}

/// A token's name, trimmed: 1 to 80 characters.
pub fn check_token_name(name: &str) -> Result<&str, AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME {
        return Err(AuthError::invalid(
            "name",
            format!("name must have 1 to {MAX_TOKEN_NAME} characters"),
        ));
    }
    Ok(name)
}

pub fn parse_user_id(id: &str) -> Result<i64, AuthError> {
    id.parse()
        .map_err(|_| AuthError::invalid("id", format!("user id must be a number, got {id:?}")))
}

pub fn parse_role(s: &str) -> Result<Role, AuthError> {
    Role::parse(s)
        .ok_or_else(|| AuthError::invalid("role", "role must be operator, planner or admin"))
}

/// An admin cannot disable or demote themself: there must stay someone to manage users.
pub fn check_self_change(
    me: &SessionUser,
    target: i64,
    disable: bool,
    role: Option<Role>,
) -> Result<(), AuthError> {
    if target == me.id && (disable || role.is_some_and(|r| r != Role::Admin)) {
        return Err(AuthError::invalid(
            "role",
            "you cannot disable or demote yourself",
        ));
    }
    Ok(())
}

/// Why a user's open sockets and video end after a change, if they do: disabling, a password reset
/// and a new role each take rights away.
pub fn end_reason(
    disabled: bool,
    password_reset: bool,
    role_changed: bool,
) -> Option<&'static str> {
    if disabled {
        Some("the user was disabled")
    } else if password_reset {
        Some("the password was reset")
    } else if role_changed {
        Some("the role was changed")
    } else {
        None
    }
}

/// Only a path on this site may be a redirect target after sign-in.
/// Browsers drop tabs and newlines from a URL and read `\` as `/`, so `/\t/evil.example` is
/// `//evil.example` to them: any control character or backslash makes a target unsafe.
pub fn safe_next(next: Option<&String>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.chars().any(|c| c.is_control() || c == '\\')
    })
    .cloned()
}

/// Where a user lands after signing in without a `next`.
pub fn home_for(user: &SessionUser) -> &'static str {
    if user.can_operate() {
        "/ops"
    } else if user.can_plan() {
        "/planner"
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T: std::fmt::Debug>(r: Result<T, AuthError>) -> Option<&'static str> {
        match r {
            Err(AuthError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    fn user(id: i64, role: Role) -> SessionUser {
        SessionUser {
            id,
            username: format!("u{id}"),
            display_name: String::new(),
            role,
        }
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new_password("password", "short").is_err());
        assert!(check_new_password("password", "long enough!").is_ok());
        assert_eq!(
            field_of(check_new_password("new_password", &"x".repeat(201))),
            Some("new_password")
        );
    }

    #[test]
    fn usernames_are_folded_and_checked() {
        assert_eq!(
            check_username("  Duty.Officer ").expect("valid"),
            "duty.officer"
        );
        for bad in ["a", "-lead", "has space", "ngọc", &"x".repeat(41)] {
            assert_eq!(field_of(check_username(bad)), Some("username"), "{bad}");
        }
    }

    #[test]
    fn sign_in_fields_are_bounded_before_any_lookup() {
        assert!(check_credentials("operator", "x").is_ok());
        assert_eq!(field_of(check_credentials("   ", "x")), Some("username"));
        assert_eq!(
            field_of(check_credentials("operator", "")),
            Some("password")
        );
        let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(
            field_of(check_credentials("operator", &long)),
            Some("password")
        );
    }

    #[test]
    fn an_admin_cannot_lock_themself_out() {
        let me = user(1, Role::Admin);
        assert!(check_self_change(&me, 1, true, None).is_err());
        assert!(check_self_change(&me, 1, false, Some(Role::Planner)).is_err());
        assert!(check_self_change(&me, 1, false, Some(Role::Admin)).is_ok());
        assert!(check_self_change(&me, 2, true, Some(Role::Operator)).is_ok());
    }

    #[test]
    fn what_ends_a_users_sockets() {
        assert_eq!(end_reason(true, true, true), Some("the user was disabled"));
        assert_eq!(
            end_reason(false, true, true),
            Some("the password was reset")
        );
        assert_eq!(end_reason(false, false, true), Some("the role was changed"));
        assert_eq!(end_reason(false, false, false), None);
    }

    #[test]
    fn only_paths_of_this_site_are_redirect_targets() {
        let t = |s: &str| safe_next(Some(&s.to_string()));
        assert_eq!(t("/ops"), Some("/ops".into()));
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://x",
            "",
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
        assert_eq!(home_for(&user(1, Role::Planner)), "/planner");
        assert_eq!(home_for(&user(1, Role::Operator)), "/ops");
    }

    #[test]
    fn token_names_and_ids() {
        assert_eq!(check_token_name("  QGIS ").expect("valid"), "QGIS");
        assert_eq!(field_of(check_token_name("   ")), Some("name"));
        assert_eq!(field_of(parse_user_id("seven")), Some("id"));
        assert_eq!(field_of(parse_role("root")), Some("role"));
    }
}
