//! Incidents and the live protocol over a real socket: the incident API and its lifecycle, snapshots,
//! viewport filtering with enter/leave, ordering, resume with `since`, slow-client eviction.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::{app, pool, request_as, sign_in, Who};
use crate::ogc::assert_error;

/// Near Nhà thờ Đức Bà, and a box around it; another box far south-west (Cầu Kho).
pub(crate) const CATHEDRAL: [f64; 2] = [106.6990, 10.7798];
pub(crate) const NEAR: [f64; 4] = [106.6970, 10.7780, 106.7010, 10.7815];
pub(crate) const FAR: [f64; 4] = [106.6870, 10.7560, 106.6900, 10.7590];

pub(crate) async fn report(app: &axum::Router, at: [f64; 2], kind: &str) -> Value {
    let a = request_as(app, Who::Operator, "POST", "/api/incidents",
        Some(&json!({"kind": kind, "severity": 3, "description": "kiểm tra", "geometry": {"type": "Point", "coordinates": at}}))).await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()
}

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A live server on a loopback port, and a WebSocket client signed in as `who`.
pub(crate) async fn serve() -> (axum::Router, std::net::SocketAddr) {
    let app = app().await;
    let addr = crate::common::serve(app.clone()).await;
    (app, addr)
}

pub(crate) async fn connect(
    app: &axum::Router,
    addr: std::net::SocketAddr,
    who: Who,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut req = format!("ws://{addr}/ws")
        .into_client_request()
        .expect("request");
    if let Some(c) = sign_in(app, who).await {
        req.headers_mut()
            .insert("cookie", c.parse().expect("cookie"));
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

pub(crate) async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into()))
        .await
        .expect("send");
}

/// The next text frame as JSON (None after 3 s of silence).
pub(crate) async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_))) | None) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_))) => return None,
        }
    }
}

/// The next event about feature `id`, skipping others.
pub(crate) async fn event_for(ws: &mut Ws, id: &str) -> Option<Value> {
    while let Some(f) = next(ws).await {
        if f["type"] == "event" && f["feature"]["id"] == id {
            return Some(f);
        }
    }
    None
}

