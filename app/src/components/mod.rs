//! Pieces shared by pages.

pub mod cameras;
pub mod details;
pub mod incidents;
pub mod layers;
pub mod map_view;
pub mod topbar;
