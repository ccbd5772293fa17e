//! User messages: text, image, voice, video, short video, location, link; others kept raw.

use super::fields::Fields;
use super::CallbackError;

/// A message a user sent to the Official Account.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Text { msg_id: u64, content: String },
    Image { msg_id: u64, pic_url: String, media_id: String },
    Voice { msg_id: u64, media_id: String, format: String, recognition: Option<String> },
    Video { msg_id: u64, media_id: String, thumb_media_id: String, short: bool },
    Location { msg_id: u64, latitude: f64, longitude: f64, scale: Option<u32>, label: String },
    Link { msg_id: u64, title: String, description: String, url: String },
    /// A kind this codec does not model; its fields are in [`super::Inbound::fields`].
    Unknown { msg_type: String, msg_id: Option<u64> },
}

impl Message {
    pub(super) fn from_fields(msg_type: &str, f: &Fields<'_>) -> Result<Self, CallbackError> {
        Ok(match msg_type {
            "text" => Self::Text { msg_id: f.parse("MsgId")?, content: f.text("Content") },
            "image" => Self::Image {
                msg_id: f.parse("MsgId")?,
                pic_url: f.text("PicUrl"),
                media_id: f.req("MediaId")?.to_owned(),
            },
            "voice" => Self::Voice {
                msg_id: f.parse("MsgId")?,
                media_id: f.req("MediaId")?.to_owned(),
                format: f.text("Format"),
                recognition: f.opt("Recognition").map(str::to_owned),
            },
            "video" | "shortvideo" => Self::Video {
                msg_id: f.parse("MsgId")?,
                media_id: f.req("MediaId")?.to_owned(),
                thumb_media_id: f.text("ThumbMediaId"),
                short: msg_type == "shortvideo",
            },
            "location" => Self::Location {
                msg_id: f.parse("MsgId")?,
                latitude: f.parse("Location_X")?,
                longitude: f.parse("Location_Y")?,
                scale: f.parse_opt("Scale")?,
                label: f.text("Label"),
            },
            "link" => Self::Link {
                msg_id: f.parse("MsgId")?,
                title: f.text("Title"),
                description: f.text("Description"),
                url: f.text("Url"),
            },
            other => Self::Unknown { msg_type: other.to_owned(), msg_id: f.parse_opt("MsgId").ok().flatten() },
        })
    }

    /// The 64-bit message id, when the message has one.
    pub fn msg_id(&self) -> Option<u64> {
        match self {
            Self::Text { msg_id, .. }
            | Self::Image { msg_id, .. }
            | Self::Voice { msg_id, .. }
            | Self::Video { msg_id, .. }
            | Self::Location { msg_id, .. }
            | Self::Link { msg_id, .. } => Some(*msg_id),
            Self::Unknown { msg_id, .. } => *msg_id,
        }
    }
}
