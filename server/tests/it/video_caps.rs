//! Video under abuse: parallel offers cannot pass the per-user cap, and a session nobody connects
//! to gives its place (and its sockets) back.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;

use loadgen::whep::WhepClient;

use crate::common::{self, send, sign_in, Who};
use crate::video::{camsim, point_camera};

const CAMERA: &str = "cam-0500";

/// A WHEP offer for the test's camera, as the holder of `cookie`.
fn offer_request(cookie: &str, offer: String) -> Request<Body> {
    Request::post(format!("/api/cameras/{CAMERA}/whep"))
        .header("host", "test.local")
        .header("content-type", "application/sdp")
        .header("cookie", cookie)
        .body(Body::from(offer))
        .expect("request")
}

#[tokio::test]
async fn parallel_offers_get_at_most_the_cap_and_unconnected_sessions_give_their_place_back() {
    let url = common::video_database_url();
    let pool = server::db::connect(&url)
        .await
        .expect("video test database");
    let mut config = common::config(url);
    config.video.sessions_per_user = 4;
    config.video.sessions_max = 6;
    let live = server::live::Live::start(pool.clone(), Default::default())
        .await
        .expect("live service");
    let app = common::router_on(pool.clone(), config, live);
    let cams = camsim(&[CAMERA], camsim::Mode::Loop).await;
    point_camera(&pool, CAMERA, &cams.url(CAMERA)).await;
    let operator = sign_in(&app, Who::Operator).await.expect("cookie");

    // 40 offers at once (the check and the registration used to be apart: all passed the check)
    let mut clients = Vec::new();
    let mut offers = Vec::new();
    for _ in 0..40 {
        let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
            .await
            .expect("client offer");
        clients.push(client);
        offers.push(offer);
    }
    let asks = offers
        .iter()
        .map(|offer| send(&app, offer_request(&operator, offer.clone())));
    let answers = futures_util::future::join_all(asks).await;
    let created: Vec<String> = answers
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| a.headers["location"].to_str().expect("ascii").to_string())
        .collect();
    let refused = answers.iter().filter(|a| a.status == 429).count();
    assert!(
        (1..=4).contains(&created.len()),
        "{} sessions for a cap of 4",
        created.len()
    );
    assert_eq!(created.len() + refused, 40);

    // the server's cap counts every user: with 6 in all, the admin gets what is left
    let admin = sign_in(&app, Who::Admin).await.expect("cookie");
    let mut created = created;
    let mut full = 0;
    for _ in 0..4 {
        let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
            .await
            .expect("client offer");
        let a = send(&app, offer_request(&admin, offer)).await;
        match a.status.as_u16() {
            201 => created.push(a.headers["location"].to_str().expect("ascii").to_string()),
            503 => {
                assert_eq!(a.json()["error"], "video_full");
                full += 1;
            }
            other => panic!("{other}: {}", a.text),
        }
        clients.push(client);
    }
    assert!(
        created.len() <= 6,
        "{} sessions for a server cap of 6",
        created.len()
    );
    assert!(full >= 1, "the server's cap was reached");
    for c in &clients {
        c.close().await;
    }

    // nobody completes the connection: each session ends on its own and its audit row says why
    let started = Instant::now();
    let ids: Vec<String> = created
        .iter()
        .map(|l| l.rsplit('/').next().expect("id").to_string())
        .collect();
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM camera_views WHERE session_id = ANY($1) AND ended_at IS NULL",
        )
        .bind(&ids)
        .fetch_one(&pool)
        .await
        .expect("count");
        if open == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "unconnected sessions still open after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "unconnected sessions released after {:?}",
        started.elapsed()
    );
    let reason: String =
        sqlx::query_scalar("SELECT end_reason FROM camera_views WHERE session_id = $1")
            .bind(&ids[0])
            .fetch_one(&pool)
            .await
            .expect("row");
    assert!(reason.contains("never connected"), "{reason}");
    // the places are free again
    let (client, offer) = WhepClient::offer([127, 0, 0, 1].into())
        .await
        .expect("client offer");
    assert_eq!(
        send(&app, offer_request(&operator, offer)).await.status,
        201
    );
    client.close().await;
}
