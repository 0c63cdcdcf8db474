//! Live camera video in the browser: a WHEP client over the browser's RTCPeerConnection and the
//! player component that shows its state (connecting / live / reconnecting / offline).

pub mod player;
#[cfg(feature = "hydrate")]
mod whep;
