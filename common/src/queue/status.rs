//! Read-only questions about jobs by id, for the outbox's reconciliation sweep: is the job's
//! effect recorded (done or dead), is it still in the queue, or did Redis lose it?

use std::collections::HashMap;

use crate::job_contract::QueueName;
use crate::outbox::JobLedger;

use super::{LazyQueue, QueueResult, RedisQueue};

/// What Redis knows of one job id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Finished: in the `done` set.
    Done,
    /// In the dead set (its effect is recorded as failed; operators may retry it).
    Dead,
    /// Its data was removed by retention after it finished; only its de-duplication marker is
    /// left (a job is only cleaned out of `done` or `dead`).
    Cleaned,
    /// Known and not finished: waiting, scheduled, running or backing off.
    Pending,
    /// Redis has no trace of it: lost (restart without persistence, failover, eviction).
    Unknown,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Cleaned => "cleaned",
            Self::Pending => "pending",
            Self::Unknown => "unknown",
        }
    }
}

impl RedisQueue {
    /// The state of each `(queue, id)`, in order: four pipelined reads per queue asked about,
    /// whatever the number of ids. Each pipeline reads one queue's keys only, so it stays in the
    /// queue's hash slot on a Redis Cluster.
    pub async fn job_states(&self, jobs: &[(QueueName, String)]) -> QueueResult<Vec<JobState>> {
        let mut by_queue: HashMap<QueueName, Vec<usize>> = HashMap::new();
        for (i, (queue, _)) in jobs.iter().enumerate() {
            by_queue.entry(*queue).or_default().push(i);
        }
        let mut states = vec![JobState::Unknown; jobs.len()];
        let mut conn = self.conn();
        for (queue, rows) in by_queue {
            let (mut done, mut dead, mut data, mut seen) = (redis::pipe(), redis::pipe(), redis::pipe(), redis::pipe());
            for &i in &rows {
                let id = &jobs[i].1;
                done.zscore(self.keys.done(queue), id);
                dead.zscore(self.keys.dead(queue), id);
                data.exists(self.keys.job(queue, id));
                seen.exists(self.keys.seen(queue, id));
            }
            let done: Vec<Option<f64>> = done.query_async(&mut conn).await?;
            let dead: Vec<Option<f64>> = dead.query_async(&mut conn).await?;
            let data: Vec<bool> = data.query_async(&mut conn).await?;
            let seen: Vec<bool> = seen.query_async(&mut conn).await?;
            for (n, &i) in rows.iter().enumerate() {
                states[i] = match (done[n].is_some(), dead[n].is_some(), data[n], seen[n]) {
                    (true, _, _, _) => JobState::Done,
                    (_, true, _, _) => JobState::Dead,
                    (_, _, true, _) => JobState::Pending,
                    (_, _, false, true) => JobState::Cleaned,
                    _ => JobState::Unknown,
                };
            }
        }
        Ok(states)
    }
}

#[async_trait::async_trait]
impl JobLedger for RedisQueue {
    async fn states(&self, jobs: &[(QueueName, String)]) -> anyhow::Result<Vec<JobState>> {
        Ok(self.job_states(jobs).await?)
    }
}

#[async_trait::async_trait]
impl JobLedger for LazyQueue {
    async fn states(&self, jobs: &[(QueueName, String)]) -> anyhow::Result<Vec<JobState>> {
        Ok(self.queue().await?.job_states(jobs).await?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::job_contract::JobEnvelope;
    use crate::queue::{now_ms, Finish, QueueSettings};
    use crate::testing::RedisPrefix;

    const Q: QueueName = QueueName::Default;

    #[tokio::test]
    async fn each_job_reads_as_what_redis_recorded_of_it() {
        let prefix = RedisPrefix::new();
        let q = RedisQueue::new(prefix.connect().await, prefix.name(), QueueSettings::default());
        let envs: Vec<_> = ["done", "dead", "cleaned", "waiting"]
            .iter()
            .map(|id| JobEnvelope { id: (*id).into(), queue: Q, kind: "test.opaque".into(), payload: serde_json::json!({}), run_at: Utc::now() })
            .collect();
        q.push(&envs).await.expect("push");
        let fetched = q.fetch(Q, 3).await.expect("fetch");
        assert_eq!(fetched.len(), 3);
        let held = |id: &str| fetched.iter().find(|j| j.id == id).expect("fetched").held();
        q.finish(Q, &[(held("cleaned"), Finish::Done)]).await.expect("finish");
        q.clean_finished(Q, now_ms() + 1, None).await.expect("clean");
        q.finish(Q, &[(held("done"), Finish::Done), (held("dead"), Finish::Dead { error: "no".into() })]).await.expect("finish");
        let ask: Vec<_> = ["done", "dead", "cleaned", "waiting", "never-pushed"].iter().map(|id| (Q, (*id).to_owned())).collect();
        let states = q.job_states(&ask).await.expect("states");
        use JobState::*;
        assert_eq!(states, vec![Done, Dead, Cleaned, Pending, Unknown]);
        let other = (QueueName::Wechat, "done".to_owned());
        assert_eq!(q.job_states(std::slice::from_ref(&other)).await.expect("states"), vec![Unknown], "ids are per queue");
        let mixed = [(Q, "done".to_owned()), other, (Q, "dead".to_owned())];
        assert_eq!(q.job_states(&mixed).await.expect("states"), vec![Done, Unknown, Dead], "queues asked together");
        assert!(q.job_states(&[]).await.expect("states").is_empty());
    }
}
