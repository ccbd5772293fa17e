//! The simulated world: apps, tokens, users and codes, templates, delivered messages, faults and
//! counters, behind one mutex (never held across an await).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// Token lifetime WeChat gives.
pub const TOKEN_LIFETIME: u64 = 7200;

/// What the simulator starts with.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    /// appid → AppSecret of the apps the simulator knows.
    pub apps: HashMap<String, String>,
}

impl SimConfig {
    /// `SIM_APPS=appid:secret,appid:secret` (default: `wx-sim-mp:sim-mp-secret,wx-sim-mini:sim-mini-secret`).
    pub fn from_env() -> Self {
        let raw = std::env::var("SIM_APPS")
            .unwrap_or_else(|_| "wx-sim-mp:sim-mp-secret,wx-sim-mini:sim-mini-secret".into());
        let apps = raw
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .map(|(a, s)| (a.trim().to_owned(), s.trim().to_owned()))
            .collect();
        Self { apps }
    }
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub appid: String,
    pub expires_at: u64,
}

#[derive(Debug, Clone)]
pub struct Code {
    pub openid: String,
    pub created: u64,
    pub used: bool,
}

/// An injected failure for one operation.
#[derive(Debug, Clone, Default)]
pub struct Fault {
    pub errcode: Option<i64>,
    /// How many calls it hits (None: every call).
    pub remaining: Option<u32>,
    pub latency_ms: u64,
}

#[derive(Debug, Default)]
pub struct World {
    pub clock_offset: u64,
    pub apps: HashMap<String, String>,
    pub tokens: HashMap<String, TokenInfo>,
    pub stable: HashMap<String, String>,
    pub plain: HashMap<String, String>,
    pub force_refreshes: HashMap<String, Vec<u64>>,
    pub codes: HashMap<String, Code>,
    pub users: HashSet<String>,
    pub grants: HashMap<(String, String), u32>,
    pub templates: HashMap<String, Vec<String>>,
    pub messages: Vec<Value>,
    pub clientmsgids: HashSet<String>,
    pub faults: HashMap<String, Fault>,
    pub token_fetches: u64,
    pub calls: BTreeMap<String, u64>,
    pub issued: u64,
}

/// The shared simulator state (cheap to clone).
#[derive(Debug, Clone)]
pub struct Sim {
    world: Arc<Mutex<World>>,
    started: Instant,
    epoch: u64,
}

impl Sim {
    pub fn new(config: SimConfig) -> Self {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let world = World { apps: config.apps, ..World::default() };
        Self { world: Arc::new(Mutex::new(world)), started: Instant::now(), epoch }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        // A poisoned lock only means a handler panicked; the data is still usable for a simulator.
        self.world.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Simulated Unix seconds (real time plus what tests advanced).
    pub fn now(&self, world: &World) -> u64 {
        self.epoch + self.started.elapsed().as_secs() + world.clock_offset
    }

    /// Counts the call, applies an injected fault: Some(answer) when the fault answers instead.
    pub async fn enter(&self, op: &str) -> Option<Response> {
        let (latency, errcode) = {
            let mut w = self.world();
            *w.calls.entry(op.to_owned()).or_default() += 1;
            match w.faults.get_mut(op) {
                Some(fault) if fault.remaining != Some(0) => {
                    if let Some(n) = fault.remaining.as_mut() {
                        *n -= 1;
                    }
                    (fault.latency_ms, fault.errcode)
                }
                _ => (0, None),
            }
        };
        if latency > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
        }
        errcode.map(|code| wx_err(code, "injected by /_sim/faults"))
    }

    /// Checks `access_token`: 41001 missing, 40001 unknown, 42001 expired; Ok(appid).
    pub fn check_token(&self, token: Option<&String>) -> Result<String, WxError> {
        let w = self.world();
        let token = token.filter(|t| !t.is_empty()).ok_or(WxError(41001, "access_token missing"))?;
        let info = w.tokens.get(token).ok_or(WxError(40001, "invalid credential, access_token is invalid or not latest"))?;
        if info.expires_at <= self.now(&w) {
            return Err(WxError(42001, "access_token expired"));
        }
        Ok(info.appid.clone())
    }
}

/// A WeChat error answer: errcode and errmsg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WxError(pub i64, pub &'static str);

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        wx_err(self.0, self.1)
    }
}

/// `{"errcode": code, "errmsg": msg}`.
pub fn wx_err(code: i64, msg: &str) -> Response {
    Json(json!({"errcode": code, "errmsg": msg})).into_response()
}

/// `{"errcode": 0, "errmsg": "ok", …extra}`.
pub fn wx_ok(extra: Value) -> Response {
    let mut body = json!({"errcode": 0, "errmsg": "ok"});
    if let (Some(obj), Value::Object(more)) = (body.as_object_mut(), extra) {
        obj.extend(more);
    }
    Json(body).into_response()
}
