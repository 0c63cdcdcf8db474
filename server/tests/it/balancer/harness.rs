//! The cluster of the suite: two server nodes behind HAProxy, on one fresh database, with the real
//! NATS and an S3-compatible file store (moto's server, installed by `make test`), and the requests
//! a test makes through the balancer.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::common::{fresh_database, unique_cluster};
use crate::restart::{free_port, wait_healthy};

pub(super) const NATS: &str = "nats://127.0.0.1:4222";
pub(super) const NEAR: [f64; 4] = [106.6970, 10.7780, 106.7010, 10.7815];
pub(super) const CAMERA: &str = "cam-0001";

/// One node: the server binary on its own port.
pub(super) struct Node {
    pub(super) name: &'static str,
    pub(super) port: u16,
    pub(super) child: Child,
}

/// HAProxy in front of nodes `a` and `b`, with what they share.
pub(super) struct Cluster {
    pub(super) lb: u16,
    pub(super) nodes: Vec<Node>,
    pub(super) haproxy: Child,
    pub(super) database_url: String,
    pub(super) cluster: String,
    /// The nodes' file store.
    pub(super) s3: S3,
    /// Holds the balancer's configuration file.
    pub(super) dir: PathBuf,
}

/// An S3-compatible server on loopback (moto's, from PyPI: `make test` installs it under
/// `target/moto-venv`), with the bucket the nodes keep their files in.
pub(super) struct S3 {
    pub(super) port: u16,
    child: Child,
}

pub(super) const BUCKET: &str = "ioc-files";

