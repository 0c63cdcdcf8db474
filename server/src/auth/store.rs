//! Users, sessions, API tokens and sign-in failures in PostgreSQL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

use app::contract::auth::{Token, User};
use app::model::{Role, SessionUser};

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i32 = 12;

/// A new random secret (256 bits), URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Secrets are stored as SHA-256 only: they are random, so a plain hash cannot be reversed.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
}

impl UserRow {
    pub fn session_user(&self) -> SessionUser {
        SessionUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            // the column's CHECK constraint allows only the three roles
            role: Role::parse(&self.role).unwrap_or(Role::Operator),
        }
    }
}

pub async fn user_by_name(pool: &PgPool, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE username = $1",
        username
    )
    .fetch_optional(pool)
    .await
}

pub async fn user_by_id(pool: &PgPool, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, username, display_name, role, password_hash, disabled FROM users WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
}

pub async fn user_by_session(pool: &PgPool, token: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled",
        digest(token)
    )
    .fetch_optional(pool)
    .await
}

/// The user of a valid API token, and the token's id (what revoking it ends).
pub async fn user_by_api_token(
    pool: &PgPool,
    token: &str,
) -> Result<Option<(UserRow, i64)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH t AS (UPDATE api_tokens SET last_used_at = now()
                       WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, user_id)
           SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled,
                  t.id AS "token_id!"
             FROM t JOIN users u ON u.id = t.user_id WHERE NOT u.disabled"#,
        digest(token)
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| {
        let user = UserRow {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            password_hash: r.password_hash,
            disabled: r.disabled,
        };
        (user, r.token_id)
    }))
}

/// Starts a session and returns its cookie token.
pub async fn create_session(
    pool: &PgPool,
    user_id: i64,
    address: &str,
) -> Result<String, sqlx::Error> {
    let token = new_secret();
    sqlx::query!(
        "INSERT INTO sessions (token_hash, user_id, expires_at, address)
         VALUES ($1, $2, now() + make_interval(hours => $3), $4)",
        digest(&token),
        user_id,
        SESSION_HOURS,
        address,
    )
    .execute(pool)
    .await?;
    Ok(token)
}

/// Deletes a session (the caller then ends what it opened: `revoke::end`, after this commits).
pub async fn delete_session(pool: &PgPool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM sessions WHERE token_hash = $1 OR expires_at < now()",
        digest(token)
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The answer to "may this attempt be checked?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Yes; the attempt is recorded (as a failure until `clear_failures` says otherwise) with this id.
    Granted(i64),
    /// No: too many for this username from this address, or from this address at all; seconds until
    /// the oldest of them leaves the window.
    Refused { retry_after: i64 },
}

/// Records an attempt before its password is checked, unless the limits are reached: the count and
/// the insert run under a per-address advisory lock in one transaction, so no number of parallel
/// attempts, in any number of processes, gets more than the limits checked (see `attempts`).
pub async fn reserve_attempt(
    pool: &PgPool,
    username: &str,
    address: &str,
    limits: &crate::config::SignInConfig,
) -> Result<Reservation, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Counts {
        user_count: i64,
        address_count: i64,
        user_retry: i64,
        address_retry: i64,
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('ioc-sign-in:' || $1, 0))")
        .bind(address)
        .execute(&mut *tx)
        .await?;
    // clock_timestamp: the lock may have been waited for, and now() is the transaction's start
    let c: Counts = sqlx::query_as(
        "WITH w AS (SELECT username, at FROM sign_in_failures
                     WHERE address = $2 AND at > clock_timestamp() - make_interval(secs => $3::float8))
         SELECT count(*) FILTER (WHERE username = $1) AS user_count,
                count(*) AS address_count,
                coalesce(ceil(extract(epoch FROM min(at) FILTER (WHERE username = $1)
                     + make_interval(secs => $3::float8) - clock_timestamp())), 0)::bigint AS user_retry,
                coalesce(ceil(extract(epoch FROM min(at)
                     + make_interval(secs => $3::float8) - clock_timestamp())), 0)::bigint AS address_retry
           FROM w",
    )
    .bind(username)
    .bind(address)
    .bind(f64::from(limits.window_secs))
    .fetch_one(&mut *tx)
    .await?;
    if c.user_count >= limits.per_user {
        return Ok(Reservation::Refused {
            retry_after: c.user_retry.max(1),
        });
    }
    if c.address_count >= limits.per_address {
        return Ok(Reservation::Refused {
            retry_after: c.address_retry.max(1),
        });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (username, address, at) VALUES ($1, $2, clock_timestamp()) RETURNING id",
    )
    .bind(username)
    .bind(address)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation::Granted(id))
}

