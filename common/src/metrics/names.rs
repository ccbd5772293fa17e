//! Every metric name the processes record, with its labels. Add new ones here.
//!
//! | name | type | labels | recorded by |
//! |---|---|---|---|
//! | `yizhan_jobs_total` | counter | `queue`, `kind`, `outcome` (done, transient, rate_limited, token_invalid, quota_exhausted, permanent, dead, panic) | worker |
//! | `yizhan_job_duration_seconds` | histogram | `queue`, `kind` | worker |
//! | `yizhan_job_pickup_seconds` | histogram | `queue` (due time → fetched, Redis time) | worker |
//! | `yizhan_queue_depth` | gauge | `queue`, `state` (pending, scheduled, running, dead) | worker sweep (every second) |
//! | `yizhan_queue_oldest_pending_seconds` | gauge | `queue` (how long the oldest pending job has been due) | worker sweep |
//! | `yizhan_queue_stale_leases_total` | counter | `queue`, `op` (finish, renew, hand_back): refused because another fetch took the job over | worker |
//! | `yizhan_queue_missing_job_data_total` | counter | `queue` (fetched ids without job data, dropped) | worker |
//! | `yizhan_queue_duplicate_pushes_total` | counter | `queue` (pushed ids already known, skipped) | any pusher |
//! | `yizhan_jobs_recovered_total` | counter | `queue`, `result` (requeued, dead: jobs of workers whose heartbeat stopped; late: expired leases of live workers, re-armed) | worker sweep |
//! | `yizhan_ratelimit_acquire_total` | counter | `op`, `result` (granted, denied) | rate limiter |
//! | `yizhan_ratelimit_wait_seconds` | histogram | `op` (time a waiting caller waited for its permit) | rate limiter |
//! | `yizhan_ratelimit_deferred_total` | counter | `op` (waiting callers sent away with a retry time) | rate limiter |
//! | `yizhan_outbox_lag_seconds` | gauge | — (age of the oldest unpushed outbox row; 0 when none) | scheduler relay sweep |
//! | `yizhan_outbox_pending` | gauge | — (unpushed outbox rows) | scheduler relay sweep |
//! | `yizhan_outbox_relayed_total` | counter | — (rows pushed by the relay sweep) | scheduler relay sweep |
//! | `yizhan_outbox_unpushable_total` | counter | — (rows skipped because they cannot be pushed, e.g. an unknown queue; retried with backoff) | scheduler relay sweep |
//! | `yizhan_outbox_settled_total` | counter | `state` (done, dead, cleaned) (pushed rows whose job's effect Redis recorded) | scheduler reconciliation |
//! | `yizhan_outbox_repushed_total` | counter | — (pushed rows whose job Redis no longer knew, pushed again) | scheduler reconciliation |
//! | `yizhan_outbox_unsettled` | gauge | — (pushed rows whose job's effect is not yet recorded) | scheduler relay sweep |
//! | `yizhan_scheduler_firings_total` | counter | `schedule`, `result` (enqueued, duplicate, skipped) | scheduler |
//! | `yizhan_scheduler_errors_total` | counter | `task` | scheduler |
//! | `yizhan_lease_held` | gauge | `lease` (1 while this process holds it) | lease keeper |
//! | `yizhan_lease_acquired_total` | counter | `lease` | lease |
//! | `yizhan_lease_lost_total` | counter | `lease` | lease keeper |
//! | `yizhan_wechat_callback_refused_total` | counter | `reason` (stale, replayed_nonce, mode, bad_signature, bad_body, …) | API callback |
//! | `yizhan_fence_refused_total` | counter | `resource` (fenced writes refused by PostgreSQL: a stale holder) | fenced jobs |
//! | `yizhan_coalesced_batches_total` | counter | `statement` (batches of concurrent calls run as one statement) | worker (subscribe sends) |
//! | `yizhan_coalesced_calls_total` | counter | `statement` (calls those batches answered; calls ÷ batches is the mean batch) | worker (subscribe sends) |

