use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use sqlx::PgPool;

use super::*;
use crate::job_contract::{JobEnvelope, JobSink, QueueName};
use crate::queue::JobState;

/// Records what it is given; fails while `down` is set, like Redis being unreachable.
#[derive(Default)]
struct RecordingSink {
    pushed: Mutex<Vec<JobEnvelope>>,
    down: AtomicBool,
}

#[async_trait::async_trait]
impl JobSink for RecordingSink {
    async fn push_many(&self, envelopes: &[JobEnvelope]) -> anyhow::Result<()> {
        anyhow::ensure!(!self.down.load(Ordering::SeqCst), "connection refused");
        self.pushed.lock().expect("lock").extend_from_slice(envelopes);
        Ok(())
    }
}

impl RecordingSink {
    fn ids(&self) -> Vec<String> {
        self.pushed.lock().expect("lock").iter().map(|e| e.id.clone()).collect()
    }
}

async fn write(pool: &PgPool, job: NewOutboxJob) -> Option<i64> {
    let mut tx = pool.begin().await.expect("begin");
    let id = insert(&mut tx, job).await.expect("insert");
    tx.commit().await.expect("commit");
    id
}

fn job(n: i64) -> NewOutboxJob {
    NewOutboxJob::now(QueueName::Default, "test.opaque", serde_json::json!({ "n": n }))
}

#[tokio::test]
async fn push_after_commit_sends_each_row_once() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    let id = write(&pool, job(1)).await.expect("row");
    push_now(&pool, &sink, &[id]).await;
    push_now(&pool, &sink, &[id]).await;
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 0);
    assert_eq!(sink.ids(), vec![envelope_id(id)]);
    let pushed = sink.pushed.lock().expect("lock")[0].clone();
    assert_eq!(pushed.queue, QueueName::Default);
    assert_eq!(pushed.payload, serde_json::json!({ "n": 1 }));
}

#[tokio::test]
async fn a_range_is_pushed_whole_past_a_batch_and_nothing_outside_it() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    let before = write(&pool, job(0)).await.expect("row");
    let mut ids = Vec::new();
    for n in 1..=1002 {
        ids.push(write(&pool, job(n)).await.expect("row"));
    }
    let after = write(&pool, job(1003)).await.expect("row");
    // One row of the range was pushed already (by its own push after commit): not again.
    push_now(&pool, &sink, &ids[..1]).await;
    assert_eq!(push_range(&pool, &sink, ids[0]..=ids[ids.len() - 1]).await, 1001, "more than one batch of 1,000");
    let want: Vec<String> = ids.iter().map(|&id| envelope_id(id)).collect();
    assert_eq!(sink.ids(), want, "each row of the range once, in order");
    assert_eq!(push_range(&pool, &sink, ids[0]..=ids[ids.len() - 1]).await, 0, "a second walk pushes nothing");
    // The rows either side are the relay's.
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 2);
    assert_eq!(sink.ids()[1002..], [envelope_id(before), envelope_id(after)]);
}

#[tokio::test]
async fn a_range_left_while_redis_is_down_is_the_relays() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    let a = write(&pool, job(1)).await.expect("row");
    let b = write(&pool, job(2)).await.expect("row");
    sink.down.store(true, Ordering::SeqCst);
    assert_eq!(push_range(&pool, &sink, a..=b).await, 0);
    sink.down.store(false, Ordering::SeqCst);
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 2);
    assert_eq!(sink.ids(), vec![envelope_id(a), envelope_id(b)]);
}

#[tokio::test]
async fn rows_left_while_redis_is_down_are_relayed_later() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    sink.down.store(true, Ordering::SeqCst);
    let a = write(&pool, job(1)).await.expect("row");
    let b = write(&pool, job(2)).await.expect("row");
    push_now(&pool, &sink, &[a, b]).await;
    assert!(relay_once(&pool, &sink, 100).await.is_err());
    assert!(sink.ids().is_empty());
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT push_attempts, last_error FROM outbox WHERE id = $1").bind(a).fetch_one(&pool).await.expect("row");
    assert_eq!(attempts, 2);
    assert!(error.expect("error recorded").contains("connection refused"));
    assert!(oldest_unpushed_age(&pool).await.expect("lag") < std::time::Duration::from_secs(60));

    sink.down.store(false, Ordering::SeqCst);
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 2);
    assert_eq!(sink.ids(), vec![envelope_id(a), envelope_id(b)]);
    assert_eq!(oldest_unpushed_age(&pool).await.expect("lag"), std::time::Duration::ZERO);
}

