//! Mass sends: by openids (`/cgi-bin/message/mass/send`, 2–10,000 openids) and by tag
//! (`/cgi-bin/message/mass/sendall`). `clientmsgid` de-duplicates for 24 h; 45065 (already sent)
//! is success, and WeChat's answer names the earlier send's `msg_id`.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{App, WechatClient, WechatError};

/// WeChat: a mass send with this clientmsgid was made already (within 24 hours).
const ALREADY_SENT: i64 = 45065;

/// What a mass message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MassContent {
    Text { content: String },
    /// A news article uploaded before.
    MpNews { media_id: String },
    Image { media_id: String },
    Voice { media_id: String },
}

/// The outcome of a mass send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MassSendResult {
    /// Accepted; `MASSSENDJOBFINISH` will report the counts for `msg_id`.
    Sent { msg_id: u64, msg_data_id: Option<u64> },
    /// WeChat already sent a message with this clientmsgid (45065); `msg_id`: that send's, when
    /// the answer names it.
    AlreadySent { msg_id: Option<u64> },
}

#[derive(Deserialize)]
struct Sent {
    msg_id: u64,
    #[serde(default)]
    msg_data_id: Option<u64>,
}

impl MassContent {
    fn insert(&self, body: &mut Map<String, Value>) {
        let (msgtype, inner) = match self {
            Self::Text { content } => ("text", json!({"content": content})),
            Self::MpNews { media_id } => ("mpnews", json!({"media_id": media_id})),
            Self::Image { media_id } => ("image", json!({"media_id": media_id})),
            Self::Voice { media_id } => ("voice", json!({"media_id": media_id})),
        };
        body.insert("msgtype".into(), msgtype.into());
        body.insert(msgtype.into(), inner);
        if matches!(self, Self::MpNews { .. }) {
            body.insert("send_ignore_reprint".into(), 0.into());
        }
    }
}

fn check_clientmsgid(id: &str) -> Result<(), WechatError> {
    if id.is_empty() || id.len() > 64 {
        return Err(WechatError::Invalid("clientmsgid: must be 1 to 64 characters".into()));
    }
    Ok(())
}

impl WechatClient {
    /// Sends to a list of openids (2 to 10,000).
    pub async fn mass_send_to_openids(
        &self,
        openids: &[String],
        content: &MassContent,
        clientmsgid: &str,
    ) -> Result<MassSendResult, WechatError> {
        if !(2..=10_000).contains(&openids.len()) {
            return Err(WechatError::Invalid("touser: a mass send needs 2 to 10,000 openids".into()));
        }
        check_clientmsgid(clientmsgid)?;
        let mut body = Map::new();
        body.insert("touser".into(), json!(openids));
        body.insert("clientmsgid".into(), clientmsgid.into());
        content.insert(&mut body);
        self.mass("mass_send", "/cgi-bin/message/mass/send", Value::Object(body)).await
    }

    /// Sends to every follower carrying `tag_id`.
    pub async fn mass_send_to_tag(
        &self,
        tag_id: u64,
        content: &MassContent,
        clientmsgid: &str,
    ) -> Result<MassSendResult, WechatError> {
        check_clientmsgid(clientmsgid)?;
        let mut body = Map::new();
        body.insert("filter".into(), json!({"is_to_all": false, "tag_id": tag_id}));
        body.insert("clientmsgid".into(), clientmsgid.into());
        content.insert(&mut body);
        self.mass("mass_sendall", "/cgi-bin/message/mass/sendall", Value::Object(body)).await
    }

    async fn mass(&self, op: &'static str, path: &str, body: Value) -> Result<MassSendResult, WechatError> {
        let answer = self
            .with_token(App::Mp, |token| {
                let body = &body;
                async move { self.http().post_accepting(op, path, &[("access_token", &token)], body, &[ALREADY_SENT]).await }
            })
            .await?;
        if answer.get("errcode").and_then(Value::as_i64) == Some(ALREADY_SENT) {
            return Ok(MassSendResult::AlreadySent { msg_id: answer.get("msg_id").and_then(Value::as_u64) });
        }
        let s: Sent = serde_json::from_value(answer).map_err(|e| WechatError::Decode { op, detail: e.to_string() })?;
        Ok(MassSendResult::Sent { msg_id: s.msg_id, msg_data_id: s.msg_data_id })
    }
}
