//! What drives ioc-map from outside, as its users' programs would: the benchmark programs
//! (`src/bin/`: `ws-bench`, `video-bench`, `signin-flood`, `soak`), what they share (`bench`), and a
//! WHEP client (`whep`) that the integration tests and the video benchmark watch cameras with.
//!
//! None of this is in the server's production dependencies (`cargo tree -p server -e normal`); the
//! server's integration tests use it as a dev-dependency.

pub mod bench;
pub mod whep;
