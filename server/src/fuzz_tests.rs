//! Fuzzing with proptest (no nightly toolchain here, so no cargo-fuzz): whatever a client sends to
//! the parsers that face the network, they answer Ok or Err and never panic. Inputs are arbitrary
//! text and JSON, and mutations of valid inputs (so the parsers are driven past their first check).

use proptest::prelude::*;
use serde_json::{json, Value};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        ".{0,24}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_string()),
                    Just("coordinates".to_string()),
                    Just("bbox".to_string()),
                    Just("layers".to_string()),
                    Just("since".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A GeoJSON-ish geometry: a known type with arbitrary coordinates.
fn geometry() -> impl Strategy<Value = Value> {
    let number = prop_oneof![any::<f64>(), -200.0..200.0f64, Just(f64::NAN)];
    let position =
        prop::collection::vec(number.prop_map(|f| json!(f)), 0..4).prop_map(Value::Array);
    let ring = prop::collection::vec(position.clone(), 0..12).prop_map(Value::Array);
    let polygon = prop::collection::vec(ring, 0..3).prop_map(Value::Array);
    (
        prop_oneof![
            Just("Point"),
            Just("Polygon"),
            Just("MultiPolygon"),
            Just("LineString"),
            Just("Nonsense")
        ],
        prop_oneof![
            position.clone(),
            polygon.clone(),
            prop::collection::vec(polygon, 0..3).prop_map(Value::Array),
            any_json()
        ],
    )
        .prop_map(|(t, c)| json!({"type": t, "coordinates": c}))
}

const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n\
a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n\
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n\
a=setup:actpass\r\na=rtpmap:102 H264/90000\r\n\
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

/// The valid offer with some of its bytes replaced, cut short or repeated.
fn mutated_offer() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((0..OFFER.len(), any::<u8>()), 0..8),
        0..=OFFER.len(),
        0..3usize,
    )
        .prop_map(|(edits, cut, repeat)| {
            let mut b = OFFER.as_bytes().to_vec();
            for (i, v) in edits {
                b[i] = v;
            }
            b.truncate(cut.max(4));
            let s = String::from_utf8_lossy(&b).into_owned();
            s.repeat(repeat + 1)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_live_message_parser_never_panics(text in ".{0,200}") {
        let _ = crate::live::rules::parse_message(&text);
    }

    #[test]
    fn live_messages_near_valid_ones_never_panic(
        v in any_json(),
        bbox in prop::collection::vec(any::<f64>(), 0..6),
        since in any::<Option<i64>>(),
    ) {
        let _ = crate::live::rules::parse_message(&v.to_string());
        let msg = json!({"type": "subscribe", "bbox": bbox, "layers": ["incidents", v], "since": since});
        let _ = crate::live::rules::parse_message(&msg.to_string());
    }

    #[test]
    fn geometry_input_never_panics(g in geometry()) {
        let _ = crate::geometry::point_of(&g);
        let body: Result<crate::planner::rules::AreaQueryBody, _> =
            serde_json::from_value(json!({"geometry": g}));
        if let Ok(b) = body {
            let _ = crate::planner::rules::AreaQuery::from_body(b, chrono::Utc::now());
        }
    }

    #[test]
    fn area_query_bodies_never_panic(v in any_json(), limit in any::<i64>(), offset in any::<i64>(), radius in any::<f64>()) {
        for body in [
            v.clone(),
            json!({"ward": "26740", "limit": limit, "offset": offset}),
            json!({"center": [106.7, 10.77], "radius_m": radius, "from": v, "histogram": "day"}),
        ] {
            if let Ok(b) = serde_json::from_value::<crate::planner::rules::AreaQueryBody>(body) {
                let _ = crate::planner::rules::AreaQuery::from_body(b, chrono::Utc::now());
            }
        }
    }

    #[test]
    fn sdp_offers_never_panic_the_parsers(offer in mutated_offer()) {
        if crate::video::peer::check_offer(&offer).is_ok() {
            let _ = webrtc::peer_connection::RTCSessionDescription::offer(offer);
        }
    }

    #[test]
    fn forwarded_headers_never_panic(value in ".{0,80}", peer in any::<[u8; 4]>()) {
        let mut h = axum::http::HeaderMap::new();
        if let Ok(v) = value.parse() {
            h.insert("x-forwarded-for", v);
        }
        if let Ok(v) = format!("for={value}").parse() {
            h.insert("forwarded", v);
        }
        let trusted: Vec<ipnet::IpNet> = vec!["0.0.0.0/0".parse().expect("cidr")];
        for header in [crate::config::ProxyHeader::XForwardedFor, crate::config::ProxyHeader::Forwarded] {
            let _ = crate::auth::address::client_ip(std::net::IpAddr::from(peer), &h, &trusted, header);
        }
    }

    #[test]
    fn stream_url_masking_never_panics(url in "rtsp://[a-z0-9.:@/?&=_;%-]{0,60}") {
        let masked = crate::cameras::rules::mask_url(&url);
        prop_assert!(!masked.contains("password=s3cret"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The whole offer path, with a real WebRTC stack (each case builds a peer connection).
    #[test]
    fn the_whole_offer_path_never_panics(offer in mutated_offer()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let peers = crate::video::peer::PeerFactory::new(&crate::config::VideoConfig::default());
            if let Ok((peer, _answer)) = peers.answer(&offer).await {
                peer.close().await;
            }
        });
    }
}
