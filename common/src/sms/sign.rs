//! Aliyun RPC request signatures: v1 (`HMAC-SHA1`, a `Signature` parameter) and v3
//! (`ACS3-HMAC-SHA256`, an `Authorization` header). Pure functions, shared with the simulator,
//! which verifies what the client signs. Both are tested on the vectors Aliyun publishes.

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// RFC 3986: everything but `A-Za-z0-9-_.~` is escaped (space `%20`, `*` `%2A`, `~` kept).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Percent-encodes one key or value the way both signature versions require.
pub fn pe(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// `k=v&…` sorted by key (then value), keys and values percent-encoded; `Signature` is left out.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        params.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (pe(k), pe(v))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Decodes `k=v&…` (a query string or a form body; `+` is a space) into pairs, in order.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// v1: `base64(HMAC-SHA1(secret + "&", METHOD & pe("/") & pe(canonical)))`.
pub fn v1_signature(method: &str, params: &[(String, String)], secret: &str) -> String {
    let string_to_sign = format!("{method}&{}&{}", pe("/"), pe(&canonical_query(params)));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The parts of a v3 request that are signed. `headers` are the signed headers (lowercase names,
/// trimmed values); the caller sends exactly these.
#[derive(Debug, Clone)]
pub struct V3Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub hashed_payload: &'a str,
}

impl V3Request<'_> {
    /// `host;x-acs-…` sorted.
    pub fn signed_headers(&self) -> String {
        let mut names: Vec<String> = self.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
        names.sort();
        names.join(";")
    }

    pub fn canonical_request(&self) -> String {
        let mut headers: Vec<(String, String)> =
            self.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned())).collect();
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.path,
            canonical_query(self.query),
            canonical_headers,
            self.signed_headers(),
            self.hashed_payload
        )
    }

    /// Lowercase hex `HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(sha256(canonical request)))`.
    pub fn signature(&self, secret: &str) -> String {
        let string_to_sign = format!("{V3_ALGORITHM}\n{}", sha256_hex(self.canonical_request().as_bytes()));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(string_to_sign.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The `Authorization` header value.
    pub fn authorization(&self, access_key_id: &str, secret: &str) -> String {
        format!(
            "{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={},Signature={}",
            self.signed_headers(),
            self.signature(secret)
        )
    }
}

/// The fields of an `Authorization: ACS3-HMAC-SHA256 …` header: credential, signed headers, signature.
pub fn parse_v3_authorization(value: &str) -> Option<(String, Vec<String>, String)> {
    let rest = value.strip_prefix(V3_ALGORITHM)?.trim();
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v.to_owned()),
            "SignedHeaders" => signed = Some(v.split(';').map(str::to_owned).collect()),
            "Signature" => signature = Some(v.to_owned()),
            _ => {}
        }
    }
    Some((credential?, signed?, signature?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    /// The SendSms example of Aliyun's v1 signature documentation.
    #[test]
    fn v1_matches_the_published_sendsms_vector() {
        let params = pairs(&[
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        assert_eq!(v1_signature("GET", &params, "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        // A `Signature` already among the parameters is not signed.
        let mut with_sig = params.clone();
        with_sig.push(("Signature".into(), "zJDF+Lrzhj/ThnlvIToysFRq6t4=".into()));
        assert_eq!(v1_signature("GET", &with_sig, "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        assert_ne!(v1_signature("GET", &params, "testSecreT"), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    }

    /// The RunInstances example of Aliyun's "V3 request structure and signature" page.
    #[test]
    fn v3_matches_the_published_vector() {
        let query = pairs(&[
            ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
            ("RegionId", "cn-shanghai"),
        ]);
        let empty = sha256_hex(b"");
        let headers = pairs(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-content-sha256", &empty),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-version", "2014-05-26"),
        ]);
        let request = V3Request { method: "POST", path: "/", query: &query, headers: &headers, hashed_payload: &empty };
        assert_eq!(
            sha256_hex(request.canonical_request().as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            request.authorization("YourAccessKeyId", "YourAccessKeySecret"),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;\
             x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        let parsed = parse_v3_authorization(&request.authorization("id", "s")).expect("parses");
        assert_eq!(parsed.0, "id");
        assert_eq!(parsed.1.len(), 6);
    }

    #[test]
    fn percent_encoding_is_rfc3986() {
        assert_eq!(pe("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
        let params = pairs(&[("TemplateParam", "{\"a\":\"b c\"}"), ("SignName", "驿站")]);
        assert_eq!(parse_query(&canonical_query(&params)), pairs(&[("SignName", "驿站"), ("TemplateParam", "{\"a\":\"b c\"}")]));
    }
}