pub const JOBS: &str = "yizhan_jobs_total";
pub const JOB_DURATION_SECONDS: &str = "yizhan_job_duration_seconds";
pub const JOB_PICKUP_SECONDS: &str = "yizhan_job_pickup_seconds";
pub const QUEUE_DEPTH: &str = "yizhan_queue_depth";
pub const QUEUE_OLDEST_PENDING_SECONDS: &str = "yizhan_queue_oldest_pending_seconds";
pub const QUEUE_STALE_LEASES: &str = "yizhan_queue_stale_leases_total";
pub const QUEUE_MISSING_JOB_DATA: &str = "yizhan_queue_missing_job_data_total";
pub const QUEUE_DUPLICATE_PUSHES: &str = "yizhan_queue_duplicate_pushes_total";
pub const JOBS_RECOVERED: &str = "yizhan_jobs_recovered_total";
pub const RATELIMIT_ACQUIRE: &str = "yizhan_ratelimit_acquire_total";
pub const RATELIMIT_WAIT_SECONDS: &str = "yizhan_ratelimit_wait_seconds";
pub const RATELIMIT_DEFERRED: &str = "yizhan_ratelimit_deferred_total";
pub const OUTBOX_LAG_SECONDS: &str = "yizhan_outbox_lag_seconds";
pub const OUTBOX_PENDING: &str = "yizhan_outbox_pending";
pub const OUTBOX_RELAYED: &str = "yizhan_outbox_relayed_total";
pub const OUTBOX_UNPUSHABLE: &str = "yizhan_outbox_unpushable_total";
pub const OUTBOX_SETTLED: &str = "yizhan_outbox_settled_total";
pub const OUTBOX_REPUSHED: &str = "yizhan_outbox_repushed_total";
pub const OUTBOX_UNSETTLED: &str = "yizhan_outbox_unsettled";
pub const SCHEDULER_FIRINGS: &str = "yizhan_scheduler_firings_total";
pub const SCHEDULER_ERRORS: &str = "yizhan_scheduler_errors_total";
pub const LEASE_HELD: &str = "yizhan_lease_held";
pub const LEASE_ACQUIRED: &str = "yizhan_lease_acquired_total";
pub const LEASE_LOST: &str = "yizhan_lease_lost_total";
pub const WECHAT_CALLBACK_REFUSED: &str = "yizhan_wechat_callback_refused_total";
pub const FENCE_REFUSED: &str = "yizhan_fence_refused_total";
pub const COALESCED_BATCHES: &str = "yizhan_coalesced_batches_total";
pub const COALESCED_CALLS: &str = "yizhan_coalesced_calls_total";

/// Registers the help text shown in the Prometheus output.
pub(super) fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(JOBS, "Jobs finished, by queue, kind and outcome");
    describe_histogram!(JOB_DURATION_SECONDS, Unit::Seconds, "Time a job's handler ran");
    describe_histogram!(JOB_PICKUP_SECONDS, Unit::Seconds, "Delay from a job being due to its start");
    describe_gauge!(QUEUE_DEPTH, "Jobs per queue and state");
    describe_gauge!(QUEUE_OLDEST_PENDING_SECONDS, Unit::Seconds, "How long the oldest pending job has been due");
    describe_counter!(QUEUE_STALE_LEASES, "Finishes, renewals and hand-backs refused because another fetch took the job over");
    describe_counter!(QUEUE_MISSING_JOB_DATA, "Fetched ids without job data, dropped");
    describe_counter!(QUEUE_DUPLICATE_PUSHES, "Pushed job ids already known, skipped");
    describe_counter!(JOBS_RECOVERED, "Jobs taken back from workers whose heartbeat stopped");
    describe_counter!(RATELIMIT_ACQUIRE, "Rate limiter decisions taken in Redis, by operation and result");
    describe_histogram!(RATELIMIT_WAIT_SECONDS, Unit::Seconds, "Time callers waited for a rate limiter permit");
    describe_counter!(RATELIMIT_DEFERRED, "Callers sent away by the rate limiter with a retry time");
    describe_gauge!(OUTBOX_LAG_SECONDS, Unit::Seconds, "Age of the oldest outbox row not yet pushed");
    describe_gauge!(OUTBOX_PENDING, "Outbox rows not yet pushed");
    describe_counter!(OUTBOX_RELAYED, "Outbox rows pushed by the relay sweep");
    describe_counter!(OUTBOX_UNPUSHABLE, "Outbox rows skipped because they cannot be pushed (retried with backoff)");
    describe_counter!(OUTBOX_SETTLED, "Pushed outbox rows whose job's effect Redis recorded, by state");
    describe_counter!(OUTBOX_REPUSHED, "Pushed outbox rows whose job Redis no longer knew, pushed again");
    describe_gauge!(OUTBOX_UNSETTLED, "Pushed outbox rows whose job's effect is not yet recorded");
    describe_counter!(SCHEDULER_FIRINGS, "Schedule firings, by schedule and result");
    describe_counter!(SCHEDULER_ERRORS, "Failed scheduler tasks, by task");
    describe_gauge!(LEASE_HELD, "1 while this process holds the lease");
    describe_counter!(LEASE_ACQUIRED, "Times this process acquired the lease");
    describe_counter!(LEASE_LOST, "Times this process lost a lease it held");
    describe_counter!(WECHAT_CALLBACK_REFUSED, "Official Account callbacks refused, by reason");
    describe_counter!(FENCE_REFUSED, "Fenced writes PostgreSQL refused because a newer holder claimed the resource");
    describe_counter!(COALESCED_BATCHES, "Batches of concurrent calls run as one statement, by statement");
    describe_counter!(COALESCED_CALLS, "Calls answered by coalesced batches, by statement");
}
