//! The event bus between the nodes of a cluster: NATS JetStream (issue #11).
//!
//! After its transaction commits, a node publishes each live event to the cluster's stream; every
//! node consumes the stream with an ordered consumer and feeds its live hub, which puts events in
//! `seq` order and reads any gap back from PostgreSQL. PostgreSQL stays the system of record and the
//! source of `seq`: the stream only makes other nodes hear of an event at once instead of at their
//! next poll, so it may be purged or lost without losing anything (the nodes still poll, slowly).
//!
//! With `IOC_NATS_URL` unset there is no bus: one node runs on its own, polling as before. The bus
//! carries any serde message; the live service decides what an event is (`live::attach_bus`).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// How long the stream keeps events: long enough for a node that restarts to pick up where it was
/// (it reads older ones from PostgreSQL anyway), short enough to stay small.
pub const MAX_AGE: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("while connecting to NATS at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("while creating the JetStream stream {stream}: {cause}")]
    Stream { stream: String, cause: String },
    #[error("while creating this node's consumer of {stream}: {cause}")]
    Consumer { stream: String, cause: String },
    #[error("while publishing a live event: {0}")]
    Publish(String),
    #[error("while purging the stream: {0}")]
    Purge(String),
    #[error("while opening the key-value bucket {bucket}: {cause}")]
    KeyValue { bucket: String, cause: String },
}

/// What a message on the bus is about; each is a subject of the cluster's stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Committed live events (`live`).
    Live,
    /// Rights taken away (`auth::revoke`): every node ends what they cover.
    Rights,
}

impl Topic {
    fn word(self) -> &'static str {
        match self {
            Topic::Live => "live",
            Topic::Rights => "rights",
        }
    }
}

/// A cluster's stream on one NATS server.
#[derive(Clone)]
pub struct Bus {
    js: jetstream::Context,
    /// `IOC_LIVE_<cluster>`: one stream per cluster, so two clusters on one NATS keep apart.
    pub stream: String,
    /// `ioc.<cluster>`: the subjects are `ioc.<cluster>.<topic>`.
    prefix: String,
    /// The cluster's name as NATS allows it (see [`token`]), for other subjects and buckets.
    pub token: String,
}

/// The cluster's name as NATS allows it in stream names and subjects (letters, digits, `-`, `_`).
fn token(cluster: &str) -> String {
    cluster
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Bus {
    /// Connects and makes sure the cluster's stream exists (any node may be the first).
    pub async fn connect(url: &str, cluster: &str) -> Result<Bus, BusError> {
        let client = async_nats::ConnectOptions::new()
            .name("ioc-map")
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|source| BusError::Connect {
                url: url.to_string(),
                source,
            })?;
        let js = jetstream::new(client);
        let name = token(cluster);
        let stream = format!("IOC_LIVE_{name}");
        let prefix = format!("ioc.{name}");
        // create or update: a stream an older node made may lack a newer topic
        js.create_or_update_stream(stream::Config {
            name: stream.clone(),
            subjects: [Topic::Live, Topic::Rights]
                .map(|t| format!("{prefix}.{}", t.word()))
                .to_vec(),
            max_age: MAX_AGE,
            storage: stream::StorageType::Memory,
            ..Default::default()
        })
        .await
        .map_err(|e| BusError::Stream {
            stream: stream.clone(),
            cause: e.to_string(),
        })?;
        Ok(Bus {
            js,
            stream,
            prefix,
            token: name,
        })
    }

    /// The connection itself, for plain (not stored) subjects such as relayed video frames.
    pub fn client(&self) -> async_nats::Client {
        self.js.client()
    }

    /// A key-value bucket whose entries expire `ttl` after they were last written (leases), kept in
    /// memory, created by whichever node comes first.
    ///
    /// The bucket's stream is made here with the KV conventions (`KV_<bucket>`, subjects
    /// `$KV.<bucket>.>`, one message per key, rollups, no deletes, direct gets) and then bound as
    /// a bucket: the client's own `create_key_value` first asks for the account's limits, whose
    /// answer from NATS 2.9 it cannot read.
    pub async fn key_value(
        &self,
        bucket: &str,
        ttl: Duration,
    ) -> Result<jetstream::kv::Store, BusError> {
        let fail = |e: &dyn std::fmt::Display| BusError::KeyValue {
            bucket: bucket.to_string(),
            cause: e.to_string(),
        };
        if let Ok(store) = self.js.get_key_value(bucket).await {
            return Ok(store);
        }
        self.js
            .get_or_create_stream(stream::Config {
                name: format!("KV_{bucket}"),
                subjects: vec![format!("$KV.{bucket}.>")],
                max_messages_per_subject: 1,
                max_age: ttl,
                storage: stream::StorageType::Memory,
                allow_rollup: true,
                deny_delete: true,
                allow_direct: true,
                discard: stream::DiscardPolicy::New,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(&e))?;
        self.js.get_key_value(bucket).await.map_err(|e| fail(&e))
    }

    /// Publishes a message and waits for the stream to have it.
    pub async fn publish<T: Serialize>(&self, topic: Topic, message: &T) -> Result<(), BusError> {
        let fail = |e: &dyn std::fmt::Display| BusError::Publish(e.to_string());
        let body = serde_json::to_vec(message).map_err(|e| fail(&e))?;
        let ack = self
            .js
            .publish(format!("{}.{}", self.prefix, topic.word()), body.into())
            .await
            .map_err(|e| fail(&e))?;
        ack.await.map(drop).map_err(|e| fail(&e))
    }

    /// The messages published from now on, by any node (this one's own too), in stream order. An
    /// ordered consumer recreates itself after a loss, so the stream only ends with the connection;
    /// a message that does not read as `T` is skipped (the log has it).
    pub async fn subscribe<T: DeserializeOwned + Send + 'static>(
        &self,
        topic: Topic,
    ) -> Result<impl futures_util::Stream<Item = T> + Send + 'static, BusError> {
        let fail = |e: &dyn std::fmt::Display| BusError::Consumer {
            stream: self.stream.clone(),
            cause: e.to_string(),
        };
        let stream = self
            .js
            .get_stream(&self.stream)
            .await
            .map_err(|e| fail(&e))?;
        let inbox = self.js.client().new_inbox();
        let consumer = stream
            .create_consumer(consumer::push::OrderedConfig {
                deliver_subject: inbox,
                filter_subject: format!("{}.{}", self.prefix, topic.word()),
                deliver_policy: consumer::DeliverPolicy::New,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(&e))?;
        let messages = consumer.messages().await.map_err(|e| fail(&e))?;
        Ok(messages.filter_map(|m| async move {
            match m {
                Ok(m) => match serde_json::from_slice::<T>(&m.payload) {
                    Ok(message) => Some(message),
                    Err(e) => {
                        tracing::warn!(error = %e, "a message on the bus is not readable: skipped (the log has it)");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "the bus's consumer failed; it recreates itself");
                    None
                }
            }
        }))
    }

    /// Empties the stream (for tests and for operators: nothing is lost, the log has every event).
    pub async fn purge(&self) -> Result<u64, BusError> {
        let fail = |e: &dyn std::fmt::Display| BusError::Purge(e.to_string());
        let stream = self
            .js
            .get_stream(&self.stream)
            .await
            .map_err(|e| fail(&e))?;
        stream.purge().await.map(|r| r.purged).map_err(|e| fail(&e))
    }
}
