//! The single subscribe send's three statements — the claim, the appointment's facts, the record
//! of a sent message — coalesced across the sends a worker process runs at once (a burst of
//! bookings is a burst of `send_subscribe_message` jobs). Each send keeps its own flow and
//! outcome; only the round trips are shared: calls that arrive while one batch runs go together
//! in the next, through the statements `send_subscribe_batch` uses for a chunk. A call that finds
//! nothing running goes at once through the one-row statement (one cached plan), so a quiet
//! worker sends exactly as before.
//!
//! The rules are the one-row statements': the claim takes only pending rows or dead claims, in id
//! order, and a send asked for twice in one batch is claimed once (the second asker finds it
//! held); each appointment is read `FOR SHARE`; a sent record changes only the row whose claim
//! it names.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::PgPool;

use super::render::{self, Facts};
use super::{Claimed, PendingSend, SendLog};
use crate::claim::{self, ClaimTable};
use crate::coalesce::Coalescer;

/// Calls at most in one batch: the worker's concurrency on the `wechat` queue is 16 by default.
const BATCH_MAX: usize = 64;

/// A claim asked for by one run.
#[derive(Debug)]
pub struct ClaimCall {
    pub send_id: i64,
    pub attempt: u32,
    pub timeout: Duration,
    pub appid: Option<String>,
}

/// A message WeChat accepted, to be recorded. No `Debug`: it holds the openid unmasked.
pub struct SentCall {
    pub send: PendingSend,
    pub openid: String,
    pub data: serde_json::Value,
}

/// The three coalesced statements of one process.
#[derive(Debug)]
pub struct SendStatements {
    claim: Coalescer<ClaimCall, Claimed>,
    facts: Coalescer<i64, Option<(bool, Facts)>>,
    sent: Coalescer<SentCall, ()>,
}

impl SendStatements {
    pub fn new(db: PgPool) -> Self {
        let (a, b, c) = (db.clone(), db.clone(), db);
        Self {
            claim: Coalescer::new("subscribe_claim", BATCH_MAX, move |calls| claim_batch(a.clone(), calls)),
            facts: Coalescer::new("subscribe_facts", BATCH_MAX, move |ids| facts_batch(b.clone(), ids)),
            sent: Coalescer::new("subscribe_sent", BATCH_MAX, move |calls| sent_batch(c.clone(), calls)),
        }
    }

    /// As [`SendLog::claim`].
    pub async fn claim(&self, call: ClaimCall) -> anyhow::Result<Claimed> {
        self.claim.call(call).await
    }

    /// As [`render::appointment_facts_of`]: `None` without a statement for a send that is
    /// not about an appointment.
    pub async fn appointment_facts(&self, send: &PendingSend) -> anyhow::Result<Option<(bool, Facts)>> {
        if !send.about_appointment() {
            return Ok(None);
        }
        self.facts.call(send.id).await
    }

    /// As [`SendLog::sent`].
    pub async fn sent(&self, call: SentCall) -> anyhow::Result<()> {
        self.sent.call(call).await
    }
}

async fn claim_batch(db: PgPool, calls: Vec<ClaimCall>) -> anyhow::Result<Vec<Claimed>> {
    let mut conn = db.acquire().await?;
    let first = &calls[0];
    let (timeout, appid) = (first.timeout, first.appid.clone());
    let together = calls.len() > 1 && calls.iter().all(|c| c.timeout == timeout && c.appid == appid);
    // One call alone, or calls that differ in timeout or app: each through the one-row statement.
    if !together {
        let mut out = Vec::with_capacity(calls.len());
        for c in &calls {
            out.push(SendLog::claim(&mut conn, c.send_id, c.attempt, c.timeout, c.appid.as_deref()).await?);
        }
        return Ok(out);
    }
    // Each id once, in id order, with its first asker's attempt (the sort is stable).
    let mut asked: Vec<(i64, u32)> = calls.iter().map(|c| (c.send_id, c.attempt)).collect();
    asked.sort_by_key(|(id, _)| *id);
    asked.dedup_by_key(|(id, _)| *id);
    let ids: Vec<i64> = asked.iter().map(|(id, _)| *id).collect();
    let attempts: Vec<u32> = asked.iter().map(|(_, a)| *a).collect();
    let mut mine: HashMap<i64, PendingSend> =
        SendLog::claim_many(&mut conn, &ids, &attempts, timeout, appid.as_deref()).await?.into_iter().map(|s| (s.id, s)).collect();
    let mut out = Vec::with_capacity(calls.len());
    for c in &calls {
        out.push(match mine.remove(&c.send_id) {
            Some(send) => Claimed::Mine(send),
            // Final, held by another run, or claimed just now for an earlier asker of this batch.
            None => claim::not_claimed(&mut conn, ClaimTable::SubscribeSends, c.send_id, timeout).await?,
        });
    }
    Ok(out)
}

async fn facts_batch(db: PgPool, ids: Vec<i64>) -> anyhow::Result<Vec<Option<(bool, Facts)>>> {
    let mut conn = db.acquire().await?;
    if let [id] = ids[..] {
        return Ok(vec![render::appointment_facts_of(&mut conn, id).await?]);
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    let read = render::appointment_facts_many(&mut conn, &unique).await?;
    Ok(ids.iter().map(|id| read.get(id).cloned()).collect())
}

async fn sent_batch(db: PgPool, calls: Vec<SentCall>) -> anyhow::Result<Vec<()>> {
    let mut conn = db.acquire().await?;
    if let [c] = &calls[..] {
        SendLog::sent(&mut conn, &c.send, &c.openid, &c.data).await?;
    } else {
        let sent: Vec<(&PendingSend, &str, serde_json::Value)> = calls.iter().map(|c| (&c.send, c.openid.as_str(), c.data.clone())).collect();
        SendLog::sent_many(&mut conn, &sent).await?;
    }
    Ok(vec![(); calls.len()])
}
