//! Injected faults and quotas: make an operation fail with an errcode, slow down, or run out.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One rule from `POST /_sim/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Operation name (`subscribe_send`, `jscode2session`, `token`, …) or `*` for all.
    pub op: String,
    /// The errcode to answer with (none: only latency).
    #[serde(default)]
    pub errcode: Option<i64>,
    /// Fail the next `times` calls (default: every call, subject to `rate`).
    #[serde(default)]
    pub times: Option<u32>,
    /// Probability of failing a call, 0–1 (default 1).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Delay before answering.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// HTTP status to answer with instead of 200 (e.g. 502), when set.
    #[serde(default)]
    pub http_status: Option<u16>,
}

/// A call budget per operation (`45011` past the minute, `45009` past the day).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub op: String,
    #[serde(default)]
    pub per_minute: Option<u64>,
    #[serde(default)]
    pub per_day: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
    pub quotas: BTreeMap<String, Quota>,
    /// (minute, count) and day count per op.
    usage: BTreeMap<String, (i64, u64, u64)>,
}

/// What happens to one call.
#[derive(Debug, Default)]
pub struct Verdict {
    pub latency: Duration,
    pub errcode: Option<(i64, &'static str)>,
    pub http_status: Option<u16>,
}

impl Faults {
    pub fn clear(&mut self) {
        self.rules.clear();
        self.quotas.clear();
        self.usage.clear();
    }

    /// Decides the fate of one call of `op` and uses up rule counts and quota.
    pub fn judge(&mut self, op: &str) -> Verdict {
        let mut verdict = Verdict::default();
        for rule in self.rules.iter_mut().filter(|r| r.op == op || r.op == "*") {
            if rule.times == Some(0) {
                continue;
            }
            if let Some(ms) = rule.latency_ms {
                verdict.latency = verdict.latency.max(Duration::from_millis(ms));
            }
            let hit = rule.rate.is_none_or(|p| rand::random::<f64>() < p);
            if hit && verdict.errcode.is_none() && (rule.errcode.is_some() || rule.http_status.is_some()) {
                verdict.errcode = rule.errcode.map(|c| (c, "injected by the simulator"));
                verdict.http_status = rule.http_status;
                if let Some(t) = rule.times.as_mut() {
                    *t -= 1;
                }
            }
        }
        self.rules.retain(|r| r.times != Some(0));
        if verdict.errcode.is_none() && verdict.http_status.is_none() {
            verdict.errcode = self.spend_quota(op);
        }
        verdict
    }

    fn spend_quota(&mut self, op: &str) -> Option<(i64, &'static str)> {
        let quota = self.quotas.get(op)?.clone();
        let minute = chrono::Utc::now().timestamp() / 60;
        let usage = self.usage.entry(op.to_owned()).or_insert((minute, 0, 0));
        if usage.0 != minute {
            usage.0 = minute;
            usage.1 = 0;
        }
        if quota.per_day.is_some_and(|d| usage.2 >= d) {
            return Some((45009, "reach max api daily quota limit"));
        }
        if quota.per_minute.is_some_and(|m| usage.1 >= m) {
            return Some((45011, "api minute-quota reach limit"));
        }
        usage.1 += 1;
        usage.2 += 1;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_run_out_and_quotas_refuse() {
        let mut f = Faults::default();
        f.rules.push(FaultRule { op: "x".into(), errcode: Some(-1), times: Some(2), rate: None, latency_ms: None, http_status: None });
        assert_eq!(f.judge("x").errcode.map(|e| e.0), Some(-1));
        assert_eq!(f.judge("y").errcode, None);
        assert_eq!(f.judge("x").errcode.map(|e| e.0), Some(-1));
        assert_eq!(f.judge("x").errcode, None);
        f.quotas.insert("q".into(), Quota { op: "q".into(), per_minute: Some(1), per_day: None });
        assert_eq!(f.judge("q").errcode, None);
        assert_eq!(f.judge("q").errcode.map(|e| e.0), Some(45011));
    }
}