#[tokio::test]
async fn a_rolled_back_transaction_enqueues_nothing() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    let mut tx = pool.begin().await.expect("begin");
    insert(&mut tx, job(1)).await.expect("insert");
    tx.rollback().await.expect("rollback");
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 0);
    assert!(sink.ids().is_empty());
}

#[tokio::test]
async fn an_idempotency_key_is_written_once() {
    let pool = crate::testing::database().await;
    let first = write(&pool, job(1).with_key("schedule:reminders:2026-12-01T12:00:00Z")).await;
    let second = write(&pool, job(2).with_key("schedule:reminders:2026-12-01T12:00:00Z")).await;
    assert!(first.is_some());
    assert_eq!(second, None);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(&pool).await.expect("count");
    assert_eq!(count, 1);
}

#[tokio::test]
async fn relay_works_in_batches_and_prune_keeps_recent_rows() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    for n in 0..5 {
        write(&pool, job(n)).await;
    }
    assert_eq!(relay_once(&pool, &sink, 2).await.expect("relay"), 2);
    assert_eq!(relay_once(&pool, &sink, 10).await.expect("relay"), 3);
    assert_eq!(prune(&pool, std::time::Duration::ZERO).await.expect("prune"), 0, "pushed rows stay until settled");
    let ledger = Ledger::answering(JobState::Done);
    assert_eq!(reconcile_once(&pool, &sink, &ledger, 0, 100).await.expect("reconcile").settled, 5);
    assert_eq!(prune(&pool, std::time::Duration::from_secs(3600)).await.expect("prune"), 0);
    assert_eq!(prune(&pool, std::time::Duration::ZERO).await.expect("prune"), 5);
}

/// Answers one state for every job, or per envelope id when listed in `by_id`.
struct Ledger {
    default: JobState,
    by_id: Mutex<Vec<(String, JobState)>>,
}

impl Ledger {
    fn answering(default: JobState) -> Self {
        Self { default, by_id: Mutex::new(Vec::new()) }
    }

    fn set(&self, id: i64, state: JobState) {
        self.by_id.lock().expect("lock").push((envelope_id(id), state));
    }
}

#[async_trait::async_trait]
impl JobLedger for Ledger {
    async fn states(&self, jobs: &[(QueueName, String)]) -> anyhow::Result<Vec<JobState>> {
        let by_id = self.by_id.lock().expect("lock");
        Ok(jobs
            .iter()
            .map(|(_, id)| by_id.iter().rev().find(|(k, _)| k == id).map_or(self.default, |(_, s)| *s))
            .collect())
    }
}

async fn open_rows(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM outbox WHERE settled_at IS NULL ORDER BY id").fetch_all(pool).await.expect("rows")
}

