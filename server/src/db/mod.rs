//! The system of record: connecting (creating the database if absent), migrating, loading the seed.

pub mod seed;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

/// Embedded at compile time from `migrations/`; applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid DATABASE_URL: {0}")]
    Url(#[source] sqlx::Error),
    #[error("while creating database {name:?}: {source}")]
    Create { name: String, source: sqlx::Error },
    #[error("while connecting to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("while migrating: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("while loading seed data: {0}")]
    Seed(#[source] sqlx::Error),
}

/// Creates the database named in `url` if it does not exist, by connecting to the server's `postgres`
/// database with the same credentials.
pub async fn create_database_if_absent(url: &str) -> Result<(), DbError> {
    let opts = PgConnectOptions::from_str(url).map_err(DbError::Url)?;
    let name = opts.get_database().unwrap_or("postgres").to_string();
    let admin = opts.clone().database("postgres");
    let mut conn = admin.connect().await.map_err(DbError::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .map_err(DbError::Connect)?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // another process created it meanwhile
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(source) => return Err(DbError::Create { name, source }),
        }
    }
    conn.close().await.map_err(DbError::Connect)?;
    Ok(())
}

/// A pool that fails fast when the database is gone, so `/healthz` can answer 503 promptly.
///
/// Two planner settings for this workload: JIT compilation off (it cost ~450 ms on area queries whose
/// estimated cost crossed its threshold, far more than it saved), and custom plans always (spatial
/// selectivity depends on the area itself, which a generic plan cannot see).
///
/// Every statement is cancelled after [`DEFAULT_STATEMENT_TIMEOUT`] (a runaway query must not hold a
/// connection of the 16 for ever), and a transaction left idle is ended after a minute.
pub async fn connect(url: &str) -> Result<PgPool, DbError> {
    connect_with(url, DEFAULT_STATEMENT_TIMEOUT).await
}

/// The default statement time limit (`IOC_DB_STATEMENT_TIMEOUT_SECS`).
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(20);

/// [`connect`] with another statement time limit.
pub async fn connect_with(url: &str, statement_timeout: Duration) -> Result<PgPool, DbError> {
    let timeout_ms = statement_timeout.as_millis().to_string();
    let opts = PgConnectOptions::from_str(url)
        .map_err(DbError::Url)?
        .options([
            ("jit", "off"),
            ("plan_cache_mode", "force_custom_plan"),
            ("statement_timeout", timeout_ms.as_str()),
            ("idle_in_transaction_session_timeout", "60000"),
        ]);
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(opts)
        .await
        .map_err(DbError::Connect)
}

/// Everything start-up needs: database, schema, District 1 seed.
pub async fn prepare(url: &str, camera_rtsp_base: &str) -> Result<PgPool, DbError> {
    prepare_with(url, camera_rtsp_base, DEFAULT_STATEMENT_TIMEOUT).await
}

/// [`prepare`] with another statement time limit.
pub async fn prepare_with(
    url: &str,
    camera_rtsp_base: &str,
    statement_timeout: Duration,
) -> Result<PgPool, DbError> {
    create_database_if_absent(url).await?;
    let pool = connect_with(url, statement_timeout).await?;
    MIGRATOR.run(&pool).await?;
    if seed::load_district1(&pool, camera_rtsp_base)
        .await
        .map_err(DbError::Seed)?
    {
        tracing::info!("loaded the District 1 seed");
    }
    if seed::load_notices(&pool).await.map_err(DbError::Seed)? {
        tracing::info!("loaded the public notices");
    }
    if seed::load_units(&pool).await.map_err(DbError::Seed)? {
        tracing::info!("loaded the response units");
    }
    if seed::load_wards_2025(&pool).await.map_err(DbError::Seed)? {
        tracing::info!("loaded the wards of 1 July 2025 (ten wards became four)");
    }
    Ok(pool)
}
