//! Pushing envelopes: idempotent per id, due jobs straight to `ready`, later ones to `scheduled`.

use std::collections::HashMap;

use crate::jobs::{JobEnvelope, JobSink, QueueName};

use super::scripts::{CHUNK, PUSH};
use super::{now_ms, QueueResult, RedisQueue};

impl RedisQueue {
    /// Pushes envelopes in chunks of at most [`CHUNK`] per script call; returns how many jobs
    /// were created (ids pushed before, within the dedup TTL, are skipped). Each chunk is atomic;
    /// if a later chunk fails, pushing the whole slice again is safe: the ids already pushed are
    /// skipped.
    pub async fn push(&self, envelopes: &[JobEnvelope]) -> QueueResult<usize> {
        let mut by_queue: HashMap<QueueName, Vec<&JobEnvelope>> = HashMap::new();
        for env in envelopes {
            by_queue.entry(env.queue).or_default().push(env);
        }
        let ttl = self.settings.dedup_ttl.as_secs().max(1);
        let mut conn = self.conn();
        let mut created = 0usize;
        for (queue, envs) in by_queue {
            let base = self.keys.base(queue);
            for chunk in envs.chunks(CHUNK) {
                let mut call = PUSH.prepare_invoke();
                call.arg(&base).arg(now_ms()).arg(ttl);
                for env in chunk {
                    let payload = serde_json::to_string(&env.payload)?;
                    call.arg(&env.id).arg(&env.kind).arg(payload).arg(env.run_at.timestamp_millis());
                }
                let n: usize = call.invoke_async(&mut conn).await?;
                created += n;
            }
        }
        Ok(created)
    }
}

#[async_trait::async_trait]
impl JobSink for RedisQueue {
    async fn push_many(&self, envelopes: &[JobEnvelope]) -> anyhow::Result<()> {
        let created = self.push(envelopes).await?;
        if created < envelopes.len() {
            tracing::debug!(queue.pushed = envelopes.len(), queue.created = created, "duplicate job ids skipped");
        }
        Ok(())
    }
}
