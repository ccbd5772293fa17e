//! WeChat: the Official Account callback codec, the errcode classification and the API client.
//!
//! Facts, errcodes and test vectors come from `shared/notes/wechat.md`.

pub mod callback;
pub mod errcode;
pub mod identities;
pub mod outcome;
pub mod client;
pub mod custom_log;
pub mod template_log;
