//! Files any node can read. What the product keeps as files (planners' saved exports today; the
//! uploads, photos, reports and recordings of later issues) goes through [`Files`], one interface
//! over the `object_store` crate (Apache Arrow's, used by DataFusion and Delta Lake: local
//! directories, S3, Azure and GCS behind one trait, atomic writes on each).
//!
//! Where the files are is `IOC_FILES`:
//! - a directory (the default, `storage`): enough for one node, and for several nodes on one
//!   machine or sharing a mounted filesystem;
//! - `s3://bucket` or `s3://bucket/prefix`: an S3-compatible store (AWS S3, MinIO, Ceph, Garage),
//!   configured by the usual `AWS_*` variables (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`). This is what a cluster on several machines needs:
//!   a file written through one node is read through any other (docs/deploy.md).
//!
//! A capability names its files under a prefix of its own (`area-exports/…`) and keeps, in its own
//! table, which files it has; it writes a file before its row and deletes it after, so a row always
//! has its file, and [`Files::older_than`] lets it sweep files that a crash left without a row.

pub mod error;

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

pub use error::FilesError;

/// The product's file store, cheap to clone (one store shared by every handler).
#[derive(Clone, Debug)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// Where the files are, for the log (a directory or `s3://bucket/prefix`; never a secret).
    location: Arc<str>,
}

/// A file being read: its size, then its bytes as they arrive from the store.
pub struct Download {
    pub size: u64,
    pub bytes: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

impl Files {
    /// The store `location` names: `s3://bucket[/prefix]` (with the `AWS_*` settings), or a
    /// directory (a `file://` URL or a path), created if it is missing.
    pub fn open(location: &str) -> Result<Files, FilesError> {
        let store: Arc<dyn ObjectStore> = if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(FilesError::config(location, "the URL names no bucket"));
            }
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| FilesError::config(location, e.to_string()))?;
            match prefix.trim_matches('/') {
                "" => Arc::new(s3),
                prefix => Arc::new(PrefixStore::new(s3, prefix)),
            }
        } else if location.contains("://") && !location.starts_with("file://") {
            return Err(FilesError::config(
                location,
                "give a directory or an s3:// URL",
            ));
        } else {
            let dir = location.strip_prefix("file://").unwrap_or(location);
            if dir.is_empty() {
                return Err(FilesError::config(location, "the directory is empty"));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| FilesError::config(location, format!("cannot create it: {e}")))?;
            Arc::new(
                LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| FilesError::config(location, e.to_string()))?,
            )
        };
        Ok(Files {
            store,
            location: location.into(),
        })
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// Writes the whole file at `key` at once: readers see all of it or none of it.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), FilesError> {
        self.store
            .put(&path(key)?, PutPayload::from(bytes))
            .await
            .map_err(FilesError::store("writing a file"))?;
        Ok(())
    }

    /// The file at `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Download>, FilesError> {
        match self.store.get(&path(key)?).await {
            Ok(found) => Ok(Some(Download {
                size: found.meta.size,
                bytes: found.into_stream(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(FilesError::store("reading a file")(e)),
        }
    }

    /// Deletes the file at `key`; a file already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), FilesError> {
        match self.store.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(FilesError::store("deleting a file")(e)),
        }
    }

    /// The keys under `prefix` last written before `before`, for sweeping files without a row.
    pub async fn older_than(
        &self,
        prefix: &str,
        before: DateTime<Utc>,
    ) -> Result<Vec<String>, FilesError> {
        self.store
            .list(Some(&path(prefix)?))
            .try_filter(|meta| std::future::ready(meta.last_modified < before))
            .map_ok(|meta| meta.location.to_string())
            .try_collect::<Vec<_>>()
            .await
            .map_err(FilesError::store("listing files"))
    }

    /// Every key under `prefix` (tests and tools).
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, FilesError> {
        self.older_than(prefix, DateTime::<Utc>::MAX_UTC).await
    }

    /// The whole file at `key` in memory (tests and small files).
    pub async fn read(&self, key: &str) -> Result<Option<Bytes>, FilesError> {
        let Some(file) = self.get(key).await? else {
            return Ok(None);
        };
        let parts: Vec<Bytes> = file
            .bytes
            .try_collect()
            .await
            .map_err(FilesError::store("reading a file"))?;
        Ok(Some(parts.concat().into()))
    }
}

/// A key as the store's path. Keys are made by the server (`area-exports/<hex>.csv`); one that is
/// not a clean relative path is a fault of ours, refused rather than written somewhere else.
fn path(key: &str) -> Result<Path, FilesError> {
    let p = Path::parse(key).map_err(|e| FilesError::Key {
        key: key.to_string(),
        message: e.to_string(),
    })?;
    if p.parts().any(|part| part.as_ref() == "..") {
        return Err(FilesError::Key {
            key: key.to_string(),
            message: "a key may not go up a directory".into(),
        });
    }
    Ok(p)
}

/// The bytes of a download, for a streamed HTTP body.
pub fn body(d: Download) -> axum::body::Body {
    axum::body::Body::from_stream(d.bytes.map(|r| r.map_err(std::io::Error::other)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> String {
        let d = std::env::temp_dir().join(format!(
            "ioc-files-unit-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        d.to_string_lossy().into_owned()
    }

    #[tokio::test]
    async fn a_directory_store_writes_reads_lists_and_deletes() {
        let d = dir();
        let files = Files::open(&d).expect("the store answers");
        files
            .put("area-exports/a.csv", Bytes::from_static(b"x,y\r\n"))
            .await
            .expect("the store answers");
        assert_eq!(
            files
                .read("area-exports/a.csv")
                .await
                .expect("the store answers")
                .expect("the store answers"),
            Bytes::from_static(b"x,y\r\n")
        );
        assert!(std::path::Path::new(&d).join("area-exports/a.csv").exists());
        assert_eq!(
            files.keys("area-exports").await.expect("the store answers"),
            vec!["area-exports/a.csv".to_string()]
        );
        let before_it = Utc::now() - chrono::Duration::hours(1);
        assert!(files
            .older_than("area-exports", before_it)
            .await
            .expect("the store answers")
            .is_empty());
        files
            .delete("area-exports/a.csv")
            .await
            .expect("the store answers");
        files
            .delete("area-exports/a.csv")
            .await
            .expect("the store answers");
        assert!(files
            .get("area-exports/a.csv")
            .await
            .expect("the store answers")
            .is_none());
        std::fs::remove_dir_all(d).expect("the store answers");
    }

    #[test]
    fn locations_that_cannot_be_a_store_are_refused_with_the_reason() {
        let e = Files::open("s3://").expect_err("refused").to_string();
        assert!(e.contains("no bucket"), "{e}");
        let e = Files::open("ftp://host/dir")
            .expect_err("refused")
            .to_string();
        assert!(e.contains("s3://"), "{e}");
        assert!(Files::open("").is_err());
    }

    #[test]
    fn keys_may_not_leave_the_store() {
        assert!(path("area-exports/../../etc/passwd").is_err());
        assert!(path("area-exports/0123.csv").is_ok());
    }
}
