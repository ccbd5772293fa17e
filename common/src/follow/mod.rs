//! Seed 000's follow flow: department QR codes, followers bound to the department whose code
//! they scanned, the welcome reply, and keyword auto-replies.

pub mod followers;
pub mod keywords;
pub mod qrcodes;
mod welcome;

pub use welcome::welcome_text;
