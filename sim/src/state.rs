//! Everything the simulator remembers, behind one mutex (no await while it is held).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use crate::config::SimConfig;
use crate::faults::Faults;

/// One issued access token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub appid: String,
    pub expires: Instant,
}

/// A fake WeChat user of one app.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimUser {
    pub appid: String,
    pub openid: String,
    pub nickname: String,
    pub tags: Vec<u32>,
    /// Customer-service window: when the user last wrote, followed or clicked, and sends since.
    #[serde(skip)]
    pub last_interaction: Option<Instant>,
    #[serde(skip)]
    pub cs_sent: u32,
}

/// A message WeChat would have delivered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivered {
    pub seq: u64,
    pub api: String,
    pub appid: String,
    pub touser: String,
    pub template_id: Option<String>,
    pub data: Value,
    pub page: Option<String>,
    /// The template message's `client_msg_id`, as sent (WeChat drops a repeat of one per openid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    pub at_ms: i64,
}

/// Counts tests assert on.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub token_fetches: u64,
    pub calls: BTreeMap<String, u64>,
    pub peak_per_second: BTreeMap<String, u64>,
    #[serde(skip)]
    pub this_second: BTreeMap<String, (i64, u64)>,
}

#[derive(Debug, Default)]
pub struct Inner {
    /// The Official Account's custom menu as last created (`/cgi-bin/menu/create`).
    pub menu: Option<Value>,
    pub tokens: HashMap<String, TokenInfo>,
    pub plain_current: HashMap<String, String>,
    pub stable_current: HashMap<String, (String, Instant)>,
    pub force_refreshes: HashMap<String, Vec<Instant>>,
    pub codes: HashMap<String, (String, String, Instant)>,
    pub used_codes: HashSet<String>,
    pub users: BTreeMap<String, SimUser>,
    pub messages: Vec<Delivered>,
    pub counters: Counters,
    pub faults: Faults,
    pub qr_tickets: BTreeMap<String, Value>,
    pub tags: BTreeMap<u32, String>,
    pub mass_msg_ids: HashMap<String, u64>,
    /// Events WeChat pushes by itself after a call (job-finish events), sent once the lock is free.
    pub pending_events: Vec<BTreeMap<String, Value>>,
    pub next_seq: u64,
    /// Every `POST /_sim/callbacks` delivery with the reply received.
    pub callbacks: Vec<Value>,
    /// One-time subscribe grants the user accepted on the phone, by (openid, template id): each
    /// `subscribe/send` spends one (WeChat answers 43101 without).
    pub grants: HashMap<(String, String), u64>,
    /// Web OAuth access tokens handed out by `/sns/oauth2/access_token`: token → openid.
    pub oauth_tokens: HashMap<String, String>,
    /// Avatar URLs (`headimgurl`) of users created with one.
    pub avatars: HashMap<String, String>,
    /// JS-SDK tickets handed out by `/cgi-bin/ticket/getticket`.
    pub jsapi_tickets: Vec<String>,
    /// Every event WeChat pushed by itself (`GET /_sim/events`), for tests whose app has no URL.
    pub pushed_events: Vec<BTreeMap<String, Value>>,
    /// Permanent material: media id → `{"type": "image"|"news", …}`.
    pub materials: BTreeMap<String, Value>,
}

/// The simulator's shared state.
#[derive(Debug)]
pub struct Sim {
    pub config: SimConfig,
    inner: Mutex<Inner>,
    /// Aliyun SMS (its own lock).
    pub sms: crate::sms::SmsSim,
    /// Mail captured by the SMTP server.
    pub mail: crate::mail::MailSim,
    /// Koala access control (its own lock).
    pub koala: crate::koala::KoalaSim,
    /// Avatar image hits.
    pub avatar: crate::avatar::AvatarSim,
}

impl Sim {
    pub fn new(config: SimConfig) -> Self {
        Self { config, inner: Mutex::new(Inner::default()), sms: Default::default(), mail: Default::default(), koala: Default::default(),
               avatar: Default::default() }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock only happens in a bug; keep serving with the data as is.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Records one call of `op` for the counters.
    pub fn count_call(&mut self, op: &str) {
        let now = chrono::Utc::now().timestamp();
        *self.counters.calls.entry(op.to_owned()).or_default() += 1;
        let slot = self.counters.this_second.entry(op.to_owned()).or_insert((now, 0));
        if slot.0 != now {
            *slot = (now, 0);
        }
        slot.1 += 1;
        let peak = self.counters.peak_per_second.entry(op.to_owned()).or_default();
        *peak = (*peak).max(slot.1);
    }
}

/// WeChat's error body.
pub fn err(code: i64, msg: &str) -> Value {
    serde_json::json!({ "errcode": code, "errmsg": msg })
}

pub fn ok_body() -> Value {
    serde_json::json!({ "errcode": 0, "errmsg": "ok" })
}

/// A random lowercase-hex string of `n` bytes.
pub fn random_hex(n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    hex::encode(bytes)
}
