//! One module per page.

pub mod account;
pub mod admin_imports;
pub mod admin_users;
pub mod home;
pub mod not_found;
pub mod ops;
pub mod planner;
pub mod saved_exports;
pub mod signin;
pub mod staff;
pub mod wall;
