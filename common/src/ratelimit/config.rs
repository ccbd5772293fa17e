//! Rates per external API operation, read from `RATE_LIMITS`.
//!
//! Format: comma-separated `operation=COUNT/UNIT` entries, UNIT one of `s`, `m`, `h`
//! (`RATE_LIMITS="wechat.subscribe_send=50/s,sms.send=10/s,email.send=30/m"`). Entries override
//! [`DEFAULT_RATES`] one by one; `operation=off` removes a limit. An operation with no rate is
//! not limited.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::config::EnvReader;

/// Limits that apply unless `RATE_LIMITS` overrides them. They sit below the published quotas of
/// each service so that one deployment never trips the provider's own throttling.
pub const DEFAULT_RATES: &[(&str, u32, Unit)] = &[
    ("wechat.access_token", 10, Unit::Minute),
    // WeChat publishes no global rate for jscode2session, only 100/min per user (45011): 500/s
    // bounds a login storm and lets a burst of 50 first-time users (a release of places) through
    // at once, so their confirmations wait for nothing but the exchange itself.
    ("wechat.jscode2session", 500, Unit::Second),
    ("wechat.subscribe_send", 50, Unit::Second),
    ("wechat.template_send", 50, Unit::Second),
    ("wechat.custom_send", 50, Unit::Second),
    ("wechat.qrcode_create", 20, Unit::Second),
    // Tag creation and (un)tagging batches of seed 004's tag sync.
    ("wechat.tags", 10, Unit::Second),
    // Mass sends (and their material uploads): WeChat counts them per day; never a burst.
    ("wechat.mass_send", 10, Unit::Minute),
    // menu/create has a daily quota of 1,000: a publish is an admin's act, never a burst.
    ("wechat.menu_create", 10, Unit::Minute),
    ("sms.send", 10, Unit::Second),
    ("email.send", 5, Unit::Second),
    ("koala.request", 20, Unit::Second),
    // Visitor subjects written by `create_koala_visitor` (a burst of approvals spread out).
    ("koala.create_subject", 10, Unit::Second),
];

/// The length of a rate's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Second,
    Minute,
    Hour,
}

impl Unit {
    pub fn duration(self) -> Duration {
        match self {
            Unit::Second => Duration::from_secs(1),
            Unit::Minute => Duration::from_secs(60),
            Unit::Hour => Duration::from_secs(3600),
        }
    }
}

/// At most `count` calls start in any window of `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub window: Duration,
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}ms", self.count, self.window.as_millis())
    }
}

/// The configured rate of every limited operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable(BTreeMap<String, Rate>);

impl RateTable {
    /// The built-in defaults only.
    pub fn defaults() -> Self {
        let rates = DEFAULT_RATES
            .iter()
            .map(|&(op, count, unit)| (op.to_owned(), Rate { count, window: unit.duration() }))
            .collect();
        Self(rates)
    }

    /// A table holding exactly these entries (tests, tools).
    pub fn empty() -> Self {
        Self(BTreeMap::new())
    }

    pub fn get(&self, op: &str) -> Option<Rate> {
        self.0.get(op).copied()
    }

    pub fn set(&mut self, op: &str, rate: Option<Rate>) {
        match rate {
            Some(rate) => self.0.insert(op.to_owned(), rate),
            None => self.0.remove(op),
        };
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Rate)> {
        self.0.iter().map(|(op, rate)| (op.as_str(), *rate))
    }

    /// Applies `RATE_LIMITS`-style overrides on top of this table.
    pub fn apply(&mut self, overrides: &Overrides) {
        for (op, rate) in &overrides.0 {
            self.set(op, *rate);
        }
    }
}

/// Parsed `RATE_LIMITS`: each operation with its new rate, or `None` for `off`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides(Vec<(String, Option<Rate>)>);

impl FromStr for Overrides {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut entries = Vec::new();
        for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (op, rate) = entry
                .split_once('=')
                .ok_or_else(|| format!("`{entry}`: expected `operation=COUNT/UNIT`"))?;
            let op = op.trim();
            if op.is_empty() || !op.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
                return Err(format!("`{entry}`: bad operation name"));
            }
            entries.push((op.to_owned(), parse_rate(rate.trim()).map_err(|e| format!("`{entry}`: {e}"))?));
        }
        Ok(Self(entries))
    }
}

fn parse_rate(s: &str) -> Result<Option<Rate>, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let (count, unit) = s.split_once('/').ok_or("expected COUNT/UNIT such as 50/s")?;
    let count: u32 = count.trim().parse().map_err(|_| "COUNT must be a positive integer")?;
    if count == 0 {
        return Err("COUNT must be at least 1 (use `off` to remove a limit)".into());
    }
    let unit = match unit.trim() {
        "s" | "sec" | "second" => Unit::Second,
        "m" | "min" | "minute" => Unit::Minute,
        "h" | "hour" => Unit::Hour,
        other => return Err(format!("unknown UNIT `{other}` (use s, m or h)")),
    };
    Ok(Some(Rate { count, window: unit.duration() }))
}

/// The limiter's settings.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// `RATE_LIMITS`: overrides of [`DEFAULT_RATES`], e.g. `wechat.subscribe_send=50/s,sms.send=off`.
    pub rates: RateTable,
    /// `RATE_LIMIT_MARGIN_MS`: added to every window so that calls granted at a window's edge,
    /// then delayed differently on their way out, still never exceed the rate as the provider
    /// measures it (default 20; costs about 2% of throughput for per-second rates).
    pub margin: Duration,
}

impl RateLimitConfig {
    /// The built-in rates and margin, without reading the environment.
    pub fn defaults() -> Self {
        Self { rates: RateTable::defaults(), margin: Duration::from_millis(20) }
    }

    pub fn read(env: &mut EnvReader) -> Self {
        let overrides: Overrides = env.optional("RATE_LIMITS", Overrides::default());
        let margin_ms = env.optional("RATE_LIMIT_MARGIN_MS", 20u64);
        let mut rates = RateTable::defaults();
        rates.apply(&overrides);
        Self { rates, margin: Duration::from_millis(margin_ms) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_and_remove_defaults() {
        let overrides: Overrides = "wechat.subscribe_send=5/s, sms.send=off ,x.y=3/m".parse().expect("valid");
        let mut table = RateTable::defaults();
        table.apply(&overrides);
        assert_eq!(table.get("wechat.subscribe_send"), Some(Rate { count: 5, window: Duration::from_secs(1) }));
        assert_eq!(table.get("sms.send"), None);
        assert_eq!(table.get("x.y"), Some(Rate { count: 3, window: Duration::from_secs(60) }));
        assert_eq!(table.get("wechat.jscode2session"), Some(Rate { count: 500, window: Duration::from_secs(1) }));
    }

    #[test]
    fn bad_entries_name_the_problem() {
        for bad in ["sms.send", "sms.send=0/s", "sms.send=5/d", "=5/s", "a b=1/s", "sms.send=x/s"] {
            let err = bad.parse::<Overrides>().expect_err(bad);
            assert!(err.contains('`'), "{bad}: {err}");
        }
        assert_eq!("".parse::<Overrides>(), Ok(Overrides::default()));
    }
}
