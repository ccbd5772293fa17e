//! The in-process first stage: a `governor` limiter per operation at the same rate, so a
//! process that alone has used up the rate waits locally instead of asking Redis again.
//!
//! It can only refuse earlier than Redis would, never grant: Redis stays the authority.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};

use super::config::{Rate, RateTable};

#[derive(Debug)]
pub struct LocalStage {
    limiters: HashMap<String, DefaultDirectRateLimiter>,
    clock: DefaultClock,
}

impl LocalStage {
    pub fn new(rates: &RateTable) -> Self {
        let clock = DefaultClock::default();
        let limiters = rates
            .iter()
            .filter_map(|(op, rate)| Some((op.to_owned(), limiter(rate, &clock)?)))
            .collect();
        Self { limiters, clock }
    }

    /// `None` when this process may ask Redis now; otherwise how long to wait first.
    pub fn check(&self, op: &str) -> Option<Duration> {
        let limiter = self.limiters.get(op)?;
        match limiter.check() {
            Ok(()) => None,
            Err(not_until) => Some(not_until.wait_time_from(self.clock.now())),
        }
    }
}

fn limiter(rate: Rate, clock: &DefaultClock) -> Option<DefaultDirectRateLimiter> {
    let burst = NonZeroU32::new(rate.count)?;
    let quota = Quota::with_period(rate.window / rate.count)?.allow_burst(burst);
    Some(DefaultDirectRateLimiter::direct_with_clock(quota, clock.clone()))
}
