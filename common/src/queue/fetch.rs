//! Reliable fetch: jobs are leased (in `running`, scored by deadline in Redis time) to this
//! worker under a lease token until acknowledged with [`RedisQueue::finish`]; a worker renews
//! its leases with [`RedisQueue::extend_leases`]. Finish, renewal and hand-back name the token,
//! so a worker whose job was recovered and fetched by another cannot touch it any more.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::job_contract::QueueName;
use crate::metrics::names;

use super::scripts::{CHUNK, FETCH, FINISH, RENEW};
use super::settings::millis;
use super::{QueueError, QueueResult, RedisQueue};

/// A job handed to this worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub id: String,
    pub kind: String,
    /// The job's arguments as JSON text.
    pub payload: String,
    /// Failed runs so far that spent an attempt.
    pub attempts: u32,
    /// Times the job was lost by a worker that stopped mid-run.
    pub crashes: u32,
    /// The lease token of this fetch.
    pub token: u64,
    /// When the job fell due (ms, Redis time).
    pub due_ms: i64,
}

impl Fetched {
    /// The lease this fetch holds, for finishing, renewing or handing back.
    pub fn held(&self) -> Held {
        Held { id: self.id.clone(), token: self.token }
    }
}

/// A job leased under a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Held {
    pub id: String,
    pub token: u64,
}

/// One fetch call's result.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub jobs: Vec<Fetched>,
    /// Redis time of the fetch (ms).
    pub now_ms: i64,
    /// How long until the earliest scheduled job falls due (`None`: nothing scheduled, or not
    /// looked up because the fetch leased jobs; only an empty fetch needs it).
    pub next_due_in: Option<Duration>,
    /// Ids that were in line without job data (logged and counted, then dropped).
    pub missing: Vec<String>,
}

/// What to do with a leased job after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Record as done.
    Done,
    /// Spend an attempt, record the error and run again at `at`.
    Retry { at: DateTime<Utc>, error: String },
    /// Run again at `at` without spending an attempt (rate limited, quota exhausted).
    Later { at: DateTime<Utc> },
    /// Spend an attempt and move to the dead set with the error.
    Dead { error: String },
    /// No handler here knows the kind: offer it again at `at`, until it has been parked for
    /// `QUEUE_UNKNOWN_KIND_PARK_SECS`; then dead with `error`.
    Park { at: DateTime<Utc>, error: String },
}

impl RedisQueue {
    /// Leases up to `max` jobs of `queue` (at most [`CHUNK`]), first promoting due scheduled jobs
    /// when `ready` runs short. An empty result means the queue has nothing due.
    pub async fn fetch(&self, queue: QueueName, max: usize) -> QueueResult<Vec<Fetched>> {
        Ok(self.fetch_batch(queue, max).await?.jobs)
    }

