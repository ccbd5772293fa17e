//! Pushing envelopes: idempotent per id, due jobs straight to `ready` (waking a blocked worker),
//! later ones to `scheduled`. An envelope's `run_at` is read against this process's clock: its
//! now is now in Redis time, and a `run_at` that far before or after it is that far from Redis now.

use std::collections::HashMap;

use crate::job_contract::{JobEnvelope, JobSink, QueueName};

use super::scripts::{CHUNK, PUSH};
use crate::metrics::names;

use super::{QueueError, QueueResult, RedisQueue};

impl RedisQueue {
    /// Pushes envelopes in chunks of at most [`CHUNK`] per script call; returns how many jobs
    /// were created (ids pushed before, within the dedup TTL, are skipped). Each chunk is atomic;
    /// if a later chunk fails, pushing the whole slice again is safe: the ids already pushed are
    /// skipped. Skipped duplicates are logged at warn and counted in
    /// `yizhan_queue_duplicate_pushes_total`.
    pub async fn push(&self, envelopes: &[JobEnvelope]) -> QueueResult<usize> {
        let mut by_queue: HashMap<QueueName, Vec<&JobEnvelope>> = HashMap::new();
        for env in envelopes {
            by_queue.entry(env.queue).or_default().push(env);
        }
        let ttl = self.settings.dedup_ttl.as_secs().max(1);
        let mut conn = self.conn();
        let mut created = 0usize;
        for (queue, envs) in by_queue {
            for chunk in envs.chunks(CHUNK) {
                let mut call = self.invocation(&PUSH, queue);
                call.arg(self.caller_now()).arg(ttl);
                for env in chunk {
                    let payload = serde_json::to_string(&env.payload)?;
                    call.arg(&env.id).arg(&env.kind).arg(payload).arg(self.caller_ms(env.run_at));
                }
                let mut reply: Vec<String> = call.invoke_async(&mut conn).await?;
                let duplicates = reply.split_off(1.min(reply.len()));
                let n: usize = reply.first().and_then(|n| n.parse().ok()).ok_or(QueueError::Reply("push: no count"))?;
                if !duplicates.is_empty() {
                    tracing::warn!(queue.name = %queue, jobs.duplicates = duplicates.len(), job.ids = ?duplicates, "pushed ids already known; skipped");
                    metrics::counter!(names::QUEUE_DUPLICATE_PUSHES, "queue" => queue.as_str()).increment(duplicates.len() as u64);
                }
                created += n;
            }
        }
        Ok(created)
    }
}

#[async_trait::async_trait]
impl JobSink for RedisQueue {
    async fn push_many(&self, envelopes: &[JobEnvelope]) -> anyhow::Result<()> {
        self.push(envelopes).await?;
        Ok(())
    }
}
