//! Job kinds, one per file. Each is registered in [`super::registry()`].

mod noop;
mod probe;

pub use noop::Noop;
pub use probe::{Probe, ProbeStep};