/// Revokes every API token of a user (their password changed): in the caller's transaction.
pub async fn revoke_tokens_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        user_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A successful sign-in: this user's records from this address go (the reserved attempt with them).
pub async fn clear_failures(
    pool: &PgPool,
    username: &str,
    address: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM sign_in_failures WHERE username = $1 AND address = $2",
        username,
        address
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Creates a user unless one with this name exists; returns whether it did.
pub async fn create_user_if_absent(
    pool: &PgPool,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (username) DO NOTHING",
        username,
        display_name,
        role.as_str(),
        password_hash,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A user as the admin API shows it (no password hash), from one row.
struct UserRecord {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    disabled: bool,
    created_at: String,
}

impl TryFrom<UserRecord> for User {
    type Error = sqlx::Error;

    fn try_from(r: UserRecord) -> Result<User, sqlx::Error> {
        // the table's CHECK constraint allows only the roles the contract names
        let role = Role::parse(&r.role).ok_or_else(|| {
            sqlx::Error::Decode(format!("user {} has an unknown role {:?}", r.id, r.role).into())
        })?;
        Ok(User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

/// Every user, by username.
pub async fn users(pool: &PgPool) -> Result<Vec<User>, sqlx::Error> {
    // times as RFC 3339 text, as JSON writes them
    let rows = sqlx::query_as!(
        UserRecord,
        r#"SELECT id, username, display_name, role, disabled,
                  to_json(created_at) #>> '{}' AS "created_at!"
             FROM users ORDER BY username"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(User::try_from).collect()
}

pub async fn user(pool: &PgPool, id: i64) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query_as!(
        UserRecord,
        r#"SELECT id, username, display_name, role, disabled,
                  to_json(created_at) #>> '{}' AS "created_at!"
             FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    row.map(User::try_from).transpose()
}

/// Inserts a user; `None` when the username is taken.
pub async fn insert_user(
    pool: &PgPool,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query_as!(
        UserRecord,
        r#"INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
           ON CONFLICT (username) DO NOTHING
           RETURNING id, username, display_name, role, disabled,
                     to_json(created_at) #>> '{}' AS "created_at!""#,
        username,
        display_name,
        role.as_str(),
        password_hash,
    )
    .fetch_optional(pool)
    .await?;
    row.map(User::try_from).transpose()
}

/// The user's role, their row locked until the transaction ends.
pub async fn lock_role(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT role FROM users WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut **tx)
        .await
}

/// The fields of a user to change (`None`: keep).
pub struct UserChange {
    pub role: Option<Role>,
    pub display_name: Option<String>,
    pub disabled: Option<bool>,
    /// A new password's hash.
    pub hash: Option<String>,
}

pub async fn update_user(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    change: &UserChange,
) -> Result<User, sqlx::Error> {
    let row = sqlx::query_as!(
        UserRecord,
        r#"UPDATE users SET role = coalesce($2, role), display_name = coalesce($3, display_name),
                  disabled = coalesce($4, disabled), password_hash = coalesce($5, password_hash),
                  password_changed_at = CASE WHEN $5::text IS NULL THEN password_changed_at ELSE now() END
            WHERE id = $1
           RETURNING id, username, display_name, role, disabled,
                     to_json(created_at) #>> '{}' AS "created_at!""#,
        id,
        change.role.map(Role::as_str),
        change.display_name.as_deref().map(str::trim),
        change.disabled,
        change.hash.as_deref(),
    )
    .fetch_one(&mut **tx)
    .await?;
    User::try_from(row)
}

pub async fn delete_sessions_of(
    tx: &mut Transaction<'_, Postgres>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sessions WHERE user_id = $1", user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

struct TokenRecord {
    id: i64,
    name: String,
    prefix: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl From<TokenRecord> for Token {
    fn from(r: TokenRecord) -> Token {
        Token {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// A user's API tokens, oldest first (never their secrets).
pub async fn tokens_of(pool: &PgPool, user_id: i64) -> Result<Vec<Token>, sqlx::Error> {
    let rows = sqlx::query_as!(
        TokenRecord,
        r#"SELECT id, name, prefix, to_json(created_at) #>> '{}' AS "created_at!",
                  to_json(last_used_at) #>> '{}' AS last_used_at,
                  to_json(revoked_at) #>> '{}' AS revoked_at
             FROM api_tokens WHERE user_id = $1 ORDER BY id"#,
        user_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Token::from).collect())
}

/// Stores a new API token (its digest and first characters); its id.
pub async fn insert_token(
    pool: &PgPool,
    user_id: i64,
    name: &str,
    secret: &str,
    prefix: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING id",
        user_id,
        name,
        digest(secret),
        prefix,
    )
    .fetch_one(pool)
    .await
}

pub async fn token_owner(pool: &PgPool, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!("SELECT user_id FROM api_tokens WHERE id = $1", id)
        .fetch_optional(pool)
        .await
}

pub async fn revoke_token(pool: &PgPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}
