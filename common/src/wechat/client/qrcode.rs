//! Parametric QR codes: `POST /cgi-bin/qrcode/create` and the showqrcode image URL.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::json;

use super::{App, WechatClient, WechatError};

/// Longest lifetime of a temporary code (30 days).
pub const MAX_EXPIRE_SECONDS: u32 = 2_592_000;

/// The scene a code carries back in `subscribe`/`SCAN` events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrScene {
    /// 1–100000 for permanent codes; any positive 32-bit value for temporary ones.
    Id(u32),
    /// 1–64 characters.
    Str(String),
}

/// A temporary or permanent code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrRequest {
    Temporary { scene: QrScene, expire_seconds: u32 },
    Permanent { scene: QrScene },
}

/// A created code.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct QrCode {
    pub ticket: String,
    #[serde(default)]
    pub expire_seconds: Option<u64>,
    /// The URL encoded in the image.
    pub url: String,
}

impl QrCode {
    /// The image URL of this code.
    pub fn image_url(&self) -> String {
        showqrcode_url(&self.ticket)
    }
}

/// `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=<urlencoded>`.
pub fn showqrcode_url(ticket: &str) -> String {
    format!("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket={}", utf8_percent_encode(ticket, NON_ALPHANUMERIC))
}

impl QrRequest {
    fn body(&self) -> Result<serde_json::Value, WechatError> {
        let (scene, permanent) = match self {
            Self::Temporary { scene, expire_seconds } => {
                if !(1..=MAX_EXPIRE_SECONDS).contains(expire_seconds) {
                    return Err(WechatError::Invalid("expire_seconds: must be 1 to 2592000".into()));
                }
                (scene, false)
            }
            Self::Permanent { scene } => (scene, true),
        };
        let (action, info) = match scene {
            QrScene::Id(id) => {
                if *id == 0 || (permanent && *id > 100_000) {
                    return Err(WechatError::Invalid("scene_id: must be 1 to 100000 for permanent codes".into()));
                }
                (if permanent { "QR_LIMIT_SCENE" } else { "QR_SCENE" }, json!({"scene": {"scene_id": id}}))
            }
            QrScene::Str(s) => {
                if s.is_empty() || s.chars().count() > 64 {
                    return Err(WechatError::Invalid("scene_str: must be 1 to 64 characters".into()));
                }
                (if permanent { "QR_LIMIT_STR_SCENE" } else { "QR_STR_SCENE" }, json!({"scene": {"scene_str": s}}))
            }
        };
        let mut body = json!({"action_name": action, "action_info": info});
        if let Self::Temporary { expire_seconds, .. } = self {
            body["expire_seconds"] = json!(expire_seconds);
        }
        Ok(body)
    }
}

impl WechatClient {
    /// Creates a parametric QR code of the Official Account.
    pub async fn create_qrcode(&self, request: &QrRequest) -> Result<QrCode, WechatError> {
        let body = request.body()?;
        self.with_token(App::Mp, |token| {
            let body = &body;
            async move { self.http().post("qrcode_create", "/cgi-bin/qrcode/create", &[("access_token", &token)], body).await }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn showqrcode_url_encodes_the_ticket() {
        assert_eq!(
            showqrcode_url("gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=="),
            "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw%3D%3D"
        );
        assert!(showqrcode_url("a/b+c&d").ends_with("a%2Fb%2Bc%26d"));
    }

    #[test]
    fn request_bodies_and_limits() {
        let perm = QrRequest::Permanent { scene: QrScene::Id(123) }.body().expect("body");
        assert_eq!(perm, json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 123}}}));
        let temp = QrRequest::Temporary { scene: QrScene::Str("dept-1".into()), expire_seconds: 60 }.body().expect("body");
        assert_eq!(temp["action_name"], "QR_STR_SCENE");
        assert_eq!(temp["expire_seconds"], 60);
        assert!(QrRequest::Permanent { scene: QrScene::Id(100_001) }.body().is_err());
        assert!(QrRequest::Permanent { scene: QrScene::Str("x".repeat(65)) }.body().is_err());
        assert!(QrRequest::Temporary { scene: QrScene::Id(1), expire_seconds: MAX_EXPIRE_SECONDS + 1 }.body().is_err());
    }
}
