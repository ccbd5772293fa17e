//! What the Koala simulator remembers (its own lock; no await while it is held).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The purposes listed until `POST /_sim/koala/purposes` sets others.
pub const DEFAULT_PURPOSES: [&str; 5] = ["商务洽谈", "面试", "参观", "送货", "其他"];

/// A subject (0 employee, 1 visitor, 2 VIP visitor) as Koala answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub subject_type: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub interviewee: Option<String>,
    #[serde(default)]
    pub come_from: Option<String>,
    #[serde(default)]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub end_time: Option<i64>,
}

/// One queued failure from `POST /_sim/koala/faults`, used by the next `times` calls of `op`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KoalaFault {
    /// `login`, `list`, `purposes`, `create`, `get`; unset: any call but the login.
    #[serde(default)]
    pub op: Option<String>,
    /// Envelope code to answer (`-401` says the session expired); on HTTP 200 unless `status`.
    #[serde(default)]
    pub code: Option<i64>,
    /// HTTP status to answer (e.g. 500).
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait before answering; without `code`/`status` the call is carried out first and
    /// answered late (a client timing out does not know it went through).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Calls it applies to (default 1).
    #[serde(default)]
    pub times: Option<u32>,
}

impl KoalaFault {
    fn matches(&self, op: &str) -> bool {
        match self.op.as_deref() {
            Some(wanted) => wanted == op,
            None => op != "login",
        }
    }
}

#[derive(Debug)]
pub struct Inner {
    /// Session cookie → when it expires.
    pub sessions: HashMap<String, Instant>,
    pub subjects: BTreeMap<i64, Subject>,
    pub next_id: i64,
    pub purposes: Vec<Value>,
    pub faults: VecDeque<KoalaFault>,
    pub logins: u64,
    pub calls: BTreeMap<String, u64>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            sessions: HashMap::new(),
            subjects: BTreeMap::new(),
            next_id: 1,
            purposes: DEFAULT_PURPOSES.iter().enumerate().map(|(i, p)| serde_json::json!({"id": i + 1, "name": p})).collect(),
            faults: VecDeque::new(),
            logins: 0,
            calls: BTreeMap::new(),
        }
    }
}

impl Inner {
    /// Counts a call of `op` and takes the fault that applies to it, if any.
    pub fn enter(&mut self, op: &str) -> Option<KoalaFault> {
        *self.calls.entry(op.to_owned()).or_default() += 1;
        let at = self.faults.iter().position(|f| f.matches(op))?;
        let fault = self.faults[at].clone();
        match self.faults[at].times.unwrap_or(1) {
            0 | 1 => {
                self.faults.remove(at);
            }
            n => self.faults[at].times = Some(n - 1),
        }
        Some(fault)
    }

    /// Adds a subject under a new id.
    pub fn insert(&mut self, mut subject: Subject) -> Subject {
        subject.id = self.next_id;
        self.next_id += 1;
        self.subjects.insert(subject.id, subject.clone());
        subject
    }

    /// True when `cookie` is a live session.
    pub fn live(&self, cookie: &str, now: Instant) -> bool {
        self.sessions.get(cookie).is_some_and(|expires| *expires > now)
    }

    pub fn open_session(&mut self, cookie: String, ttl: Duration) {
        let now = Instant::now();
        self.sessions.retain(|_, expires| *expires > now);
        self.sessions.insert(cookie, now + ttl);
    }
}

/// The Koala side of the simulator.
#[derive(Debug, Default)]
pub struct KoalaSim {
    inner: Mutex<Inner>,
}

impl KoalaSim {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(op: Option<&str>, times: Option<u32>) -> KoalaFault {
        KoalaFault { op: op.map(str::to_owned), code: Some(-1), status: None, delay_ms: None, times }
    }

    #[test]
    fn faults_apply_to_their_op_for_their_count() {
        let mut inner = Inner::default();
        inner.faults.extend([fault(Some("create"), Some(2)), fault(None, None)]);
        assert!(inner.enter("login").is_none(), "an unnamed fault never hits the login");
        assert_eq!(inner.enter("create").and_then(|f| f.op), Some("create".into()));
        assert_eq!(inner.enter("list").map(|f| f.op), Some(None));
        assert!(inner.enter("create").is_some());
        assert!(inner.enter("create").is_none());
        assert_eq!(inner.calls["create"], 3);
    }
}
