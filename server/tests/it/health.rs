//! `/healthz` tells a load balancer whether the database answers.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::common::{app, app_with, config, get};

#[tokio::test]
async fn healthy_when_the_database_answers() {
    let a = get(&app().await, "/healthz").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["database"], "ok");
}

#[tokio::test]
async fn unavailable_when_the_database_does_not() {
    // Nothing listens on port 1: the pool can never connect.
    let url = "postgres://postgres@127.0.0.1:1/ioc_map";
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy_with(PgConnectOptions::from_str(url).expect("url"));
    let app = app_with(pool, config(url.into()));
    let started = Instant::now();
    let a = get(&app, "/healthz").await;
    assert_eq!(a.status, 503);
    assert_eq!(a.json()["error"], "unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
