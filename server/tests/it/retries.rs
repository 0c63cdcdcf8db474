//! `Idempotency-Key` on `POST /api/incidents`: a retried create makes one incident.

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

use crate::common::{app, pool, send, sign_in, Answer, Who};

fn create(cookie: &str, key: Option<&str>, body: &Value) -> Request<Body> {
    let mut b = Request::post("/api/incidents")
        .header("host", "test.local")
        .header("content-type", "application/json")
        .header("cookie", cookie);
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    b.body(Body::from(body.to_string())).expect("request")
}

async fn incidents_described(description: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM incidents WHERE description = $1")
        .bind(description)
        .fetch_one(&pool().await)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_makes_one_incident() {
    let app = app().await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");
    let description = format!("Ngập nước thử lặp lại {}", std::process::id());
    let body = json!({"kind": "flooding", "severity": 2, "description": description,
                      "geometry": {"type": "Point", "coordinates": [106.7003, 10.7769]}});
    let key = format!("retry-{}", std::process::id());
    let first = send(&app, create(&operator, Some(&key), &body)).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = send(&app, create(&operator, Some(&key), &body)).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(
        again.json()["id"],
        first.json()["id"],
        "the first answer again"
    );
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(incidents_described(&description).await, 1);

    // the same key with another body is refused, naming the header
    let mut other = body.clone();
    other["severity"] = json!(3);
    let a = send(&app, create(&operator, Some(&key), &other)).await;
    assert_eq!(a.status, 422, "{}", a.text);
    assert_eq!(a.json()["field"], "Idempotency-Key");

    // ten retries racing each other: one incident, the same answer to all
    let key2 = format!("race-{}", std::process::id());
    let racing = (0..10).map(|_| send(&app, create(&operator, Some(&key2), &body)));
    let answers: Vec<Answer> = futures_util::future::join_all(racing).await;
    let ids: Vec<Value> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "{}", a.text);
            a.json()["id"].clone()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(incidents_described(&description).await, 2);

    // keys are per user; no key means no deduplication
    let admin = sign_in(&app, Who::Admin).await.expect("cookie");
    assert_eq!(
        send(&app, create(&admin, Some(&key), &body)).await.status,
        201
    );
    assert_eq!(send(&app, create(&operator, None, &body)).await.status, 201);
    assert_eq!(incidents_described(&description).await, 4);
    let bad = send(&app, create(&operator, Some(""), &body)).await;
    assert_eq!(
        (bad.status.as_u16(), bad.json()["field"].clone()),
        (400, json!("Idempotency-Key"))
    );
}
