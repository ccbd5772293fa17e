//! One WeChat HTTP call: a timeout on every request, a bounded body, errcodes turned into
//! [`WechatError`], and URLs logged only with their query values masked.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::WechatError;

/// Most bytes read from one answer.
const MAX_BODY: usize = 1024 * 1024;

/// The HTTP side of the client (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    timeout: Duration,
}

/// `https://host/path?access_token=***&openid=***`: parameter names kept, values hidden.
pub fn mask_url(url: &str) -> String {
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, query),
        None => return url.to_owned(),
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{name}=***"),
            None => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", masked.join("&"))
}

impl Http {
    pub fn new(base: &str, timeout: Duration) -> Result<Self, WechatError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .build()
            .map_err(|e| WechatError::Transport { op: "client", detail: e.to_string(), maybe_delivered: false })?;
        Ok(Self { client, base: base.trim_end_matches('/').to_owned(), timeout })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        op: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, WechatError> {
        let request = self.client.get(self.url(path)).query(query).timeout(self.timeout);
        self.send(op, request).await
    }

    pub async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        op: &'static str,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
    ) -> Result<T, WechatError> {
        let request = self.client.post(self.url(path)).query(query).json(body).timeout(self.timeout);
        self.send(op, request).await
    }

    /// A POST with a body already encoded (a multipart upload).
    pub async fn post_raw<T: DeserializeOwned>(
        &self,
        op: &'static str,
        path: &str,
        query: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<T, WechatError> {
        let request = self.client.post(self.url(path)).query(query).header(reqwest::header::CONTENT_TYPE, content_type).body(body).timeout(self.timeout);
        self.send(op, request).await
    }

    /// A JSON POST whose answer is taken whole when its `errcode` is one of `accept` (45065, a mass
    /// send already made, carries that send's `msg_id`); any other errcode is an error as usual.
    pub async fn post_accepting<B: Serialize + ?Sized>(
        &self,
        op: &'static str,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
        accept: &[i64],
    ) -> Result<serde_json::Value, WechatError> {
        let request = self.client.post(self.url(path)).query(query).json(body).timeout(self.timeout);
        let answer = self.fetch(op, request).await?;
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&answer) {
            if value.get("errcode").and_then(serde_json::Value::as_i64).is_some_and(|c| accept.contains(&c)) {
                return Ok(value);
            }
        }
        decode(op, &answer)
    }

    async fn send<T: DeserializeOwned>(&self, op: &'static str, request: reqwest::RequestBuilder) -> Result<T, WechatError> {
        decode(op, &self.fetch(op, request).await?)
    }

    /// The answer's body (an HTTP error status is an error).
    async fn fetch(&self, op: &'static str, request: reqwest::RequestBuilder) -> Result<Vec<u8>, WechatError> {
        let request = request.build().map_err(|e| WechatError::transport(op, e))?;
        let masked = mask_url(request.url().as_str());
        tracing::debug!(wechat.op = op, http.url = %masked, "calling WeChat");
        let mut response = self.client.execute(request).await.map_err(|e| WechatError::transport(op, e))?;
        let status = response.status();
        if !status.is_success() {
            tracing::debug!(wechat.op = op, http.status = status.as_u16(), "WeChat answered an HTTP error");
            return Err(WechatError::Status { op, status: status.as_u16() });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| WechatError::transport(op, e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(WechatError::Decode { op, detail: format!("answer larger than {MAX_BODY} bytes") });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Reads a WeChat JSON answer: a non-zero `errcode` is an error, anything else is `T`.
pub(crate) fn decode<T: DeserializeOwned>(op: &'static str, body: &[u8]) -> Result<T, WechatError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| WechatError::Decode { op, detail: e.to_string() })?;
    let errcode = value.get("errcode").and_then(serde_json::Value::as_i64).unwrap_or(0);
    if errcode != 0 {
        let errmsg = value.get("errmsg").and_then(serde_json::Value::as_str).unwrap_or_default();
        return Err(WechatError::api(op, errcode, errmsg.chars().take(200).collect()));
    }
    serde_json::from_value(value).map_err(|e| WechatError::Decode { op, detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_query_value() {
        assert_eq!(
            mask_url("https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=S3CR3T&js_code=c"),
            "https://api.weixin.qq.com/sns/jscode2session?appid=***&secret=***&js_code=***"
        );
        assert_eq!(mask_url("http://x/y"), "http://x/y");
    }

    #[test]
    fn decodes_errcodes_and_values() {
        #[derive(serde::Deserialize, Debug)]
        struct Ok1 {
            a: u32,
        }
        let ok: Ok1 = decode("t", br#"{"errcode":0,"errmsg":"ok","a":7}"#).expect("ok");
        assert_eq!(ok.a, 7);
        let err = decode::<Ok1>("t", br#"{"errcode":40001,"errmsg":"invalid credential"}"#).expect_err("err");
        assert_eq!(err.errcode(), Some(40001));
        assert!(matches!(decode::<Ok1>("t", b"<html>"), Err(WechatError::Decode { .. })));
        assert!(matches!(decode::<Ok1>("t", b"{}"), Err(WechatError::Decode { .. })));
    }
}
