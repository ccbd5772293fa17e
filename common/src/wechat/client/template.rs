//! Official Account template messages: `POST /cgi-bin/message/template/send`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{App, WechatClient, WechatError};

/// A template message; `client_msg_id` makes WeChat drop a repeat to the same openid for 10 min.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TemplateMessage {
    pub touser: String,
    pub template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniProgramLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    /// `{"keyword1": {"value": "…"}}`.
    pub data: BTreeMap<String, TemplateValue>,
}

/// A page of the Mini Program opened from the message.
#[derive(Debug, Clone, Serialize)]
pub struct MiniProgramLink {
    pub appid: String,
    pub pagepath: String,
}

/// One template field.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateValue {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl From<&str> for TemplateValue {
    fn from(value: &str) -> Self {
        Self { value: value.to_owned(), color: None }
    }
}

#[derive(Deserialize)]
struct Sent {
    msgid: u64,
}

impl WechatClient {
    /// Sends a template message; returns WeChat's msgid (echoed by `TEMPLATESENDJOBFINISH`).
    pub async fn send_template_message(&self, message: &TemplateMessage) -> Result<u64, WechatError> {
        if message.touser.trim().is_empty() || message.template_id.trim().is_empty() {
            return Err(WechatError::Invalid("touser and template_id are required".into()));
        }
        if message.client_msg_id.as_ref().is_some_and(|id| id.len() > 64) {
            return Err(WechatError::Invalid("client_msg_id: more than 64 characters".into()));
        }
        let sent: Sent = self
            .with_token(App::Mp, |token| async move {
                self.http().post("template_send", "/cgi-bin/message/template/send", &[("access_token", &token)], message).await
            })
            .await?;
        Ok(sent.msgid)
    }
}
