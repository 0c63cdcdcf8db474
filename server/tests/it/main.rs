//! Integration tests against a real PostgreSQL + PostGIS: one fresh database per test run.
//! All in one binary so the workspace links once.

// The Leptos pages are deeply nested view types.
#![recursion_limit = "512"]

mod abuse;
mod access;
mod auth;
mod balancer;
mod boundaries;
mod bus;
mod cluster;
mod common;
mod data;
mod faults;
mod gdal;
mod health;
mod imports;
mod live;
mod live_abuse;
mod live_view;
mod ogc;
mod pages;
mod planner;
mod proxies;
mod restart;
mod retries;
mod rights;
mod saved_exports;
mod search;
mod shutdown;
mod snapshots;
mod transfer;
mod video;
mod video_caps;
