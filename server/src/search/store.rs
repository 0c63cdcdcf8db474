//! The search's SQL: places by name and the notices valid now, read into contract types.

use sqlx::PgPool;

use app::contract::geo::Point;
use app::contract::search::{Notice, Place, PlaceCategory, PlaceProperties};

use crate::error::StoreError;
use crate::search::rules::PlaceSearch;

fn point(lon: f64, lat: f64) -> Point {
    Point {
        r#type: "Point".into(),
        coordinates: vec![lon, lat],
    }
}

/// The places whose name matches, best first.
pub async fn places(pool: &PgPool, search: &PlaceSearch) -> Result<Vec<Place>, StoreError> {
    let rows = sqlx::query_file!("src/search/sql/places.sql", search.text, search.limit)
        .fetch_all(pool)
        .await
        .map_err(StoreError::doing("searching places by name"))?;
    Ok(rows
        .into_iter()
        .map(|r| Place {
            r#type: "Feature".into(),
            id: r.id.clone(),
            geometry: point(r.lon, r.lat),
            properties: PlaceProperties {
                id: r.id,
                // the table's CHECK allows only the contract's categories
                category: PlaceCategory::parse(&r.category).unwrap_or(PlaceCategory::Other),
                name_vi: r.name_vi,
                name_en: r.name_en,
                address: r.address,
                ward_code: r.ward_code,
                score: r.score,
            },
        })
        .collect())
}

/// The notices valid now, newest first.
pub async fn notices(pool: &PgPool) -> Result<Vec<Notice>, StoreError> {
    let rows = sqlx::query_file!("src/search/sql/notices.sql")
        .fetch_all(pool)
        .await
        .map_err(StoreError::doing("listing the public notices"))?;
    Ok(rows
        .into_iter()
        .map(|r| Notice {
            id: r.id,
            title_vi: r.title_vi,
            title_en: r.title_en,
            body_vi: r.body_vi,
            body_en: r.body_en,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            geometry: r.lon.zip(r.lat).map(|(lon, lat)| point(lon, lat)),
        })
        .collect())
}