    /// [`Self::fetch`], with the fetch's Redis time and when the next scheduled job falls due.
    /// Records `yizhan_job_pickup_seconds` (due → fetched, in Redis time) per job; ids without
    /// job data are logged at warn and counted in `yizhan_queue_missing_job_data_total`.
    pub async fn fetch_batch(&self, queue: QueueName, max: usize) -> QueueResult<Batch> {
        let max = max.clamp(1, CHUNK);
        let flat: Vec<Option<String>> = self
            .invocation(&FETCH, queue)
            .arg(&*self.worker)
            .arg(self.settings.lease_ms())
            .arg(max)
            .invoke_async(&mut self.conn())
            .await?;
        let int = |v: Option<&Option<String>>| -> QueueResult<i64> {
            v.and_then(|s| s.as_deref()).and_then(|s| s.parse().ok()).ok_or(QueueError::Reply("fetch: bad header"))
        };
        let now_ms = int(flat.first())?;
        let token = u64::try_from(int(flat.get(1))?).unwrap_or(0);
        let next_due = int(flat.get(2))?;
        let n_missing = usize::try_from(int(flat.get(3))?).unwrap_or(0);
        let mut fields = flat.into_iter().skip(4);
        let missing: Vec<String> = fields.by_ref().take(n_missing).flatten().collect();
        let mut jobs = Vec::with_capacity(fields.len() / 6);
        let pickup = metrics::histogram!(names::JOB_PICKUP_SECONDS, "queue" => queue.as_str());
        let mut next = || fields.next().flatten();
        while let Some(id) = next() {
            let text = |v: Option<String>| v.ok_or(QueueError::Reply("fetch: missing field"));
            let number = |v: Option<String>| v.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0u32);
            let (kind, payload, attempts, crashes) = (text(next())?, text(next())?, number(next()), number(next()));
            let due_ms = next().as_deref().and_then(|s| s.parse().ok()).unwrap_or(now_ms);
            pickup.record((now_ms - due_ms).max(0) as f64 / 1000.0);
            jobs.push(Fetched { id, kind, payload, attempts, crashes, token, due_ms });
        }
        if !missing.is_empty() {
            tracing::warn!(queue.name = %queue, jobs.missing = missing.len(), job.ids = ?missing, "fetched ids without job data were dropped");
            metrics::counter!(names::QUEUE_MISSING_JOB_DATA, "queue" => queue.as_str()).increment(missing.len() as u64);
        }
        let next_due_in = u64::try_from(next_due).ok().map(Duration::from_millis);
        Ok(Batch { jobs, now_ms, next_due_in, missing })
    }

    /// Acknowledges runs of leased jobs, in script calls of at most [`CHUNK`] jobs. Jobs no
    /// longer held under their token are left alone, logged and counted
    /// (`yizhan_queue_stale_leases_total{op="finish"}`); returns how many.
    pub async fn finish(&self, queue: QueueName, results: &[(Held, Finish)]) -> QueueResult<u64> {
        let park_ms = millis(self.settings.unknown_kind_park);
        let mut conn = self.conn();
        let mut stale = Vec::new();
        for chunk in results.chunks(CHUNK) {
            let caller_now = self.caller_now();
            let mut call = self.invocation(&FINISH, queue);
            call.arg(caller_now).arg(park_ms);
            for (held, finish) in chunk {
                let (op, at, error) = match finish {
                    Finish::Done => ("done", 0, ""),
                    Finish::Retry { at, error } => ("retry", self.caller_ms(*at), error.as_str()),
                    Finish::Later { at } => ("later", self.caller_ms(*at), ""),
                    Finish::Dead { error } => ("dead", 0, error.as_str()),
                    Finish::Park { at, error } => ("park", self.caller_ms(*at), error.as_str()),
                };
                call.arg(&held.id).arg(held.token).arg(op).arg(at).arg(error);
            }
            let refused: Vec<String> = call.invoke_async(&mut conn).await?;
            stale.extend(refused);
        }
        Ok(self.count_stale(queue, "finish", &stale))
    }

    /// Renews the leases of jobs this worker still holds; jobs no longer held under their token
    /// are left alone and counted (`op="renew"`). Returns how many were refused.
    pub async fn extend_leases(&self, queue: QueueName, held: &[Held]) -> QueueResult<u64> {
        let mut conn = self.conn();
        let mut stale = Vec::new();
        for chunk in held.chunks(CHUNK) {
            let mut call = self.invocation(&RENEW, queue);
            call.arg(self.settings.lease_ms());
            for h in chunk {
                call.arg(&h.id).arg(h.token);
            }
            let refused: Vec<String> = call.invoke_async(&mut conn).await?;
            stale.extend(refused);
        }
        Ok(self.count_stale(queue, "renew", &stale))
    }

    pub(super) fn count_stale(&self, queue: QueueName, op: &'static str, ids: &[String]) -> u64 {
        if !ids.is_empty() {
            tracing::warn!(queue.name = %queue, queue.op = op, job.ids = ?ids, "refused: these jobs' leases were taken over by another fetch");
            metrics::counter!(names::QUEUE_STALE_LEASES, "queue" => queue.as_str(), "op" => op).increment(ids.len() as u64);
        }
        ids.len() as u64
    }

    /// `at` as a time on this process's clock (ms); the scripts turn it into an offset.
    pub(super) fn caller_ms(&self, at: DateTime<Utc>) -> i64 {
        at.timestamp_millis().saturating_add(self.skew_ms)
    }
}
