//! What nodes of a cluster share beyond PostgreSQL. Today: the leases under which the work done once
//! per cluster runs (`lease`). The event bus between nodes (NATS JetStream) is issue #11's next step.

pub mod lease;
