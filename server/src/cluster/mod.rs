//! What the nodes of a cluster share beyond PostgreSQL: the leases under which the work done once
//! per cluster runs (`lease`), and the event bus that tells every node of a live event at once
//! (`bus`, NATS JetStream, when `IOC_NATS_URL` is set).

pub mod bus;
pub mod lease;
