//! The manual reply desk (客服, seed 004): what followers send to the Official Account is kept
//! in one conversation per follower ([`inbox`]); staff who see the follower's student (the
//! counselor of their class; admins every conversation) read it and answer inside WeChat's
//! 48-hour customer-service window ([`answers`]) with text, image, voice, video, music or news.
//! An answer goes out as a `send_desk_answer` job that claims its row first; its media are
//! uploaded as temporary material before the message is sent.

pub mod answers;
pub mod inbox;

/// WeChat's customer-service window: 48 hours after the follower's last message or click.
pub const WINDOW: chrono::Duration = chrono::Duration::hours(48);

crate::text_enum! {
    /// `desk_messages.status`: `received` (a follower's message), then an answer's
    /// `pending → sending → sent | failed`.
    pub enum DeskStatus { Received = "received", Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed" }
}

crate::text_enum! {
    /// `desk_messages.kind`.
    pub enum DeskKind {
        Text = "text", Image = "image", Voice = "voice", Video = "video", Location = "location", Link = "link", Music = "music", News = "news"
    }
}
