//! Customer-service messages: `POST /cgi-bin/message/custom/send`, allowed only inside a window
//! the user opened (45015 outside it, 45047 over the count: both permanent for one job).

use serde_json::json;

use super::{Ack, App, WechatClient, WechatError};

/// What a customer-service message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomMessage {
    Text { content: String },
    Image { media_id: String },
    /// A link card: title, description, the page URL and a picture URL.
    Link { title: String, description: String, url: String, thumb_url: String },
    MiniProgramPage { title: String, appid: String, pagepath: String, thumb_media_id: String },
}

impl CustomMessage {
    fn body(&self, touser: &str) -> serde_json::Value {
        match self {
            Self::Text { content } => json!({"touser": touser, "msgtype": "text", "text": {"content": content}}),
            Self::Image { media_id } => json!({"touser": touser, "msgtype": "image", "image": {"media_id": media_id}}),
            Self::Link { title, description, url, thumb_url } => json!({
                "touser": touser, "msgtype": "link",
                "link": {"title": title, "description": description, "url": url, "thumb_url": thumb_url}
            }),
            Self::MiniProgramPage { title, appid, pagepath, thumb_media_id } => json!({
                "touser": touser, "msgtype": "miniprogrampage",
                "miniprogrampage": {"title": title, "appid": appid, "pagepath": pagepath, "thumb_media_id": thumb_media_id}
            }),
        }
    }
}

impl WechatClient {
    /// Sends a customer-service message to a user of the Official Account.
    pub async fn send_custom_message(&self, touser: &str, message: &CustomMessage) -> Result<(), WechatError> {
        if touser.trim().is_empty() {
            return Err(WechatError::Invalid("touser: is empty".into()));
        }
        let body = message.body(touser);
        self.with_token(App::Mp, |token| {
            let body = &body;
            async move {
                let _: Ack =
                    self.http().post("custom_send", "/cgi-bin/message/custom/send", &[("access_token", &token)], body).await?;
                Ok(())
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_the_documented_shapes() {
        let text = CustomMessage::Text { content: "hi".into() }.body("o1");
        assert_eq!(text, json!({"touser": "o1", "msgtype": "text", "text": {"content": "hi"}}));
        let image = CustomMessage::Image { media_id: "m".into() }.body("o1");
        assert_eq!(image["image"]["media_id"], "m");
    }
}