#[tokio::test]
async fn incidents_follow_their_lifecycle_with_a_case_history() {
    let app = app().await;
    let inc = report(&app, CATHEDRAL, "traffic_accident").await;
    let id = inc["id"].as_str().expect("id").to_string();
    assert_eq!(inc["properties"]["status"], "new");
    assert_eq!(inc["properties"]["ward_code"], "26740");
    let step = |to: &'static str, unit: Option<&'static str>| {
        let app = app.clone();
        let id = id.clone();
        async move {
            let mut body = json!({"to": to, "comment": format!("bước {to}")});
            if let Some(u) = unit {
                body["unit"] = json!(u);
            }
            request_as(
                &app,
                Who::Operator,
                "POST",
                &format!("/api/incidents/{id}/transitions"),
                Some(&body),
            )
            .await
        }
    };
    let illegal = step("resolved", None).await;
    assert_eq!(illegal.status, 409);
    assert_error(&illegal.json(), "conflict", Some("to"));
    assert_eq!(step("acknowledged", None).await.status, 200);
    let no_unit = step("dispatched", None).await;
    assert_eq!(no_unit.status, 400);
    assert_error(&no_unit.json(), "invalid_parameter", Some("unit"));
    // Bến Nghé's police was retired with its ward on 1 July 2025
    let retired = step("dispatched", Some("pol-26740")).await;
    assert_eq!(retired.status, 400, "{}", retired.text);
    assert_error(&retired.json(), "invalid_parameter", Some("unit"));
    let sent = step("dispatched", Some("pol-26740-2025")).await;
    assert_eq!(sent.status, 200);
    assert_eq!(
        sent.json()["properties"]["unit_name_vi"],
        "Công an phường Sài Gòn"
    );
    assert_eq!(step("resolved", None).await.status, 200);
    let reopened = step("reopened", None).await.json();
    assert_eq!(reopened["properties"]["status"], "acknowledged");
    // planners read incidents, with their history, but do not change them
    let read = request_as(
        &app,
        Who::Planner,
        "GET",
        &format!("/api/incidents/{id}"),
        None,
    )
    .await;
    assert_eq!(read.status, 200);
    let history: Vec<String> = read.json()["properties"]["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["to"].as_str().expect("to").to_string())
        .collect();
    assert_eq!(
        history,
        [
            "new",
            "acknowledged",
            "dispatched",
            "resolved",
            "acknowledged"
        ]
    );
    assert_eq!(
        request_as(
            &app,
            Who::Planner,
            "POST",
            &format!("/api/incidents/{id}/transitions"),
            Some(&json!({"to": "dismissed"}))
        )
        .await
        .status,
        403
    );
    let listed = request_as(
        &app,
        Who::Planner,
        "GET",
        "/api/incidents?status=acknowledged&bbox=106.697,10.778,106.701,10.7815",
        None,
    )
    .await
    .json();
    assert!(listed["features"]
        .as_array()
        .expect("features")
        .iter()
        .any(|f| f["id"] == id.as_str()));
}

#[tokio::test]
async fn bad_incidents_are_refused_and_write_nothing() {
    let app = app().await;
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incidents WHERE description = 'không hợp lệ'")
            .fetch_one(&pool().await)
            .await
            .expect("count");
    let point = |lon: f64, lat: f64| json!({"type": "Point", "coordinates": [lon, lat]});
    for (body, field) in [
        (
            json!({"kind": "fire", "severity": 2, "description": "không hợp lệ", "geometry": point(106.66, 10.77)}),
            "geometry",
        ),
        (
            json!({"kind": "alien", "severity": 2, "description": "không hợp lệ", "geometry": point(106.699, 10.7798)}),
            "kind",
        ),
        (
            json!({"kind": "fire", "severity": 5, "description": "không hợp lệ", "geometry": point(106.699, 10.7798)}),
            "severity",
        ),
        (
            json!({"kind": "fire", "severity": 2, "description": "không hợp lệ", "geometry": {"type": "LineString", "coordinates": []}}),
            "geometry",
        ),
    ] {
        let a = request_as(&app, Who::Operator, "POST", "/api/incidents", Some(&body)).await;
        assert_eq!(a.status, 400, "{body}");
        assert_error(&a.json(), "invalid_parameter", Some(field));
    }
    let a = request_as(
        &app,
        Who::Operator,
        "POST",
        "/api/incidents",
        Some(&json!({"kind": "fire", "severity": "high", "geometry": point(106.699, 10.7798)})),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        request_as(
            &app,
            Who::Operator,
            "POST",
            "/api/incidents/inc-nope/transitions",
            Some(&json!({"to": "acknowledged"}))
        )
        .await
        .status,
        404
    );
    assert_eq!(
        request_as(
            &app,
            Who::Operator,
            "GET",
            "/api/incidents?status=lost",
            None
        )
        .await
        .status,
        400
    );
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incidents WHERE description = 'không hợp lệ'")
            .fetch_one(&pool().await)
            .await
            .expect("count");
    assert_eq!(after, before);
}

#[tokio::test]
async fn only_operators_may_open_the_live_socket() {
    let (app, addr) = serve().await;
    for who in [Who::Anonymous, Who::Planner] {
        assert!(
            connect(&app, addr, who).await.is_err(),
            "{who:?} must be refused"
        );
    }
    assert!(connect(&app, addr, Who::Admin).await.is_ok());
}

#[tokio::test]
async fn events_are_filtered_to_the_viewport_in_seq_order() {
    let (app, addr) = serve().await;
    let mut near = connect(&app, addr, Who::Operator).await.expect("connect");
    let mut far = connect(&app, addr, Who::Operator).await.expect("connect");
    send(
        &mut near,
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"]}),
    )
    .await;
    send(
        &mut far,
        json!({"type": "subscribe", "bbox": FAR, "layers": ["incidents"]}),
    )
    .await;
    let snap = next(&mut near).await.expect("snapshot");
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["layer"], "incidents");
    assert_eq!(next(&mut far).await.expect("snapshot")["type"], "snapshot");
    // every answer to a subscribe ends with `synced`
    assert_eq!(next(&mut far).await.expect("synced")["type"], "synced");
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            report(&app, CATHEDRAL, "crowd").await["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let mut last = snap["seq"].as_i64().expect("seq");
    for id in &ids {
        let ev = event_for(&mut near, id)
            .await
            .expect("the near client sees it");
        let seq = ev["seq"].as_i64().expect("seq");
        assert!(seq > last, "seq {seq} after {last}");
        last = seq;
        assert_eq!(ev["op"], "upsert");
        assert_eq!(ev["feature"]["properties"]["kind"], "crowd");
    }
    // the far client saw none of them
    send(&mut far, json!({"type": "ping"})).await;
    assert_eq!(next(&mut far).await.expect("pong"), json!({"type": "pong"}));
    // the log in PostgreSQL is gap-free
    let (n, lo, hi): (i64, i64, i64) =
        sqlx::query_as("SELECT count(*), min(seq), max(seq) FROM live_events")
            .fetch_one(&pool().await)
            .await
            .expect("log");
    assert_eq!(n, hi - lo + 1);
}

#[tokio::test]
async fn moving_features_enter_and_leave_a_viewport() {
    let (app, addr) = serve().await;
    let live = {
        // the same database: a second live service moves the vehicle, as another server would
        server::live::Live::start(pool().await, Default::default())
            .await
            .expect("live")
    };
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    send(
        &mut ws,
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["cameras"]}),
    )
    .await;
    let snap = next(&mut ws).await.expect("snapshot");
    assert!(snap["features"]
        .as_array()
        .expect("features")
        .iter()
        .all(|f| f["id"] != "cam-0008"));
    server::cameras::store::move_to(&live, "cam-0008", CATHEDRAL)
        .await
        .expect("move in");
    let entered = event_for(&mut ws, "cam-0008").await.expect("enters");
    assert_eq!(entered["op"], "upsert");
    assert_eq!(
        entered["feature"]["geometry"]["coordinates"],
        json!(CATHEDRAL)
    );
    server::cameras::store::move_to(&live, "cam-0008", [106.6880, 10.7575])
        .await
        .expect("move out");
    let left = event_for(&mut ws, "cam-0008").await.expect("leaves");
    assert_eq!(left["op"], "delete");
}