impl S3 {
    async fn start() -> S3 {
        let exe =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/moto-venv/bin/moto_server");
        assert!(
            exe.exists(),
            "{} is missing: `make test` installs it (or run `make target/moto-venv/bin/moto_server`)",
            exe.display()
        );
        let port = free_port();
        let child = Command::new(exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let s3 = S3 { port, child };
        let started = Instant::now();
        loop {
            // a bucket is made by a PUT on its name (moto asks for no signature)
            let made = loadgen::bench::http(port, "PUT", &format!("/{BUCKET}"), &[], "").await;
            if made.is_some_and(|(status, _, _)| status == 200) {
                return s3;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The settings a node's file store needs to use this server (as with MinIO or Ceph).
    fn env(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("IOC_FILES", format!("s3://{BUCKET}/{prefix}")),
            ("AWS_ENDPOINT", format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "ioc-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "ioc-test-secret".into()),
        ]
    }

    /// The keys of the bucket under `prefix`, as the S3 API lists them.
    pub(super) async fn keys(&self, prefix: &str) -> Vec<String> {
        let (status, _, body) = loadgen::bench::http(
            self.port,
            "GET",
            &format!("/{BUCKET}?list-type=2&prefix={prefix}"),
            &[],
            "",
        )
        .await
        .expect("a listing");
        assert_eq!(status, 200, "{body}");
        body.split("<Key>")
            .skip(1)
            .filter_map(|k| k.split("</Key>").next())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn start_node(
    name: &'static str,
    port: u16,
    database_url: &str,
    cluster: &str,
    s3: &S3,
) -> Node {
    let server_id = format!("node-{name}");
    let files = s3.env(cluster);
    let mut env: Vec<(&str, &str)> = vec![
        ("IOC_CLUSTER", cluster),
        ("IOC_NATS_URL", NATS),
        ("IOC_SERVER_ID", &server_id),
        ("IOC_TRUSTED_PROXIES", "127.0.0.1/32"),
        ("IOC_CAMERA_PROBE_SECS", "0"),
        ("IOC_VIDEO_GRACE_SECS", "2"),
        ("IOC_VIDEO_SESSIONS_PER_USER", "2"),
    ];
    env.extend(files.iter().map(|(k, v)| (*k, v.as_str())));
    let child = crate::restart::start_server_env(port, database_url, &env);
    Node { name, port, child }
}

/// The balancer's configuration: round robin over both nodes, health-checked every 300 ms, and
/// WebSockets kept open for an hour; `x-test-node` picks a node while it is up.
pub(super) fn haproxy_config(lb: u16, a: u16, b: u16) -> String {
    format!(
        "global
    maxconn 4096
defaults
    mode http
    option forwardfor
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend web
    bind 127.0.0.1:{lb}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /healthz
    use-server a if {{ req.hdr(x-test-node) -m str a }}
    use-server b if {{ req.hdr(x-test-node) -m str b }}
    server a 127.0.0.1:{a} check inter 300ms fall 1 rise 1
    server b 127.0.0.1:{b} check inter 300ms fall 1 rise 1
"
    )
}

impl Cluster {
    pub(super) async fn start() -> Cluster {
        let database_url = fresh_database("_cluster");
        let cluster = unique_cluster();
        let s3 = S3::start().await;
        let (a, b, lb) = (free_port(), free_port(), free_port());
        let nodes = vec![
            start_node("a", a, &database_url, &cluster, &s3),
            start_node("b", b, &database_url, &cluster, &s3),
        ];
        for n in &nodes {
            wait_healthy(n.port).await;
        }
        let dir = std::env::temp_dir().join(format!("ioc-map-{cluster}"));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let cfg = dir.join("haproxy.cfg");
        std::fs::write(&cfg, haproxy_config(lb, a, b)).expect("write haproxy.cfg");
        let haproxy = Command::new(haproxy_binary())
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start haproxy (Debian package haproxy, installed by make test)");
        let cluster = Cluster {
            lb,
            nodes,
            haproxy,
            database_url,
            cluster,
            s3,
            dir,
        };
        for n in ["a", "b"] {
            cluster.wait_up_through_balancer(n).await;
        }
        cluster
    }

    pub(super) fn node(&mut self, name: &str) -> &mut Node {
        self.nodes
            .iter_mut()
            .find(|n| n.name == name)
            .expect("a node of this cluster")
    }

    pub(super) fn kill(&mut self, name: &str) {
        let node = self.node(name);
        node.child.kill().expect("kill -9 the node");
        node.child.wait().expect("reap");
    }

    pub(super) async fn restart(&mut self, name: &'static str) {
        let (url, cluster) = (self.database_url.clone(), self.cluster.clone());
        let port = self.node(name).port;
        let fresh = start_node(name, port, &url, &cluster, &self.s3);
        *self.node(name) = fresh;
        wait_healthy(port).await;
        self.wait_up_through_balancer(name).await;
    }

    /// Until the balancer's health check has seen `node` up again (checks run every 300 ms and
    /// one success brings a server back), and the balancer answers.
    pub(super) async fn wait_up_through_balancer(&self, node: &str) {
        tokio::time::sleep(Duration::from_millis(900)).await;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let a = http(self.lb, "GET", "/healthz", &[("x-test-node", node)], "").await;
            if a.is_some_and(|a| a.status == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the balancer does not answer for node {node}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.haproxy.kill();
        let _ = self.haproxy.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        for n in &mut self.nodes {
            let _ = n.child.kill();
            let _ = n.child.wait();
        }
    }
}

pub(super) fn haproxy_binary() -> PathBuf {
    ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("haproxy"))
}

/// An HTTP/1.1 answer: its status, headers and body.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Answer {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One request through `port` (the balancer), `Connection: close`.
pub(super) async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Answer> {
    let (status, headers, body) = loadgen::bench::http(port, method, path, headers, body).await?;
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// Signs in through the balancer on `node`; the session cookie.
pub(super) async fn sign_in(lb: u16, node: &str, username: &str, password: &str) -> String {
    let body = json!({"username": username, "password": password}).to_string();
    let a = http(
        lb,
        "POST",
        "/api/session",
        &[("x-test-node", node), ("content-type", "application/json")],
        &body,
    )
    .await
    .expect("sign-in answer");
    assert_eq!(a.status, 200, "sign in as {username}: {}", a.body);
    a.header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string()
}

pub(super) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(super) async fn socket(lb: u16, node: Option<&str>, cookie: &str) -> Ws {
    let mut req = format!("ws://127.0.0.1:{lb}/ws")
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("cookie", cookie.parse().expect("cookie"));
    if let Some(n) = node {
        req.headers_mut()
            .insert("x-test-node", n.parse().expect("node"));
    }
    tokio_tungstenite::connect_async(req)
        .await
        .expect("a live socket through the balancer")
        .0
}

/// Subscribes to the incidents near the cathedral (resuming after `since` if given); the `seq`
/// the answer is synced at, and the events replayed before it.
pub(super) async fn subscribe(ws: &mut Ws, since: Option<i64>) -> (i64, Vec<Value>) {
    let mut msg = json!({"type": "subscribe", "bbox": NEAR, "layers": ["incidents"]});
    if let Some(s) = since {
        msg["since"] = json!(s);
    }
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .expect("subscribe");
    let mut events = Vec::new();
    loop {
        let f = next(ws, Duration::from_secs(10)).await.expect("an answer");
        assert_ne!(f["type"], "reset", "the log covers what the client missed");
        if f["type"] == "event" {
            events.push(f);
        } else if f["type"] == "synced" {
            return (f["seq"].as_i64().expect("seq"), events);
        }
    }
}

/// The next text frame within `within`; None when the socket closed or nothing came.
pub(super) async fn next(ws: &mut Ws, within: Duration) -> Option<Value> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Reports an incident through the balancer on `node`; its id.
pub(super) async fn report(lb: u16, node: &str, cookie: &str, description: &str) -> String {
    let body = json!({"kind": "fire", "severity": 3, "description": description,
                      "geometry": {"type": "Point", "coordinates": [106.6990, 10.7798]}})
    .to_string();
    let a = http(
        lb,
        "POST",
        "/api/incidents",
        &[
            ("x-test-node", node),
            ("cookie", cookie),
            ("content-type", "application/json"),
        ],
        &body,
    )
    .await
    .expect("an answer");
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().expect("id").to_string()
}
