//! What an inbound message or event does in the domain, and the passive reply if any.
//!
//! This is the one place the QR-code issue fills in (subscribe/SCAN → bind the follower to the
//! department and answer its welcome; text → keyword replies). Until then every delivery is
//! logged and answered with `success`. Work that needs WeChat goes to jobs, never here.

use yizhan_common::mask;
use yizhan_common::wechat::callback::{Inbound, ReplyBody};

use crate::state::AppState;

/// The domain effect of one (de-duplicated) delivery; `Some` is answered as a passive reply.
pub async fn on_inbound(_state: &AppState, inbound: &Inbound) -> anyhow::Result<Option<ReplyBody>> {
    tracing::info!(
        wechat.openid = %mask::openid(&inbound.from_user),
        wechat.msg_type = inbound.msg_type(),
        wechat.event = inbound.fields.get("Event").map_or("", String::as_str),
        "WeChat callback received"
    );
    Ok(None)
}
