//! A test's own handle on a running system's stores: a pool on its database and its Redis queues,
//! for tests that plan work directly (as a business transaction would) and watch a row reach a
//! final state.

use std::time::Duration;

use secrecy::SecretString;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Transaction};
use yizhan_common::queue::{QueueSettings, RedisQueue};

use crate::SystemEnv;

pub struct Stores {
    pub pool: PgPool,
    pub queue: RedisQueue,
}

impl Stores {
    /// Connects to the database and Redis prefix of `env`.
    pub async fn connect(env: &SystemEnv) -> Self {
        let pool = PgPoolOptions::new().max_connections(2).connect(&env.get("DATABASE_URL")).await.expect("database of the system");
        let redis = yizhan_common::redis_conn::connect(&SecretString::from(env.get("REDIS_URL")), Default::default())
            .await
            .expect("Redis of the system");
        Self { pool, queue: RedisQueue::new(redis, env.get("REDIS_PREFIX"), QueueSettings::default()) }
    }

    /// Commits a planning transaction and pushes the outbox row it wrote, as the API does after
    /// a request (`None`: nothing new was planned).
    pub async fn commit_and_push(&self, tx: Transaction<'_, Postgres>, outbox_id: Option<i64>) {
        tx.commit().await.expect("commit");
        if let Some(id) = outbox_id {
            yizhan_common::outbox::push_now(&self.pool, &self.queue, &[id]).await;
        }
    }

    /// The row `sql` (one `$1` = `id`) reads, once `done` says it is final; panics after 30 s.
    pub async fn row_when<R>(&self, what: &str, sql: &'static str, id: i64, done: impl Fn(&R) -> bool) -> R
    where
        R: for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        crate::eventually(what, Duration::from_secs(30), || async {
            let row: R = sqlx::query_as(sql).bind(id).fetch_one(&self.pool).await.expect("row");
            done(&row).then_some(row)
        })
        .await
    }
}
