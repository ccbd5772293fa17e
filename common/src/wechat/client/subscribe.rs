//! Mini Program subscribe messages: `POST /cgi-bin/message/subscribe/send`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::keyword::prepare_keyword;
use super::{Ack, App, WechatClient, WechatError};

/// One subscribe message; `data` maps keyword keys (`thing1`, `time2`, …) to values.
#[derive(Debug, Clone, Default)]
pub struct SubscribeMessage {
    pub touser: String,
    pub template_id: String,
    pub page: Option<String>,
    /// `developer`, `trial` or `formal` (WeChat's default).
    pub miniprogram_state: Option<String>,
    pub lang: Option<String>,
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
struct Value {
    value: String,
}

#[derive(Debug, Serialize)]
struct Body<'a> {
    touser: &'a str,
    template_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    data: BTreeMap<&'a str, Value>,
}

impl SubscribeMessage {
    fn body(&self) -> Result<Body<'_>, WechatError> {
        if self.touser.trim().is_empty() {
            return Err(WechatError::Invalid("touser: is empty".into()));
        }
        if self.template_id.trim().is_empty() {
            return Err(WechatError::Invalid("template_id: is empty".into()));
        }
        let mut data = BTreeMap::new();
        for (key, value) in &self.data {
            data.insert(key.as_str(), Value { value: prepare_keyword(key, value)? });
        }
        Ok(Body {
            touser: &self.touser,
            template_id: &self.template_id,
            page: self.page.as_deref(),
            miniprogram_state: self.miniprogram_state.as_deref(),
            lang: self.lang.as_deref(),
            data,
        })
    }
}

impl WechatClient {
    /// Sends one subscribe message (spends one of the user's one-time grants at WeChat).
    pub async fn send_subscribe_message(&self, message: &SubscribeMessage) -> Result<(), WechatError> {
        let body = message.body()?;
        let path = "/cgi-bin/message/subscribe/send";
        self.with_token(App::Mini, |token| {
            let body = &body;
            async move {
                let _: Ack = self.http().post("subscribe_send", path, &[("access_token", &token)], body).await?;
                Ok(())
            }
        })
        .await?;
        tracing::debug!(wechat.openid = %crate::mask::openid(&message.touser), wechat.template_id = %message.template_id, "subscribe message sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_prepares_every_keyword() {
        let mut msg = SubscribeMessage { touser: "o1".into(), template_id: "T".into(), ..Default::default() };
        msg.data.insert("thing1".into(), "x".repeat(30));
        msg.data.insert("time2".into(), "2024-01-01 08:00".into());
        let json = serde_json::to_value(msg.body().expect("body")).expect("json");
        assert_eq!(json["data"]["thing1"]["value"], "x".repeat(20));
        assert_eq!(json["data"]["time2"]["value"], "2024-01-01 08:00");
        assert!(json.get("page").is_none());
        msg.data.insert("number3".into(), "abc".into());
        assert!(matches!(msg.body(), Err(WechatError::Invalid(m)) if m.contains("number3")));
    }
}
