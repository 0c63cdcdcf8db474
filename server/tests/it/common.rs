//! Test helpers: a fresh, migrated and seeded database for this run, and requests to the router.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

use server::config::Config;
use server::{db, router, AppState};

/// The server's own default, but with a database name of this run.
fn admin_url() -> String {
    std::env::var("TEST_DATABASE_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

static DATABASE_URL: OnceLock<String> = OnceLock::new();
static VIDEO_DATABASE_URL: OnceLock<String> = OnceLock::new();

/// Creates `ioc_map_test_<pid>` (dropping those of test runs that are no longer running), migrates and
/// seeds it, once per test binary run.
pub fn database_url() -> String {
    DATABASE_URL.get_or_init(|| fresh_database("")).clone()
}

/// A second database of this run for the video tests: they re-point cameras, flip their status and
/// add cameras, which must not disturb the seed counts and event sequences the other tests check.
pub fn video_database_url() -> String {
    VIDEO_DATABASE_URL
        .get_or_init(|| fresh_database("_video"))
        .clone()
}

/// A database of its own for this run (`ioc_map_test_<pid><suffix>`), migrated and seeded.
pub fn fresh_database(suffix: &str) -> String {
    let suffix = suffix.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
        rt.block_on(async {
            let name = format!("ioc_map_test_{}{suffix}", std::process::id());
            let admin = PgPool::connect(&format!("{}/postgres", admin_url()))
                .await
                .expect("PostgreSQL must run on 127.0.0.1:5432 (make test starts it)");
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'ioc\\_map\\_test\\_%'",
            )
            .fetch_all(&admin)
            .await
            .expect("list test databases");
            for db in old {
                let digits: String = db
                    .trim_start_matches("ioc_map_test_")
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let pid: u32 = digits.parse().unwrap_or(0);
                let alive = pid != 0 && std::path::Path::new(&format!("/proc/{pid}")).exists();
                if !alive || db == name {
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                        .execute(&admin)
                        .await
                        .expect("drop an old test database");
                }
            }
            let url = format!("{}/{name}", admin_url());
            let pool = db::prepare(&url, "rtsp://127.0.0.1:8554")
                .await
                .expect("prepare test database");
            server::auth::bootstrap(&pool, Some(ADMIN_PASSWORD.into()), true)
                .await
                .expect("create test users");
            pool.close().await;
            url
        })
    })
    .join()
    .expect("database set-up thread")
}

pub async fn pool() -> PgPool {
    db::connect(&database_url())
        .await
        .expect("connect to the test database")
}

/// A cluster name no other test server of this run has.
pub fn unique_cluster() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("test-{}-{n}", std::process::id())
}

pub fn config(database_url: String) -> Config {
    Config {
        database_url,
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        site_root: "target/site".into(),
        basemap_style_url: None,
        camera_rtsp_base: "rtsp://127.0.0.1:8554".into(),
        public_url: None,
        secure_cookies: false,
        admin_password: None,
        demo_users: false,
        simulate_vehicles: false,
        simulate_speed: 1,
        // each test server is a cluster of its own: its expiry runs with its own linger
        cluster: unique_cluster(),
        nats_url: None,
        // one directory per test process; each saved export has a key of its own
        files: std::env::temp_dir()
            .join(format!("ioc-map-test-{}-files", std::process::id()))
            .to_string_lossy()
            .into_owned(),
        export_retention_days: 30,
        live_retention_days: 7,
        ws_queue: 1024,
        fanout_threads: 1,
        ws_per_user: 16,
        live_resume_max: 10_000,
        video: server::config::VideoConfig {
            probe_every: None,
            ..Default::default()
        },
        // every request of these tests comes from one address ("local"): the per-address limit has
        // its own test, with its own address
        trusted_proxies: Vec::new(),
        metrics_token: None,
        proxy_header: Default::default(),
        request_timeout: std::time::Duration::from_secs(30),
        statement_timeout: std::time::Duration::from_secs(20),
        sign_in: server::config::SignInConfig {
            per_address: 1_000_000,
            in_flight_per_address: 1_000,
            ..Default::default()
        },
    }
}

/// The server's router on this pool, configuration and live service (the video service is started
/// here, as `main` does).
pub fn router_on(pool: PgPool, config: Config, live: Arc<server::live::Live>) -> Router {
    router(AppState::on(pool, config, live).expect("the test's services start"))
}

