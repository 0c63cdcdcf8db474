//! What can go wrong when someone asks to watch a camera, and how HTTP answers it
//! (`error::Refusal`). The pull's own failures are `source::SourceError`: logged, never answered.

use axum::http::StatusCode;

use crate::error::{Refusal, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("sign in, or send an API token")]
    SignedOut,
    #[error("at most {0} open video sessions per user; close some first")]
    TooManySessions(usize),
    #[error("the server is restarting; try again shortly")]
    Closing,
    #[error("the server is serving its most video sessions ({0}); try again shortly")]
    Full(usize),
    #[error("send the SDP offer as application/sdp")]
    NotSdp,
    #[error("the SDP offer is larger than {0} bytes")]
    OfferTooLarge(usize),
    #[error("the SDP offer is not UTF-8 text")]
    OfferNotText,
    /// An offer the WebRTC side cannot answer; the text says why.
    #[error("{0}")]
    BadOffer(String),
    #[error("the offer has no H.264 video (packetization-mode 1); cameras are forwarded as H.264 without transcoding")]
    NoH264,
    #[error("no camera {0}")]
    NoCamera(String),
    #[error("no session {session} of camera {camera}")]
    NoSession { session: String, camera: String },
    #[error("this session belongs to another user")]
    NotYours,
    #[error("your rights have changed: sign in again")]
    RightsEnded,
    /// Our side of WebRTC failed (sockets, DTLS set-up), or the set-up task did: 503, logged.
    #[error("could not {doing}: {cause}")]
    Setup { doing: &'static str, cause: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Refusal for VideoError {
    fn status(&self) -> StatusCode {
        match self {
            VideoError::SignedOut => StatusCode::UNAUTHORIZED,
            VideoError::TooManySessions(_) => StatusCode::TOO_MANY_REQUESTS,
            VideoError::Closing | VideoError::Full(_) | VideoError::Setup { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            VideoError::NotSdp => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            VideoError::OfferTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            VideoError::OfferNotText | VideoError::BadOffer(_) => StatusCode::BAD_REQUEST,
            VideoError::NoH264 => StatusCode::NOT_ACCEPTABLE,
            VideoError::NoCamera(_) | VideoError::NoSession { .. } => StatusCode::NOT_FOUND,
            VideoError::NotYours | VideoError::RightsEnded => StatusCode::FORBIDDEN,
            VideoError::Store(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            VideoError::SignedOut => "unauthorized",
            VideoError::TooManySessions(_) => "too_many_sessions",
            VideoError::Closing | VideoError::Setup { .. } => "unavailable",
            VideoError::Full(_) => "video_full",
            VideoError::NotSdp => "unsupported_media_type",
            VideoError::OfferTooLarge(_) => "too_large",
            VideoError::OfferNotText | VideoError::BadOffer(_) => "invalid_parameter",
            VideoError::NoH264 => "no_h264",
            VideoError::NoCamera(_) | VideoError::NoSession { .. } => "not_found",
            VideoError::NotYours | VideoError::RightsEnded => "forbidden",
            VideoError::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            VideoError::OfferNotText | VideoError::BadOffer(_) => Some("sdp"),
            _ => None,
        }
    }

    /// Too busy or closing is load, not a fault: not logged as one.
    fn is_fault(&self) -> bool {
        !matches!(self, VideoError::Closing | VideoError::Full(_))
            && self.status().is_server_error()
    }

    fn public_message(&self) -> String {
        match self {
            // 503s a client can act on: say so
            VideoError::Closing | VideoError::Full(_) => self.to_string(),
            VideoError::Setup { doing, .. } => format!("could not {doing}"),
            VideoError::Store(e) => e.public_message(),
            _ => "internal error".into(),
        }
    }
}
