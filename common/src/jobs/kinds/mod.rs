//! Job kinds, one per file. Each is registered in [`super::registry()`].

mod exchange_wx_code;
mod noop;
mod probe;
mod send_subscribe_message;

pub use exchange_wx_code::ExchangeWxCode;
pub use noop::Noop;
pub use probe::{Probe, ProbeStep};
pub use send_subscribe_message::{SendSubscribeMessage, OPENID_WAIT};
