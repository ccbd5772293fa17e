//! The key that identifies one delivery across WeChat's retries (5 s apart, 3 tries).

use super::{Inbound, InboundKind};

/// `msg:<MsgId>` for messages; `evt:<FromUserName>:<CreateTime>:<Event>:<EventKey>` for events
/// (and for messages without a MsgId). Keep keys at least 60 s.
pub fn dedup_key(inbound: &Inbound) -> String {
    if let InboundKind::Message(message) = &inbound.kind {
        if let Some(id) = message.msg_id() {
            return format!("msg:{id}");
        }
    }
    let field = |name: &str| inbound.fields.get(name).map_or("", |v| v.trim());
    let event = match &inbound.kind {
        InboundKind::Event(_) => field("Event"),
        InboundKind::Message(_) => inbound.msg_type(),
    };
    format!("evt:{}:{}:{}:{}", inbound.from_user, inbound.create_time, event, field("EventKey"))
}
