//! JS-SDK for the H5 pages: the `jsapi_ticket` (`GET /cgi-bin/ticket/getticket?type=jsapi`),
//! cached and shared by every process like the access token (same cache, family
//! `jsapi-ticket`), and the `wx.config` signature over it.

use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use super::{App, FetchedToken, WechatClient, WechatError};

/// The cache family (Redis keys `…:wechat:jsapi-ticket:<appid>`).
pub const JSAPI_FAMILY: &str = "jsapi-ticket";

#[derive(Deserialize)]
struct TicketAnswer {
    ticket: String,
    expires_in: u64,
}

/// What `wx.config({appId, timestamp, nonceStr, signature, jsApiList})` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsSdkConfig {
    pub app_id: String,
    pub timestamp: i64,
    pub nonce_str: String,
    pub signature: String,
}

/// `sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")` in hex; `url` without its `#` part.
pub fn jsapi_signature(ticket: &str, nonce: &str, timestamp: i64, url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let plain = format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}");
    hex::encode(Sha1::digest(plain.as_bytes()))
}

impl WechatClient {
    /// The Official Account's shared `jsapi_ticket`, fetched (with the shared access token) by one
    /// process on a miss.
    pub async fn jsapi_ticket(&self) -> Result<String, WechatError> {
        let appid = self.app(App::Mp)?.appid.clone();
        let fetch = || async move {
            let answer: TicketAnswer = self
                .with_token(App::Mp, |token| async move {
                    self.http().get("getticket", "/cgi-bin/ticket/getticket", &[("access_token", &token), ("type", "jsapi")]).await
                })
                .await?;
            Ok(FetchedToken { access_token: answer.ticket, expires_in: answer.expires_in })
        };
        self.inner.tokens.of_family(JSAPI_FAMILY).get(&appid, fetch).await
    }

    /// The signed `wx.config` for the page at `url`, at `timestamp`.
    pub async fn jssdk_config(&self, url: &str, timestamp: i64) -> Result<JsSdkConfig, WechatError> {
        let ticket = self.jsapi_ticket().await?;
        let nonce_str = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
        let signature = jsapi_signature(&ticket, &nonce_str, timestamp, url);
        let app_id = self.app(App::Mp)?.appid.clone();
        Ok(JsSdkConfig { app_id, timestamp, nonce_str, signature })
    }
}

#[cfg(test)]
mod tests {
    use super::jsapi_signature;

    #[test]
    fn the_signature_matches_wechats_published_example() {
        // The example of the JS-SDK documentation (附录1).
        let got = jsapi_signature(
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            "Wm3WZYTPz0wzccnW",
            1414587457,
            "http://mp.weixin.qq.com?params=value#frag",
        );
        assert_eq!(got, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    }
}
