//! Retry policy: an attempt cap and exponential backoff with jitter.

use std::time::Duration;

use rand::Rng;

/// How often and how far apart a failing job is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Runs that may fail before the job goes to the dead set (at least 1).
    pub max_attempts: u32,
    /// Delay before the second run; doubles for each later one.
    pub base_delay: Duration,
    /// Longest delay between two runs.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// 8 attempts, 5 s doubling up to 30 min: about an hour and a half before giving up.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 8,
        base_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(30 * 60),
    };

    /// True when a job that has now failed `failed` times must stop.
    pub fn exhausted(&self, failed: u32) -> bool {
        failed >= self.max_attempts.max(1)
    }

    /// The delay before the next run after `failed` failures (1 for the first): the exponential
    /// delay capped at `max_delay`, of which a random half is kept ("equal jitter").
    pub fn backoff(&self, failed: u32) -> Duration {
        let exponent = failed.saturating_sub(1).min(30);
        let full = self.base_delay.saturating_mul(1u32 << exponent).min(self.max_delay);
        let half = full / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let extra = if jitter_ms == 0 { 0 } else { rand::thread_rng().gen_range(0..=jitter_ms) };
        half + Duration::from_millis(extra)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let p = RetryPolicy { max_attempts: 5, base_delay: Duration::from_secs(2), max_delay: Duration::from_secs(10) };
        for _ in 0..100 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_secs(1) && first <= Duration::from_secs(2), "{first:?}");
            let third = p.backoff(3);
            assert!(third >= Duration::from_secs(4) && third <= Duration::from_secs(8), "{third:?}");
            let capped = p.backoff(20);
            assert!(capped >= Duration::from_secs(5) && capped <= Duration::from_secs(10), "{capped:?}");
        }
    }

    #[test]
    fn attempts_cap() {
        let p = RetryPolicy { max_attempts: 3, ..RetryPolicy::DEFAULT };
        assert!(!p.exhausted(2));
        assert!(p.exhausted(3));
    }
}
