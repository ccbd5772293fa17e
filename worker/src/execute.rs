//! Running one fetched job: handler lookup, timeout, panic capture, and the decision what the
//! queue does next. Records `yizhan_jobs_total` and `yizhan_job_duration_seconds`.
//!
//! Each run is inside a `job` span (`job.id`, `job.kind`, `job.attempt`, `queue`), so every line
//! the handler logs names its job. A failure is logged once, here (retry or dead): handlers do
//! not log the failures they return.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use futures::FutureExt;
use tracing::Instrument;
use yizhan_common::jobs::{Handler, JobContext, JobInfo, JobServices, Outcome, QueueName, Registry, RetryPolicy};
use yizhan_common::lease::Fence;
use yizhan_common::queue::{Fetched, Finish, QueueSettings};

/// Runs `job` in its span and says how to finish it.
pub async fn execute(registry: &Registry, services: &Arc<JobServices>, queue: QueueName, job: Fetched, fence: Option<Fence>) -> Finish {
    // At error level, so the span (and its fields) is there whenever any line inside it is
    // logged: a filter such as `RUST_LOG=warn` would drop an info span from the warnings in it.
    let span = tracing::error_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempts + 1, queue = %queue);
    run(registry, services, queue, job, fence).instrument(span).await
}

async fn run(registry: &Registry, services: &Arc<JobServices>, queue: QueueName, job: Fetched, fence: Option<Fence>) -> Finish {
    let started = Instant::now();
    let Some(handler) = registry.get(&job.kind) else {
        // A newer process pushed a kind this build does not know (a rolling deploy): park it
        // for a worker that knows it; the queue buries it after QUEUE_UNKNOWN_KIND_PARK_SECS.
        record(queue, "unknown_kind", started);
        return park_unknown(&job.id, &job.kind);
    };
    let info = JobInfo { id: job.id.clone(), queue, attempt: job.attempts + 1, redeliveries: job.crashes, fence };
    let ctx = JobContext::new(services.clone(), info);
    let run = AssertUnwindSafe(handler.run(job.payload, ctx)).catch_unwind();
    let (outcome, label) = match tokio::time::timeout(handler.timeout, run).await {
        Ok(Ok(outcome)) => {
            let label = outcome.label();
            (outcome, label)
        }
        Ok(Err(panic)) => (Outcome::transient(format!("panicked: {}", panic_message(&*panic))), "panic"),
        Err(_) => (Outcome::transient(format!("timed out after {:?}", handler.timeout)), "timeout"),
    };
    record(queue, label, started);
    conclude(&job.id, handler, job.attempts, outcome)
}

/// A job of a kind this build does not know (a rolling deploy): parked for a worker that knows
/// it; the queue buries it after `QUEUE_UNKNOWN_KIND_PARK_SECS`.
pub fn park_unknown(id: &str, kind: &str) -> Finish {
    tracing::warn!(job.id = %id, job.kind = %kind, "unknown job kind; parked for a worker that knows it");
    let retry = chrono::TimeDelta::from_std(QueueSettings::PARK_RETRY).unwrap_or(chrono::TimeDelta::MAX);
    Finish::Park { at: Utc::now() + retry, error: format!("unknown job kind `{kind}`: no worker knew it") }
}

/// [`decide`] for a run of `handler`'s kind, logging retries and deaths.
pub fn conclude(id: &str, handler: &Handler, attempts: u32, outcome: Outcome) -> Finish {
    let finish = decide(outcome, attempts, &handler.retry);
    match &finish {
        Finish::Done | Finish::Later { .. } | Finish::Park { .. } => {}
        Finish::Retry { error, .. } => {
            tracing::warn!(job.id = %id, job.kind = handler.kind, job.attempt = attempts + 1, error = %error, "job failed, will retry");
        }
        Finish::Dead { error } => {
            tracing::error!(job.id = %id, job.kind = handler.kind, job.attempt = attempts + 1, error = %error, "job dead");
        }
    }
    finish
}

/// What the queue does after `outcome`, for a job that had failed `attempts` times before.
pub fn decide(outcome: Outcome, attempts: u32, policy: &RetryPolicy) -> Finish {
    let fail = |error: String| {
        let failed = attempts + 1;
        if policy.exhausted(failed) {
            Finish::Dead { error: format!("{error} (attempt {failed} of {})", policy.max_attempts) }
        } else {
            let delay = chrono::TimeDelta::from_std(policy.backoff(failed)).unwrap_or(chrono::TimeDelta::MAX);
            Finish::Retry { at: Utc::now() + delay, error }
        }
    };
    match outcome {
        Outcome::Done => Finish::Done,
        Outcome::Transient { error } => fail(error),
        Outcome::TokenInvalid => fail("access token invalid".into()),
        Outcome::RateLimited { until } | Outcome::QuotaExhausted { until } => Finish::Later { at: until },
        Outcome::Permanent { error } => Finish::Dead { error },
    }
}

/// Records `yizhan_jobs_total` and `yizhan_job_duration_seconds` for one run.
pub fn record(queue: QueueName, outcome: &'static str, started: Instant) {
    metrics::counter!("yizhan_jobs_total", "queue" => queue.as_str(), "outcome" => outcome).increment(1);
    metrics::histogram!("yizhan_job_duration_seconds", "queue" => queue.as_str()).record(started.elapsed().as_secs_f64());
}

pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const POLICY: RetryPolicy =
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };

    #[test]
    fn outcomes_map_to_queue_actions() {
        assert_eq!(decide(Outcome::Done, 0, &POLICY), Finish::Done);
        let until = Utc::now();
        assert_eq!(decide(Outcome::RateLimited { until }, 2, &POLICY), Finish::Later { at: until });
        assert_eq!(decide(Outcome::QuotaExhausted { until }, 0, &POLICY), Finish::Later { at: until });
        assert!(matches!(decide(Outcome::transient("x"), 0, &POLICY), Finish::Retry { .. }));
        assert!(matches!(decide(Outcome::TokenInvalid, 1, &POLICY), Finish::Retry { .. }));
        assert!(matches!(decide(Outcome::transient("x"), 2, &POLICY), Finish::Dead { .. }));
        assert_eq!(decide(Outcome::permanent("no"), 0, &POLICY), Finish::Dead { error: "no".into() });
    }

    #[test]
    fn retries_back_off() {
        let Finish::Retry { at, .. } = decide(Outcome::transient("x"), 1, &POLICY) else { panic!("retry expected") };
        let delay = at - Utc::now();
        assert!(delay > chrono::TimeDelta::milliseconds(80) && delay <= chrono::TimeDelta::milliseconds(200), "{delay:?}");
    }
}
