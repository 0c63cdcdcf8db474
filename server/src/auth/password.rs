//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), off the async threads.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::error::ApiError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 200;

/// Checks a new password's length; `field` names it in the error.
pub fn check_new(field: &str, password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(ApiError::bad_request(
            field,
            format!("{field} must have at least {MIN_LEN} characters"),
        ));
    }
    if n > MAX_LEN {
        return Err(ApiError::bad_request(
            field,
            format!("{field} must have at most {MAX_LEN} characters"),
        ));
    }
    Ok(())
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        ApiError::unavailable("password hashing failed")
    })?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        ApiError::unavailable("password hashing failed")
    })
}

/// True when `password` matches `hash`. With no hash (unknown user) a dummy hash is checked, so an
/// unknown user takes as long as a wrong password.
pub async fn verify(hash: Option<String>, password: String) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$pL0pT8c6xZ7B0W1S8m8w0b5o5m0d3Q8r8JcYl0N8cWQ";
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_string());
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    known && ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(h.clone()), "correct horse battery".into()).await);
        assert!(!verify(Some(h), "wrong horse battery".into()).await);
        assert!(!verify(None, "correct horse battery".into()).await);
    }

    #[test]
    fn new_passwords_have_a_length_range() {
        assert!(check_new("password", "short").is_err());
        assert!(check_new("password", "long enough!").is_ok());
        assert_eq!(
            check_new("new_password", &"x".repeat(201))
                .expect_err("too long")
                .field
                .as_deref(),
            Some("new_password")
        );
    }
}
