//! Loads the District 1 seed (plain GeoJSON files under `data/district1/`) once, in one transaction.
//!
//! The files are embedded in the binary so a deployed server needs no data directory; they stay plain
//! files in the repository, generated and documented by `tools/seed/`. A row in `seed_runs` marks the
//! seed as loaded, and an advisory lock keeps two servers starting at once from loading it twice.

use sqlx::PgPool;

pub const DISTRICT1: &str = "district1-v1";

const DISTRICT: &str = include_str!("../../../data/district1/district.geojson");
const WARDS: &str = include_str!("../../../data/district1/wards.geojson");
const WARDS_2025: &str = include_str!("../../../data/district1/wards_2025.geojson");
const STREETS: &str = include_str!("../../../data/district1/streets.geojson");
const RECORDERS: &str = include_str!("../../../data/district1/recorders.geojson");
const CAMERAS: &str = include_str!("../../../data/district1/cameras.geojson");
const PLACES: &str = include_str!("../../../data/district1/places.geojson");
const NOTICES: &str = include_str!("../../../data/district1/notices.geojson");
pub const NOTICES_SEED: &str = "district1-notices-v1";
const UNITS: &str = include_str!("../../../data/district1/response_units.geojson");
pub const UNITS_SEED: &str = "district1-units-v1";
pub const WARDS_2025_SEED: &str = "district1-wards-2025";
/// The first day of the four wards (resolution 25/NQ-HĐND of the HCMC People's Council).
pub const WARDS_2025_FROM: &str = "2025-07-01";

const INSERT_AREAS: &str = include_str!("sql/insert_areas.sql");
const INSERT_STREETS: &str = include_str!("sql/insert_streets.sql");
const INSERT_RECORDERS: &str = include_str!("sql/insert_recorders.sql");
const INSERT_CAMERAS: &str = include_str!("sql/insert_cameras.sql");
const INSERT_PLACES: &str = include_str!("sql/insert_places.sql");
const INSERT_NOTICES: &str = include_str!("sql/insert_notices.sql");
const INSERT_UNITS: &str = include_str!("sql/insert_units.sql");
const CLOSE_WARDS: &str = include_str!("sql/close_wards.sql");
const WARD_UNITS: &str = include_str!("sql/ward_units.sql");

/// Starts a seed transaction, or None when the named seed is loaded already.
async fn begin_seed(
    pool: &PgPool,
    name: &str,
) -> Result<Option<sqlx::Transaction<'static, sqlx::Postgres>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(760)")
        .execute(&mut *tx)
        .await?;
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM seed_runs WHERE name = $1)")
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
    Ok(if done { None } else { Some(tx) })
}

/// Loads one seed file with one statement, once; returns whether it loaded it now.
async fn load_one(pool: &PgPool, name: &str, sql: &str, data: &str) -> Result<bool, sqlx::Error> {
    let Some(mut tx) = begin_seed(pool, name).await? else {
        return Ok(false);
    };
    sqlx::query(sql).bind(data).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO seed_runs (name) VALUES ($1)")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The public notices of the demo.
pub async fn load_notices(pool: &PgPool) -> Result<bool, sqlx::Error> {
    load_one(pool, NOTICES_SEED, INSERT_NOTICES, NOTICES).await
}

/// The response units incidents are dispatched to.
pub async fn load_units(pool: &PgPool) -> Result<bool, sqlx::Error> {
    load_one(pool, UNITS_SEED, INSERT_UNITS, UNITS).await
}

/// Loads the seed unless it already is; returns whether it loaded it now.
pub async fn load_district1(pool: &PgPool, camera_rtsp_base: &str) -> Result<bool, sqlx::Error> {
    let Some(mut tx) = begin_seed(pool, DISTRICT1).await? else {
        return Ok(false);
    };
    sqlx::query(INSERT_AREAS)
        .bind(DISTRICT)
        .bind("district")
        .bind(None::<String>)
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_AREAS)
        .bind(WARDS)
        .bind("ward")
        .bind(Some("760"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_STREETS)
        .bind(STREETS)
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_RECORDERS)
        .bind(RECORDERS)
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_CAMERAS)
        .bind(CAMERAS)
        .bind(camera_rtsp_base.trim_end_matches('/'))
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_PLACES)
        .bind(PLACES)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO seed_runs (name) VALUES ($1)")
        .bind(DISTRICT1)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// The 2025 ward merger, once, in one transaction: the ten 2020 wards end on 30 June 2025, the four
/// wards of `wards_2025.geojson` begin on 1 July, and the ward teams follow. Runs after the units seed,
/// so a database seeded before the merger and a new one end the same.
pub async fn load_wards_2025(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let Some(mut tx) = begin_seed(pool, WARDS_2025_SEED).await? else {
        return Ok(false);
    };
    let from = chrono::NaiveDate::parse_from_str(WARDS_2025_FROM, "%Y-%m-%d")
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    sqlx::query(CLOSE_WARDS)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_AREAS)
        .bind(WARDS_2025)
        .bind("ward")
        .bind(Some("760"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(WARD_UNITS).bind(from).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO seed_runs (name) VALUES ($1)")
        .bind(WARDS_2025_SEED)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}
