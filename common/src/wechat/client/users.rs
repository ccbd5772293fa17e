//! Official Account user info: `GET /cgi-bin/user/info`.

use serde::Deserialize;

use super::{App, WechatClient, WechatError};

/// What WeChat tells about a user of the Official Account (`subscribe == 0`: not following, and
/// then only `openid` and `unionid` are filled).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    #[serde(default)]
    pub subscribe: u8,
    pub openid: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub subscribe_time: Option<i64>,
    #[serde(default)]
    pub unionid: Option<String>,
    #[serde(default)]
    pub remark: Option<String>,
    #[serde(default)]
    pub tagid_list: Vec<u64>,
    #[serde(default)]
    pub subscribe_scene: Option<String>,
    #[serde(default)]
    pub qr_scene: Option<u64>,
    #[serde(default)]
    pub qr_scene_str: Option<String>,
}

impl WechatClient {
    /// One user's info (`lang` `zh_CN`).
    pub async fn user_info(&self, openid: &str) -> Result<UserInfo, WechatError> {
        if openid.trim().is_empty() {
            return Err(WechatError::Invalid("openid: is empty".into()));
        }
        self.with_token(App::Mp, |token| async move {
            let query = [("access_token", token.as_str()), ("openid", openid), ("lang", "zh_CN")];
            self.http().get("user_info", "/cgi-bin/user/info", &query).await
        })
        .await
    }
}
