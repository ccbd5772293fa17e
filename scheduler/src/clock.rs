//! The scheduler's notion of now, injectable so tests can stand at 20:00 without waiting (the
//! clock every process shares, from `yizhan_common::time`).

pub use yizhan_common::time::{Clock, ManualClock, SystemClock};