/// The router on a pool whose database may be unreachable (the live service then loads nothing).
pub fn app_with(pool: PgPool, config: Config) -> Router {
    let live = server::live::Live::detached(pool.clone(), Default::default());
    router_on(pool, config, live)
}

/// The router on the test database, with its live service loaded.
pub async fn app() -> Router {
    app_with_live(Default::default()).await
}

/// The router on the test database, with a live service of these settings.
pub async fn app_with_live(settings: server::live::LiveConfig) -> Router {
    let pool = pool().await;
    let config = config(database_url());
    let live = server::live::Live::start(pool.clone(), settings)
        .await
        .expect("live service");
    router_on(pool, config, live)
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    send(
        app,
        Request::get(uri)
            .header("host", "test.local")
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.expect("router answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub const ADMIN_PASSWORD: &str = "admin-test-password";

/// Who makes a request in a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Operator,
    Planner,
    Admin,
}

pub const EVERYONE: [Who; 4] = [Who::Anonymous, Who::Operator, Who::Planner, Who::Admin];

impl Who {
    pub fn credentials(self) -> Option<(&'static str, &'static str)> {
        match self {
            Who::Anonymous => None,
            Who::Operator => Some(("operator", "operator-demo-2026")),
            Who::Planner => Some(("planner", "planner-demo-2026")),
            Who::Admin => Some(("admin", ADMIN_PASSWORD)),
        }
    }
}

/// Signs in through `POST /api/session` and returns the `Cookie` header value to send.
pub async fn sign_in(app: &Router, who: Who) -> Option<String> {
    let (user, pass) = who.credentials()?;
    // tests run in parallel and the password workers are few: a busy answer is retried, as a
    // browser's user would
    let mut tries = 0;
    let a = loop {
        let a = send(
            app,
            json_request(
                "POST",
                "/api/session",
                &serde_json::json!({"username": user, "password": pass}),
                None,
            ),
        )
        .await;
        tries += 1;
        if a.status != StatusCode::SERVICE_UNAVAILABLE || tries >= 30 {
            break a;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    assert_eq!(a.status, 200, "sign-in as {user}: {}", a.text);
    let set = a
        .headers
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .expect("ascii");
    Some(set.split(';').next().expect("name=value").to_string())
}

pub fn json_request(method: &str, uri: &str, body: &Value, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "test.local")
        .header("content-type", "application/json");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(Body::from(body.to_string())).expect("request")
}

/// A request as `who` (signed in by session cookie), with an optional JSON body.
pub async fn request_as(
    app: &Router,
    who: Who,
    method: &str,
    uri: &str,
    body: Option<&Value>,
) -> Answer {
    as_(app, who).await.request(method, uri, body).await
}

pub async fn get_as(app: &Router, who: Who, uri: &str) -> Answer {
    request_as(app, who, "GET", uri, None).await
}

/// Serves the router on a free loopback port (with the server's socket settings) for the test.
pub async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(
            axum::serve::ListenerExt::tap_io(listener, server::tune_connection),
            app,
        )
        .await
    });
    addr
}

/// A test's client: signed in once as `who` (its session cookie kept, like a browser's jar), then
/// any number of requests: `as_(&app, Who::Operator).await.post_json("/api/incidents", &body)`.
pub struct Client<'a> {
    app: &'a Router,
    cookie: Option<String>,
}

pub async fn as_(app: &Router, who: Who) -> Client<'_> {
    Client {
        app,
        cookie: sign_in(app, who).await,
    }
}

impl Client<'_> {
    pub async fn request(&self, method: &str, uri: &str, body: Option<&Value>) -> Answer {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "test.local");
        if let Some(c) = &self.cookie {
            b = b.header("cookie", c.as_str());
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        send(self.app, b.body(body).expect("request")).await
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.request("GET", uri, None).await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Answer {
        self.request("POST", uri, Some(body)).await
    }

    /// A file as the request body, as the import page sends it.
    pub async fn post_file(&self, uri: &str, bytes: Vec<u8>) -> Answer {
        let mut b = Request::post(uri)
            .header("host", "test.local")
            .header("content-type", "application/octet-stream");
        if let Some(c) = &self.cookie {
            b = b.header("cookie", c.as_str());
        }
        send(self.app, b.body(Body::from(bytes)).expect("request")).await
    }
}
