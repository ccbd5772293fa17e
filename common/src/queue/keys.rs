//! Redis key layout of the queues. For a queue `q` under the deployment prefix `p` (the braces
//! are literal: `{q}` is a Redis Cluster hash tag, so every key of one queue is in one slot):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `p:q:{q}:ready` | list | ids due now; pushed on the left, taken from the right (FIFO) |
//! | `p:q:{q}:scheduled` | zset | ids due later, scored by due time (ms, Redis time) |
//! | `p:q:{q}:running` | zset | ids handed to a worker, scored by lease deadline (ms, Redis time) |
//! | `p:q:{q}:done` | zset | finished ids, scored by finish time (kept until clean-up) |
//! | `p:q:{q}:dead` | zset | ids that exhausted their attempts or failed permanently, by time of death |
//! | `p:q:{q}:job:<id>` | hash | `kind`, `payload`, `attempts`, `crashes`, `enq`, `due`, `error`, `died`, `parked` (first time its kind was unknown); a build from before the `leases`/`owners` hashes also wrote `lease` and `owner` here |
//! | `p:q:{q}:leases` | hash | id → lease token of the fetch that holds it, for ids in `running` |
//! | `p:q:{q}:owners` | hash | id → worker holding it, for ids in `running` (read by the recovery sweep) |
//! | `p:q:{q}:seen:<id>` | string with TTL | idempotency marker: an id pushed again while it exists is skipped |
//! | `p:q:{q}:seq` | counter | lease tokens: one per fetch call |
//! | `p:q:{q}:workers` | zset | worker names scored by their last heartbeat (ms, Redis time) |
//! | `p:q:{q}:wake` | list | wake tokens (at most 16): pushed when jobs become ready, popped by blocked idle workers |
//!
//! Every script gets the queue's key set in `KEYS` ([`Keys::script_keys`]); the job and marker
//! keys are the declared prefixes `p:q:{q}:job:` and `p:q:{q}:seen:` plus an id, so they carry
//! the same hash tag and no script touches two slots (see `super::scripts`).

use crate::job_contract::QueueName;

/// Builds key names under one deployment prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into() }
    }

    /// `p:q:{queue}` (braces literal: the queue's hash tag): the base the Lua scripts append
    /// suffixes to.
    pub fn base(&self, queue: QueueName) -> String {
        format!("{}:q:{{{}}}", self.prefix, queue.as_str())
    }

    pub fn ready(&self, queue: QueueName) -> String {
        format!("{}:ready", self.base(queue))
    }

    pub fn scheduled(&self, queue: QueueName) -> String {
        format!("{}:scheduled", self.base(queue))
    }

    pub fn running(&self, queue: QueueName) -> String {
        format!("{}:running", self.base(queue))
    }

    pub fn done(&self, queue: QueueName) -> String {
        format!("{}:done", self.base(queue))
    }

    pub fn dead(&self, queue: QueueName) -> String {
        format!("{}:dead", self.base(queue))
    }

    pub fn job(&self, queue: QueueName, id: &str) -> String {
        format!("{}:job:{id}", self.base(queue))
    }

    pub fn seen(&self, queue: QueueName, id: &str) -> String {
        format!("{}:seen:{id}", self.base(queue))
    }

    pub fn workers(&self, queue: QueueName) -> String {
        format!("{}:workers", self.base(queue))
    }

    pub fn wake(&self, queue: QueueName) -> String {
        format!("{}:wake", self.base(queue))
    }

    pub fn leases(&self, queue: QueueName) -> String {
        format!("{}:leases", self.base(queue))
    }

    pub fn owners(&self, queue: QueueName) -> String {
        format!("{}:owners", self.base(queue))
    }

    /// The `KEYS` of every queue script, in the order the scripts' `K` table reads them: the
    /// ten fixed keys, then the job-hash and marker prefixes (an id completes them).
    pub fn script_keys(&self, queue: QueueName) -> [String; 12] {
        let base = self.base(queue);
        [
            self.ready(queue),
            self.scheduled(queue),
            self.running(queue),
            self.done(queue),
            self.dead(queue),
            format!("{base}:seq"),
            self.workers(queue),
            self.wake(queue),
            self.leases(queue),
            self.owners(queue),
            format!("{base}:job:"),
            format!("{base}:seen:"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use redis::cluster_routing::Slot;

    use super::*;

    #[test]
    fn every_key_of_a_queue_is_in_the_queue_slot() {
        let keys = Keys::new("yz");
        for queue in [QueueName::Default, QueueName::Wechat, QueueName::Reservations] {
            let slot = Slot::for_key(keys.ready(queue));
            let mut all = keys.script_keys(queue).to_vec();
            all.extend([keys.job(queue, "a:b"), keys.seen(queue, "x"), keys.base(queue)]);
            for key in all {
                assert_eq!(Slot::for_key(&key), slot, "{key} leaves the slot of {queue}");
            }
        }
        assert_eq!(keys.ready(QueueName::Wechat), "yz:q:{wechat}:ready");
    }
}
