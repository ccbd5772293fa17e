//! The unit that travels from the outbox to a queue: a job's kind, queue and serialized arguments.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The queues workers consume. Each external service has its own so that one slow service
/// cannot starve the others; `reservations` is worked by a single consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueName {
    Wechat,
    /// `wxCode` exchanges: their own queue, so a burst of sends on `wechat` cannot starve them.
    #[serde(rename = "wechat_login")]
    WechatLogin,
    Sms,
    Email,
    Storage,
    Koala,
    Reservations,
    Default,
}

impl QueueName {
    pub const ALL: [QueueName; 8] = [
        QueueName::Wechat,
        QueueName::WechatLogin,
        QueueName::Sms,
        QueueName::Email,
        QueueName::Storage,
        QueueName::Koala,
        QueueName::Reservations,
        QueueName::Default,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Wechat => "wechat",
            QueueName::WechatLogin => "wechat_login",
            QueueName::Sms => "sms",
            QueueName::Email => "email",
            QueueName::Storage => "storage",
            QueueName::Koala => "koala",
            QueueName::Reservations => "reservations",
            QueueName::Default => "default",
        }
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QueueName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        QueueName::ALL
            .into_iter()
            .find(|q| q.as_str() == s)
            .ok_or_else(|| format!("unknown queue `{s}`"))
    }
}

/// A job ready to be pushed: `id` is its idempotency key in the queue (the outbox row id, or
/// schedule name + fire time), so pushing the same envelope twice creates one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEnvelope {
    pub id: String,
    pub queue: QueueName,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
}

/// Where envelopes go: the Redis queue backend implements this; the outbox relay only needs it.
#[async_trait::async_trait]
pub trait JobSink: Send + Sync {
    /// Pushes envelopes; an id already pushed is skipped silently. All-or-error per call.
    async fn push_many(&self, envelopes: &[JobEnvelope]) -> anyhow::Result<()>;
}