#[tokio::test]
async fn a_client_resumes_with_since_and_a_too_old_since_resets() {
    let (app, addr) = serve().await;
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    send(
        &mut ws,
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"]}),
    )
    .await;
    let since = next(&mut ws).await.expect("snapshot")["seq"]
        .as_i64()
        .expect("seq");
    drop(ws);
    // missed while away
    let missed = report(&app, CATHEDRAL, "flooding").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut back = connect(&app, addr, Who::Operator).await.expect("reconnect");
    send(
        &mut back,
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"], "since": since}),
    )
    .await;
    let ev = event_for(&mut back, &missed)
        .await
        .expect("the missed event is replayed");
    assert_eq!(ev["op"], "upsert");
    let mut old = connect(&app, addr, Who::Operator).await.expect("connect");
    send(
        &mut old,
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"], "since": -5}),
    )
    .await;
    assert_eq!(
        next(&mut old).await.expect("reset"),
        json!({"type": "reset"})
    );
    assert_eq!(next(&mut old).await.expect("snapshot")["type"], "snapshot");
}

#[tokio::test]
async fn bad_live_messages_close_the_socket_with_a_reason() {
    let (app, addr) = serve().await;
    for bad in [
        json!({"type": "subscribe", "bbox": [1, 2, 3], "layers": ["incidents"]}),
        json!({"type": "subscribe", "bbox": NEAR, "layers": ["wards"]}),
        json!({"type": "dance"}),
    ] {
        let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
        send(&mut ws, bad.clone()).await;
        let closed = loop {
            match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => break Some(frame),
                Ok(Some(Ok(_))) => continue,
                _ => break None,
            }
        };
        let frame = closed.unwrap_or_else(|| panic!("{bad} should close the socket"));
        assert_eq!(u16::from(frame.code), 1008, "{bad}");
        assert!(frame.reason.contains("bad message"), "{}", frame.reason);
    }
}

