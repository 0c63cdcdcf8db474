//! The built site's files, compressed once (issue #12). Compressing the debug site's 15 MB wasm for
//! each request took 2.1 s with brotli (quality 4) and 1.7 s with gzip on this machine; the file
//! server (`web`) sends a `.br` or `.gz` next to a file as it is, when the client accepts it.
//!
//! At start-up, [`remove_stale`] first deletes every `.br`/`.gz` older than its file (a rebuilt wasm
//! must never go out with the previous build's compressed copy), before anything is served; then
//! [`compress_site`] writes the missing ones, on a blocking thread, each through a temporary file
//! renamed into place. Until a file's copies exist, the compression layer compresses it per
//! request. A site directory the server may not write (a read-only image whose build step
//! precompressed it) is left as it is.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What is worth compressing: text and wasm (images and fonts' glyph tiles are compressed already
/// or small).
const EXTENSIONS: [&str; 6] = ["wasm", "js", "css", "json", "html", "svg"];
/// Smaller files are not worth a copy.
const MIN_BYTES: u64 = 1024;
/// Brotli's best quality (11) for files up to [`BEST_UP_TO`]: the release site's main wasm is
/// 326 KB at quality 9 and 291 KB at 11 (issue #12's budget is 300 KB), ~3 s once per build.
const BROTLI_BEST: u32 = 11;
/// Above that (the debug site's wasm files: 8 MB main, 1.7–3 MB per staff page) quality 11 takes
/// minutes in the debug server, whose brotli is unoptimised, and a shutdown waits for it; 9 takes
/// seconds. Every file of the release site (at most 962 KB) is below the limit.
const BROTLI_LARGE: u32 = 9;
const BEST_UP_TO: usize = 1536 * 1024;

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The files under `root` worth compressing.
fn candidates(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| EXTENSIONS.contains(&x))
                && e.metadata().is_ok_and(|m| m.len() >= MIN_BYTES)
            {
                out.push(p);
            }
        }
    }
    out
}

fn sibling(p: &Path, ext: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Deletes the compressed copies older than their file. Fast (metadata only): run before serving.
pub fn remove_stale(root: &str) {
    for file in candidates(Path::new(root)) {
        let Some(at) = modified(&file) else { continue };
        for ext in ["br", "gz"] {
            let copy = sibling(&file, ext);
            if modified(&copy).is_some_and(|c| c < at) {
                if let Err(e) = std::fs::remove_file(&copy) {
                    tracing::warn!(error = %e, file = %copy.display(), "a stale compressed copy stays: it may be served");
                }
            }
        }
    }
}

/// Writes the missing `.br` and `.gz` copies of the site's files.
pub fn compress_site(root: &str) {
    let started = std::time::Instant::now();
    let mut written = 0;
    for file in candidates(Path::new(root)) {
        for ext in ["gz", "br"] {
            let copy = sibling(&file, ext);
            if copy.exists() {
                continue;
            }
            match write_copy(&file, &copy, ext) {
                Ok(()) => written += 1,
                Err(e) => {
                    tracing::info!(error = %e, file = %file.display(), "site files are compressed per request");
                    return;
                }
            }
        }
    }
    if written > 0 {
        tracing::info!(
            files = written,
            secs = started.elapsed().as_secs_f32(),
            "compressed the site's files"
        );
    }
}

fn write_copy(file: &Path, copy: &Path, ext: &str) -> std::io::Result<()> {
    let data = std::fs::read(file)?;
    let tmp = sibling(copy, "tmp");
    {
        let out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        if ext == "br" {
            let quality = if data.len() <= BEST_UP_TO {
                BROTLI_BEST
            } else {
                BROTLI_LARGE
            };
            let mut w = brotli::CompressorWriter::new(out, 64 * 1024, quality, 22);
            w.write_all(&data)?;
            w.flush()?;
        } else {
            let mut w = flate2::write::GzEncoder::new(out, flate2::Compression::best());
            w.write_all(&data)?;
            w.finish()?.flush()?;
        }
    }
    std::fs::rename(&tmp, copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_written_and_a_stale_one_is_removed_before_it_can_be_served() {
        let root = std::env::temp_dir().join(format!("ioc-precompress-{}", rand::random::<u32>()));
        std::fs::create_dir_all(root.join("pkg")).expect("dir");
        let js = root.join("pkg/app.js");
        std::fs::write(&js, "console.log('x');\n".repeat(500)).expect("write");
        std::fs::write(root.join("pkg/small.js"), "1").expect("write");
        let r = root.to_string_lossy().into_owned();
        compress_site(&r);
        assert!(sibling(&js, "br").exists() && sibling(&js, "gz").exists());
        assert!(
            !root.join("pkg/small.js.gz").exists(),
            "too small to be worth it"
        );
        // a rebuild: the file is newer than its copies
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&js, "console.log('y');\n".repeat(500)).expect("write");
        remove_stale(&r);
        assert!(!sibling(&js, "br").exists() && !sibling(&js, "gz").exists());
        compress_site(&r);
        let mut unpacked = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(sibling(&js, "gz")).expect("gz")),
            &mut unpacked,
        )
        .expect("gzip");
        assert!(
            unpacked.starts_with("console.log('y')"),
            "the copy is of the new file"
        );
        std::fs::remove_dir_all(root).expect("clean up");
    }
}
