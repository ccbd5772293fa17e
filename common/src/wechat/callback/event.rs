//! Events: follow/unfollow (with QR scenes), SCAN, menu clicks and views, location reports, the
//! template and mass-send results and the subscribe-message popup; others kept raw.

use super::fields::Fields;
use super::CallbackError;

/// The prefix of `EventKey` on a `subscribe` that came from a parametric QR code.
const QR_SCENE_PREFIX: &str = "qrscene_";

/// An event pushed by WeChat.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A follow; `scene` is set (without `qrscene_`) when it came from a parametric QR code.
    Subscribe { scene: Option<String>, ticket: Option<String> },
    Unsubscribe,
    /// An already-following user scanned a parametric QR code: `scene` is the bare scene value.
    Scan { scene: String, ticket: Option<String> },
    Click { key: String },
    View { url: String, menu_id: Option<String> },
    Location { latitude: f64, longitude: f64, precision: Option<f64> },
    TemplateSendJobFinish { msg_id: u64, status: String },
    MassSendJobFinish {
        msg_id: u64,
        status: String,
        total_count: u64,
        filter_count: u64,
        sent_count: u64,
        error_count: u64,
    },
    /// The user answered a subscribe-message popup on the Official Account.
    SubscribeMsgPopup { items: Vec<PopupItem> },
    /// An event this codec does not model; its fields are in [`super::Inbound::fields`].
    Unknown { event: String, event_key: Option<String> },
}

/// One template in a `subscribe_msg_popup_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopupItem {
    pub template_id: String,
    /// `accept` or `reject`.
    pub status: String,
    pub popup_scene: Option<String>,
}

impl Event {
    pub(super) fn from_fields(f: &Fields<'_>) -> Result<Self, CallbackError> {
        let event = f.req("Event")?;
        let key = f.opt("EventKey");
        let ticket = f.opt("Ticket").map(str::to_owned);
        // WeChat spells the message id of job results `MsgID`; accept `MsgId` too.
        let job_id = || f.parse("MsgID").or_else(|_| f.parse("MsgId"));
        Ok(match event {
            "subscribe" => Self::Subscribe {
                scene: key.and_then(|k| k.strip_prefix(QR_SCENE_PREFIX)).map(str::to_owned),
                ticket,
            },
            "unsubscribe" => Self::Unsubscribe,
            "SCAN" => Self::Scan { scene: f.req("EventKey")?.to_owned(), ticket },
            "CLICK" => Self::Click { key: key.unwrap_or_default().to_owned() },
            "VIEW" => Self::View {
                url: key.unwrap_or_default().to_owned(),
                menu_id: f.opt("MenuId").map(str::to_owned),
            },
            "LOCATION" => Self::Location {
                latitude: f.parse("Latitude")?,
                longitude: f.parse("Longitude")?,
                precision: f.parse_opt("Precision")?,
            },
            "TEMPLATESENDJOBFINISH" => {
                Self::TemplateSendJobFinish { msg_id: job_id()?, status: f.text("Status") }
            }
            "MASSSENDJOBFINISH" => Self::MassSendJobFinish {
                msg_id: job_id()?,
                status: f.text("Status"),
                total_count: f.parse("TotalCount")?,
                filter_count: f.parse("FilterCount")?,
                sent_count: f.parse("SentCount")?,
                error_count: f.parse("ErrorCount")?,
            },
            "subscribe_msg_popup_event" => Self::SubscribeMsgPopup { items: popup_items(f) },
            other => Self::Unknown { event: other.to_owned(), event_key: key.map(str::to_owned) },
        })
    }
}

fn popup_items(f: &Fields<'_>) -> Vec<PopupItem> {
    let Some(popup) = f.root.child("SubscribeMsgPopupEvent") else {
        return Vec::new();
    };
    popup
        .children
        .iter()
        .filter(|c| c.name == "List")
        .map(|item| PopupItem {
            template_id: item.child_text("TemplateId").unwrap_or_default().trim().to_owned(),
            status: item.child_text("SubscribeStatusString").unwrap_or_default().trim().to_owned(),
            popup_scene: item.child_text("PopupScene").map(|s| s.trim().to_owned()),
        })
        .collect()
}
