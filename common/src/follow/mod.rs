//! The Official Account's follow flow: department QR codes, followers bound to the department
//! whose code they scanned, the welcome reply (seed 000), keyword auto-replies (the robot of seeds
//! 000 and 004), the custom menu and the topic board fed by `#话题` messages (seed 004).

pub mod followers;
pub mod interactions;
pub mod keywords;
pub mod menu;
pub mod qrcodes;
pub mod topics;
mod welcome;

pub use welcome::welcome_text;
