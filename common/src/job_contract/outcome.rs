//! What a handler tells the pipeline about one run of a job.

use chrono::{DateTime, Utc};

/// The result of one run. The pipeline acts on it: see each variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Finished; the job is recorded as done.
    Done,
    /// A failure that may pass: retried with exponential backoff and jitter, spending an attempt.
    Transient { error: String },
    /// An external rate limit said "not now": run again at `until` without spending an attempt.
    RateLimited { until: DateTime<Utc> },
    /// The access token was refused. The WeChat client refreshes once itself; reaching the
    /// pipeline it counts as a transient failure.
    TokenInvalid,
    /// A daily or monthly quota is used up: park the job until `until`, spending no attempt.
    QuotaExhausted { until: DateTime<Utc> },
    /// Retrying cannot help (bad data, refused for good): recorded in the dead set, not retried.
    Permanent { error: String },
}

impl Outcome {
    pub fn transient(error: impl std::fmt::Display) -> Self {
        Self::Transient { error: error.to_string() }
    }

    pub fn permanent(error: impl std::fmt::Display) -> Self {
        Self::Permanent { error: error.to_string() }
    }

    /// A short label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Transient { .. } => "transient",
            Outcome::RateLimited { .. } => "rate_limited",
            Outcome::TokenInvalid => "token_invalid",
            Outcome::QuotaExhausted { .. } => "quota_exhausted",
            Outcome::Permanent { .. } => "permanent",
        }
    }
}

/// `?` in a handler: any error becomes a transient failure (use [`Outcome::permanent`] explicitly
/// for errors that retrying cannot fix).
impl From<anyhow::Error> for Outcome {
    fn from(err: anyhow::Error) -> Self {
        Self::Transient { error: format!("{err:#}") }
    }
}
