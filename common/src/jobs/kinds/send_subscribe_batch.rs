//! `send_subscribe_batch`: delivers a chunk of planned subscribe messages in one run (the 20:00
//! reminders are planned this way, `subscribe/plan_reminders.sql`). The rules are those of
//! `send_subscribe_message`, with the database's part done for many rows at once: one statement
//! claims every pending row of the chunk; then, in rounds of [`CALLS_AT_ONCE`], one statement
//! reads what they say (each appointment `FOR SHARE`, as the single send re-checks it), each
//! row takes its own rate-limit permit and is sent as soon as it has it, and one statement
//! records the sent ones. A row the batch does not settle by itself (no openid yet, cancelled,
//! moved while read, refused by WeChat) goes the single send's way, under the claim this run
//! already holds.
//!
//! The single send reads its appointment after its permit; a round reads its rows' before their
//! permits, so a cancel committed in between (at 50/s, the fifth of a second ten permits take;
//! longer while many chunks share the limit) is not seen and its reminder goes out. Reading
//! after the permits instead would bunch the calls after them, past the limit's pace.
//!
//! A run that stops early (rate limited, a failure worth a retry, a row held by another run, half
//! its time spent) leaves the rows it did not finish `pending` and comes back; a later run claims
//! only those, so a message is sent once however often the chunk runs.

use std::time::Instant;

use futures::stream::{FuturesUnordered, StreamExt};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::send_subscribe_message::{log_sent, message, record_failure, Pass, RATE_LIMIT};
use super::SendSubscribeMessage;
use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::subscribe::render::appointment_facts_many;
use crate::subscribe::{MessageKind, PendingSend, SendLog};
use crate::wechat::client::{App, WechatClient};

/// Messages planned per job by the 20:00 planning.
pub const SENDS_PER_JOB: i64 = 50;

/// Messages whose permits are taken, whose facts are read and whose calls run together.
const CALLS_AT_ONCE: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendSubscribeBatch {
    pub send_ids: Vec<i64>,
}

#[async_trait::async_trait]
impl Job for SendSubscribeBatch {
    const KIND: &'static str = "send_subscribe_batch";
    const QUEUE: QueueName = QueueName::Wechat;
    /// The single send's: a claim counts as dead after it, whichever kind of job took it.
    const TIMEOUT: std::time::Duration = SendSubscribeMessage::TIMEOUT;
    type Context = JobContext;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        self.deliver(ctx).await.unwrap_or_else(Outcome::transient)
    }
}

impl SendSubscribeBatch {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let (Some(client), Some(appid)) = (ctx.wechat.as_ref(), ctx.wechat.as_ref().and_then(|c| c.appid(App::Mini))) else {
            // Nothing can be sent: each send records why, as it does alone.
            let mut outcomes = Outcomes::default();
            for &send_id in &self.send_ids {
                outcomes.push(SendSubscribeMessage { send_id }.run(ctx).await);
            }
            return Ok(outcomes.outcome());
        };
        let started = Instant::now();
        let mut ids = self.send_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let mut conn = ctx.db.acquire().await?;
        let claimed = SendLog::claim_many(&mut conn, &ids, &vec![ctx.job.attempt; ids.len()], Self::TIMEOUT, Some(appid)).await?;
        let mut outcomes = Outcomes::default();
        if claimed.len() < ids.len() {
            let unclaimed: Vec<i64> = ids.iter().copied().filter(|id| !claimed.iter().any(|s| s.id == *id)).collect();
            // Held by a live run: come back once its claim would count as dead.
            if let Some(until) = SendLog::busy_until(&mut conn, &unclaimed, Self::TIMEOUT).await? {
                outcomes.push(Outcome::RateLimited { until });
            }
        }
        drop(conn);
        let (plain, other): (Vec<PendingSend>, Vec<PendingSend>) = claimed.into_iter().partition(is_plain);
        for send in other {
            outcomes.push(alone(ctx, send).await);
        }
        let mut rest = plain.as_slice();
        while !rest.is_empty() {
            if started.elapsed() > Self::TIMEOUT / 2 {
                // Well inside the run's timeout, so no claim of this run outlives it.
                SendLog::release_many(&mut *ctx.db.acquire().await?, rest).await?;
                outcomes.push(Outcome::RateLimited { until: Utc::now() });
                break;
            }
            let (round, later) = rest.split_at(rest.len().min(CALLS_AT_ONCE));
            match send_round(ctx, client, round, &mut outcomes).await {
                Ok(None) => rest = later,
                Ok(Some(stop)) => {
                    SendLog::release_many(&mut *ctx.db.acquire().await?, later).await?;
                    outcomes.push(stop);
                    break;
                }
                Err(err) => {
                    // The rows not yet called go back at once; a row of this round whose call
                    // was made stays claimed until the claim's bound, as a single send's would.
                    let _ = SendLog::release_many(&mut *ctx.db.acquire().await?, later).await;
                    return Err(err);
                }
            }
        }
        Ok(outcomes.outcome())
    }
}

