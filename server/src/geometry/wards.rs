//! Which ward of District 1 a point lies in today: the one geometry question answered by PostGIS,
//! inside the caller's transaction. Writers use it to refuse a position outside the district; no row
//! stores the ward, which is computed at the date asked (`ward_code_at` in SQL, migration 0009).

use sqlx::{Postgres, Transaction};

use super::GeometryError;
use crate::error::StoreError;

/// The code of the district whose wards are looked up (District 1 of Ho Chi Minh City).
pub const DISTRICT_CODE: &str = "760";

/// The ward a point of District 1 lies in (`None` on a ward border gap); outside the district → 400
/// naming `geometry`.
pub async fn ward_at(
    tx: &mut Transaction<'_, Postgres>,
    [lon, lat]: [f64; 2],
) -> Result<Option<String>, GeometryError> {
    let ward: Option<Option<String>> = sqlx::query_scalar(include_str!("ward_at.sql"))
        .bind(lon)
        .bind(lat)
        .bind(DISTRICT_CODE)
        .fetch_optional(&mut **tx)
        .await
        .map_err(StoreError::doing("finding the ward of a point"))?;
    ward.ok_or(GeometryError::OutsideDistrict(lon, lat))
}
