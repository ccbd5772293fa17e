//! Customer-service messages: `POST /cgi-bin/message/custom/send`, allowed only inside a window
//! the user opened (45015 outside it, 45047 over the count: both permanent for one job).

use serde_json::json;

use super::{Ack, App, WechatClient, WechatError};

/// What a customer-service message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomMessage {
    Text { content: String },
    Image { media_id: String },
    Voice { media_id: String },
    /// A video (temporary material) with its thumbnail (a `thumb` material, may be empty).
    Video { media_id: String, thumb_media_id: String, title: String, description: String },
    /// Music: its URLs and a thumbnail (`thumb` material).
    Music { title: String, description: String, music_url: String, hq_music_url: String, thumb_media_id: String },
    /// News (图文) opening a page: WeChat sends one article.
    News { title: String, description: String, url: String, pic_url: String },
    /// A link card: title, description, the page URL and a picture URL.
    Link { title: String, description: String, url: String, thumb_url: String },
    MiniProgramPage { title: String, appid: String, pagepath: String, thumb_media_id: String },
}

impl CustomMessage {
    fn body(&self, touser: &str) -> serde_json::Value {
        match self {
            Self::Text { content } => json!({"touser": touser, "msgtype": "text", "text": {"content": content}}),
            Self::Image { media_id } => json!({"touser": touser, "msgtype": "image", "image": {"media_id": media_id}}),
            Self::Voice { media_id } => json!({"touser": touser, "msgtype": "voice", "voice": {"media_id": media_id}}),
            Self::Video { media_id, thumb_media_id, title, description } => json!({
                "touser": touser, "msgtype": "video",
                "video": {"media_id": media_id, "thumb_media_id": thumb_media_id, "title": title, "description": description}
            }),
            Self::Music { title, description, music_url, hq_music_url, thumb_media_id } => json!({
                "touser": touser, "msgtype": "music",
                "music": {"title": title, "description": description, "musicurl": music_url, "hqmusicurl": hq_music_url, "thumb_media_id": thumb_media_id}
            }),
            Self::News { title, description, url, pic_url } => json!({
                "touser": touser, "msgtype": "news",
                "news": {"articles": [{"title": title, "description": description, "url": url, "picurl": pic_url}]}
            }),
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
        let music = CustomMessage::Music { title: "t".into(), description: String::new(), music_url: "http://m/1.mp3".into(), hq_music_url: "http://m/1.mp3".into(), thumb_media_id: "th".into() }.body("o1");
        assert_eq!((&music["msgtype"], &music["music"]["musicurl"], &music["music"]["thumb_media_id"]), (&json!("music"), &json!("http://m/1.mp3"), &json!("th")));
        let news = CustomMessage::News { title: "t".into(), description: "d".into(), url: "https://x/1".into(), pic_url: String::new() }.body("o1");
        assert_eq!(news["news"]["articles"][0]["url"], "https://x/1");
    }
}