/// One round of up to [`CALLS_AT_ONCE`] rows: one read of their facts, then each row's permit
/// and, as soon as it has it, its call (at most [`CALLS_AT_ONCE`] in flight, so calls follow the
/// limiter's pace), then one record of those WeChat accepted. A refused permit ends the round:
/// the rows not called go back to `pending`, and the outcome returned ends the run.
async fn send_round(ctx: &JobContext, client: &WechatClient, round: &[PendingSend], outcomes: &mut Outcomes) -> anyhow::Result<Option<Outcome>> {
    let ids: Vec<i64> = round.iter().map(|s| s.id).collect();
    let mut facts = match appointment_facts_many(&mut *ctx.db.acquire().await?, &ids).await {
        Ok(facts) => facts,
        Err(err) => {
            let _ = SendLog::release_many(&mut *ctx.db.acquire().await?, round).await;
            return Err(err.into());
        }
    };
    let mut ready = Vec::with_capacity(round.len());
    for send in round {
        match (MessageKind::parse(&send.kind), facts.remove(&send.id)) {
            (Some(kind), Some((false, facts))) => ready.push((send, kind, facts)),
            // Cancelled, moved while read, or nothing to tell: as a single send settles it.
            _ => outcomes.push(alone(ctx, send.clone()).await),
        }
    }
    // Each permit is awaited while the calls already made go on (a round is at most
    // CALLS_AT_ONCE rows, so that many calls are in flight at most).
    let (mut in_flight, mut results, mut stop) = (FuturesUnordered::new(), Vec::with_capacity(ready.len()), None);
    for (i, (send, kind, facts)) in ready.iter().enumerate() {
        let permit = ctx.rate_limit(RATE_LIMIT);
        tokio::pin!(permit);
        let permit = loop {
            tokio::select! {
                permit = &mut permit => break permit,
                Some(done) = in_flight.next(), if !in_flight.is_empty() => results.push(done),
            }
        };
        match permit {
            Ok(None) => {}
            Ok(Some(until)) => {
                stop = Some(Outcome::RateLimited { until });
                break;
            }
            Err(err) => {
                stop = Some(Outcome::transient(err));
                break;
            }
        }
        let (message, data) = message(ctx, send, *kind, facts, send.openid.as_deref().unwrap_or_default());
        in_flight.push(async move { (i, data, client.send_subscribe_message(&message).await) });
    }
    while let Some(done) = in_flight.next().await {
        results.push(done);
    }
    let mut conn = ctx.db.acquire().await?;
    let uncalled: Vec<PendingSend> =
        ready.iter().enumerate().filter(|(i, _)| !results.iter().any(|(r, ..)| r == i)).map(|(_, (s, _, _))| (*s).clone()).collect();
    SendLog::release_many(&mut conn, &uncalled).await?;
    let mut sent = Vec::with_capacity(results.len());
    for (i, data, result) in results {
        let send = ready[i].0;
        let openid = send.openid.as_deref().unwrap_or_default();
        match result {
            Ok(()) => sent.push((send, openid, serde_json::to_value(&data)?)),
            Err(err) => outcomes.push(record_failure(&mut conn, send, openid, &data, &err).await?),
        }
    }
    SendLog::sent_many(&mut conn, &sent).await?;
    for (send, openid, _) in &sent {
        log_sent(send, openid);
        outcomes.push(Outcome::Done);
    }
    Ok(stop)
}

/// A row the batch sends itself: it has an openid, its appointment was not cancelled at claim,
/// and it is about an appointment (whose facts the batch reads at once).
fn is_plain(send: &PendingSend) -> bool {
    send.openid.is_some() && !send.target_cancelled && send.about_appointment()
}

