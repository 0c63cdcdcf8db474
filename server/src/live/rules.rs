//! What a client may send on `/ws`: a message is parsed and checked here, apart from the socket, so
//! the checks are unit-tested and fuzzed (`fuzz_tests`: no input panics).

use app::live_types::{ClientMessage, LIVE_LAYERS};

/// Why a client's message is refused: the socket closes with code 1008 and this text as its reason.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("{0}")]
    Unreadable(#[from] serde_json::Error),
    #[error("bbox must be [minLon, minLat, maxLon, maxLat] in range")]
    Bbox,
    #[error("unknown live layer {0:?}")]
    UnknownLayer(String),
}

/// A client's text message, parsed and checked.
pub fn parse_message(text: &str) -> Result<ClientMessage, MessageError> {
    let msg = serde_json::from_str::<ClientMessage>(text)?;
    check(&msg)?;
    Ok(msg)
}

fn check(msg: &ClientMessage) -> Result<(), MessageError> {
    if let ClientMessage::Subscribe { bbox, layers, .. } = msg {
        let [a, b, c, d] = *bbox;
        if !bbox.iter().all(|v| v.is_finite())
            || a > c
            || b > d
            || !(-180.0..=180.0).contains(&a)
            || !(-180.0..=180.0).contains(&c)
            || !(-90.0..=90.0).contains(&b)
            || !(-90.0..=90.0).contains(&d)
        {
            return Err(MessageError::Bbox);
        }
        if let Some(l) = layers.iter().find(|l| !LIVE_LAYERS.contains(&l.as_str())) {
            return Err(MessageError::UnknownLayer(l.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscribe_in_range_is_taken() {
        let m = parse_message(
            r#"{"type":"subscribe","bbox":[106.69,10.77,106.71,10.79],"layers":["incidents"]}"#,
        )
        .expect("valid");
        assert!(matches!(m, ClientMessage::Subscribe { .. }));
    }

    #[test]
    fn each_refusal_says_why() {
        let bad_box = r#"{"type":"subscribe","bbox":[106.71,10.77,106.69,10.79],"layers":[]}"#;
        assert!(matches!(parse_message(bad_box), Err(MessageError::Bbox)));
        let far = r#"{"type":"subscribe","bbox":[106.69,10.77,200,10.79],"layers":[]}"#;
        assert!(matches!(parse_message(far), Err(MessageError::Bbox)));
        let layer =
            r#"{"type":"subscribe","bbox":[106.69,10.77,106.71,10.79],"layers":["secrets"]}"#;
        assert_eq!(
            parse_message(layer).expect_err("unknown").to_string(),
            "unknown live layer \"secrets\""
        );
        assert!(matches!(
            parse_message("{not json"),
            Err(MessageError::Unreadable(_))
        ));
    }
}