#[tokio::test]
async fn pushed_rows_stay_open_until_their_effect_is_recorded_and_lost_ones_are_pushed_again() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(write(&pool, job(n)).await.expect("row"));
    }
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 5);
    let ledger = Ledger::answering(JobState::Pending);
    ledger.set(ids[0], JobState::Done);
    ledger.set(ids[1], JobState::Dead);
    ledger.set(ids[2], JobState::Cleaned);
    ledger.set(ids[3], JobState::Unknown);
    let round = reconcile_once(&pool, &sink, &ledger, 0, 100).await.expect("reconcile");
    assert_eq!((round.checked, round.settled, round.repushed, round.next_after), (5, 3, 1, 0));
    assert_eq!(open_rows(&pool).await, vec![ids[3], ids[4]], "done, dead and cleaned rows settle; the rest stay open");
    let pushed = sink.ids();
    assert_eq!(pushed.len(), 6, "the lost job was pushed again: {pushed:?}");
    assert_eq!(pushed[5], envelope_id(ids[3]), "with the same envelope id");
    let again = sink.pushed.lock().expect("lock")[5].clone();
    assert_eq!(again.payload, serde_json::json!({ "n": 3 }), "and the same payload");

    // Redis knows it again now; once it is done, the row settles and nothing more is pushed.
    ledger.set(ids[3], JobState::Done);
    ledger.set(ids[4], JobState::Done);
    let round = reconcile_once(&pool, &sink, &ledger, 0, 100).await.expect("reconcile");
    assert_eq!((round.settled, round.repushed), (2, 0));
    assert!(open_rows(&pool).await.is_empty());
    assert_eq!(sink.ids().len(), 6);
}

#[tokio::test]
async fn reconciliation_walks_the_open_rows_in_batches_and_waits_for_redis() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    for n in 0..5 {
        write(&pool, job(n)).await;
    }
    relay_once(&pool, &sink, 100).await.expect("relay");
    let ledger = Ledger::answering(JobState::Pending);
    let first = reconcile_once(&pool, &sink, &ledger, 0, 2).await.expect("reconcile");
    assert_eq!(first.checked, 2);
    assert!(first.next_after > 0);
    let second = reconcile_once(&pool, &sink, &ledger, first.next_after, 2).await.expect("reconcile");
    assert_eq!(second.checked, 2);
    let third = reconcile_once(&pool, &sink, &ledger, second.next_after, 2).await.expect("reconcile");
    assert_eq!((third.checked, third.next_after), (1, 0), "the end wraps around to the start");
    assert_eq!(sink.ids().len(), 5, "pending jobs are not pushed again");

    // Redis down: nothing settles, nothing is pushed, the error is returned.
    sink.down.store(true, Ordering::SeqCst);
    let lost = Ledger::answering(JobState::Unknown);
    assert!(reconcile_once(&pool, &sink, &lost, 0, 100).await.is_err());
    assert_eq!(open_rows(&pool).await.len(), 5);
}

#[tokio::test]
async fn a_row_that_cannot_be_pushed_does_not_block_the_rows_behind_it() {
    let pool = crate::testing::database().await;
    let sink = RecordingSink::default();
    let poison: i64 = sqlx::query_scalar("INSERT INTO outbox (queue, kind, payload) VALUES ('from_a_newer_build', 'x', '{}') RETURNING id")
        .fetch_one(&pool)
        .await
        .expect("row");
    let a = write(&pool, job(1)).await.expect("row");
    let b = write(&pool, job(2)).await.expect("row");
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay goes on past the bad row"), 2);
    assert_eq!(sink.ids(), vec![envelope_id(a), envelope_id(b)]);
    let (attempts, error, waits): (i32, Option<String>, bool) = sqlx::query_as(
        "SELECT push_attempts, last_error, next_push_at > now() FROM outbox WHERE id = $1 AND pushed_at IS NULL",
    )
    .bind(poison)
    .fetch_one(&pool)
    .await
    .expect("the bad row is still unpushed");
    assert_eq!(attempts, 1);
    assert!(error.expect("error recorded").contains("from_a_newer_build"));
    assert!(waits, "it backs off");
    let c = write(&pool, job(3)).await.expect("row");
    assert_eq!(relay_once(&pool, &sink, 1).await.expect("relay"), 1, "a batch of one is not taken by the waiting row");
    assert_eq!(sink.ids().last(), Some(&envelope_id(c)));

    // Once its time comes it is tried again (and counted again).
    sqlx::query("UPDATE outbox SET next_push_at = now() - INTERVAL '1 second' WHERE id = $1").bind(poison).execute(&pool).await.expect("due");
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 0);
    let attempts: i32 = sqlx::query_scalar("SELECT push_attempts FROM outbox WHERE id = $1").bind(poison).fetch_one(&pool).await.expect("row");
    assert_eq!(attempts, 2);
}