/// A claimed row sent as a single send would send it (waiting on a code exchange, a skip).
async fn alone(ctx: &JobContext, send: PendingSend) -> Outcome {
    let job = SendSubscribeMessage { send_id: send.id };
    match job.deliver_claimed(ctx, send).await {
        Ok(Pass::Finished(outcome)) => outcome,
        // Released: the openid may have just been bound; the next run claims it again.
        Ok(Pass::Again) => Outcome::RateLimited { until: Utc::now() },
        Err(err) => Outcome::transient(err),
    }
}

/// The run's outcome from its rows': a failure worth a retry first (every unfinished row is
/// pending again, and the retry claims only those), then the latest time to come back (a quota
/// parks the chunk), then a final failure (the dead set shows it; its row is final), else done.
#[derive(Debug, Default)]
struct Outcomes {
    transient: Option<(String, usize)>,
    later: Option<Outcome>,
    permanent: Option<(String, usize)>,
}

impl Outcomes {
    fn push(&mut self, outcome: Outcome) {
        let count = |slot: &mut Option<(String, usize)>, error: String| match slot {
            Some((_, n)) => *n += 1,
            None => *slot = Some((error, 1)),
        };
        match outcome {
            Outcome::Done => {}
            Outcome::Transient { error } => count(&mut self.transient, error),
            Outcome::TokenInvalid => count(&mut self.transient, "the access token was refused".to_owned()),
            Outcome::Permanent { error } => count(&mut self.permanent, error),
            later @ (Outcome::RateLimited { .. } | Outcome::QuotaExhausted { .. }) => {
                self.later = Some(match self.later.take() {
                    None => later,
                    Some(held) => latest(held, later),
                });
            }
        }
    }

    fn outcome(self) -> Outcome {
        if let Some((error, n)) = self.transient {
            return Outcome::transient(format!("{n} of the chunk's sends will be retried: {error}"));
        }
        if let Some(later) = self.later {
            return later;
        }
        match self.permanent {
            Some((error, n)) => Outcome::permanent(format!("{n} of the chunk's sends failed for good: {error}")),
            None => Outcome::Done,
        }
    }
}

/// Of two deferrals, a quota's park wins; else the later time.
fn latest(a: Outcome, b: Outcome) -> Outcome {
    match (&a, &b) {
        (Outcome::QuotaExhausted { .. }, Outcome::RateLimited { .. }) => a,
        (Outcome::RateLimited { .. }, Outcome::QuotaExhausted { .. }) => b,
        (Outcome::RateLimited { until: x } | Outcome::QuotaExhausted { until: x }, Outcome::RateLimited { until: y } | Outcome::QuotaExhausted { until: y }) => {
            if y > x { b } else { a }
        }
        _ => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_retries_before_it_waits_and_waits_before_it_fails_for_good() {
        let at = |s: i64| Utc::now() + chrono::Duration::seconds(s);
        let of = |list: Vec<Outcome>| {
            let mut o = Outcomes::default();
            list.into_iter().for_each(|x| o.push(x));
            o.outcome()
        };
        assert!(matches!(of(vec![Outcome::Done, Outcome::Done]), Outcome::Done));
        assert!(matches!(of(vec![]), Outcome::Done));
        let (soon, late) = (at(5), at(60));
        assert!(matches!(of(vec![Outcome::RateLimited { until: late }, Outcome::RateLimited { until: soon }]), Outcome::RateLimited { until } if until == late));
        assert!(matches!(of(vec![Outcome::QuotaExhausted { until: soon }, Outcome::RateLimited { until: late }]), Outcome::QuotaExhausted { .. }));
        assert!(matches!(of(vec![Outcome::permanent("bad"), Outcome::RateLimited { until: soon }]), Outcome::RateLimited { .. }));
        match of(vec![Outcome::permanent("bad"), Outcome::Done, Outcome::transient("502"), Outcome::transient("503")]) {
            Outcome::Transient { error } => assert_eq!(error, "2 of the chunk's sends will be retried: 502"),
            other => panic!("{other:?}"),
        }
        match of(vec![Outcome::permanent("43101"), Outcome::Done, Outcome::permanent("40003")]) {
            Outcome::Permanent { error } => assert_eq!(error, "2 of the chunk's sends failed for good: 43101"),
            other => panic!("{other:?}"),
        }
    }
}