#[tokio::test]
async fn incidents_are_an_ogc_collection_filtered_by_datetime() {
    let app = app().await;
    let inc = report(&app, CATHEDRAL, "flooding").await;
    let id = inc["id"].as_str().expect("id").to_string();
    let since = (chrono::Utc::now() - chrono::Duration::minutes(10)).format("%Y-%m-%dT%H:%M:%SZ");
    let ids = |doc: Value| -> Vec<String> {
        doc["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["id"].as_str().map(str::to_string))
            .collect()
    };
    let recent = request_as(
        &app,
        Who::Planner,
        "GET",
        &format!("/ogc/collections/incidents/items?datetime={since}/..&limit=10000"),
        None,
    )
    .await;
    assert_eq!(recent.status, 200, "{}", recent.text);
    assert!(ids(recent.json()).contains(&id));
    let old = request_as(
        &app,
        Who::Planner,
        "GET",
        "/ogc/collections/incidents/items?datetime=2020-01-01T00:00:00Z/2020-12-31T00:00:00Z",
        None,
    )
    .await;
    assert!(!ids(old.json()).contains(&id));
    assert_eq!(
        request_as(
            &app,
            Who::Anonymous,
            "GET",
            "/ogc/collections/incidents/items",
            None
        )
        .await
        .status,
        401
    );
    let bad = request_as(
        &app,
        Who::Planner,
        "GET",
        "/ogc/collections/incidents/items?datetime=soon",
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_error(&bad.json(), "invalid_parameter", Some("datetime"));
    let untimed = request_as(
        &app,
        Who::Planner,
        "GET",
        "/ogc/collections/streets/items?datetime=2026-01-01T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(untimed.status, 400);
}

#[tokio::test]
async fn closed_incidents_leave_the_live_layer_after_their_linger() {
    let settings = server::live::LiveConfig {
        closed_linger: Duration::from_secs(1),
        ..Default::default()
    };
    let app = crate::common::app_with_live(settings).await;
    let addr = crate::common::serve(app.clone()).await;
    let mut ws = connect(&app, addr, Who::Operator).await.expect("connect");
    // a spot of its own (Đa Kao), so other tests' incidents do not interleave
    let spot = [106.6980, 10.7890];
    send(&mut ws, json!({"type": "subscribe", "bbox": [106.6970, 10.7880, 106.6990, 10.7900], "layers": ["incidents"]})).await;
    assert_eq!(next(&mut ws).await.expect("snapshot")["type"], "snapshot");
    let id = report(&app, spot, "other").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        event_for(&mut ws, &id).await.expect("reported")["op"],
        "upsert"
    );
    let dismissed = request_as(
        &app,
        Who::Operator,
        "POST",
        &format!("/api/incidents/{id}/transitions"),
        Some(&json!({"to": "dismissed"})),
    )
    .await;
    assert_eq!(dismissed.status, 200);
    let ev = event_for(&mut ws, &id)
        .await
        .expect("dismissed is sent as an upsert");
    assert_eq!(
        (
            ev["op"].as_str(),
            ev["feature"]["properties"]["status"].as_str()
        ),
        (Some("upsert"), Some("dismissed"))
    );
    // housekeeping runs every 10 s: the delete comes within ~11 s after the linger
    let deadline = std::time::Instant::now() + Duration::from_secs(25);
    let mut left = None;
    while std::time::Instant::now() < deadline && left.is_none() {
        if let Some(f) = next(&mut ws).await {
            if f["type"] == "event" && f["feature"]["id"] == id.as_str() {
                left = Some(f);
            }
        }
    }
    assert_eq!(left.expect("it leaves the live layer")["op"], "delete");
}
