//! Pieces shared by pages.

pub mod details;
pub mod layers;
