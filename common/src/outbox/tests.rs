use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use sqlx::PgPool;

use super::*;
use crate::jobs::{JobEnvelope, JobSink, QueueName};

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
    NewOutboxJob::now(QueueName::Default, "noop", serde_json::json!({ "n": n }))
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn push_after_commit_sends_each_row_once(pool: PgPool) {
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

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn rows_left_while_redis_is_down_are_relayed_later(pool: PgPool) {
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

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_rolled_back_transaction_enqueues_nothing(pool: PgPool) {
    let sink = RecordingSink::default();
    let mut tx = pool.begin().await.expect("begin");
    insert(&mut tx, job(1)).await.expect("insert");
    tx.rollback().await.expect("rollback");
    assert_eq!(relay_once(&pool, &sink, 100).await.expect("relay"), 0);
    assert!(sink.ids().is_empty());
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn an_idempotency_key_is_written_once(pool: PgPool) {
    let first = write(&pool, job(1).with_key("schedule:reminders:2026-12-01T12:00:00Z")).await;
    let second = write(&pool, job(2).with_key("schedule:reminders:2026-12-01T12:00:00Z")).await;
    assert!(first.is_some());
    assert_eq!(second, None);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(&pool).await.expect("count");
    assert_eq!(count, 1);
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn relay_works_in_batches_and_prune_keeps_recent_rows(pool: PgPool) {
    let sink = RecordingSink::default();
    for n in 0..5 {
        write(&pool, job(n)).await;
    }
    assert_eq!(relay_once(&pool, &sink, 2).await.expect("relay"), 2);
    assert_eq!(relay_once(&pool, &sink, 10).await.expect("relay"), 3);
    assert_eq!(prune(&pool, std::time::Duration::from_secs(3600)).await.expect("prune"), 0);
    assert_eq!(prune(&pool, std::time::Duration::ZERO).await.expect("prune"), 5);
}
