//! Safe-mode envelopes: the inbound `<xml><ToUserName/><Encrypt/></xml>` and the encrypted reply
//! `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`.

use super::crypto::MessageCrypto;
use super::reply::tag_cdata;
use super::signature::{signature, verify_signature};
use super::xml::{parse_xml, Limits};
use super::CallbackError;

/// Checks `msg_signature` over the envelope's `Encrypt` and returns the decrypted document.
pub fn open_envelope(
    crypto: &MessageCrypto,
    token: &str,
    timestamp: &str,
    nonce: &str,
    msg_signature: &str,
    body: &[u8],
) -> Result<String, CallbackError> {
    let root = parse_xml(body, Limits::ENVELOPE)?;
    let encrypt = root.child_text("Encrypt").map(str::trim).filter(|e| !e.is_empty());
    let encrypt = encrypt.ok_or(CallbackError::Field("Encrypt"))?;
    if !verify_signature(&[token, timestamp, nonce, encrypt], msg_signature) {
        return Err(CallbackError::BadSignature);
    }
    crypto.decrypt(encrypt)
}

/// An encrypted passive reply and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedReply {
    pub encrypt: String,
    pub msg_signature: String,
    pub timestamp: String,
    pub nonce: String,
}

impl SealedReply {
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.encrypt.len() + 200);
        out.push_str("<xml>");
        tag_cdata(&mut out, "Encrypt", &self.encrypt);
        tag_cdata(&mut out, "MsgSignature", &self.msg_signature);
        out.push_str("<TimeStamp>");
        out.push_str(&self.timestamp);
        out.push_str("</TimeStamp>");
        tag_cdata(&mut out, "Nonce", &self.nonce);
        out.push_str("</xml>");
        out
    }
}

/// Encrypts a reply document and signs it.
pub fn seal_envelope(
    crypto: &MessageCrypto,
    token: &str,
    reply_xml: &str,
    timestamp: &str,
    nonce: &str,
) -> SealedReply {
    let encrypt = crypto.encrypt(reply_xml);
    let msg_signature = signature(&[token, timestamp, nonce, &encrypt]);
    SealedReply { encrypt, msg_signature, timestamp: timestamp.to_owned(), nonce: nonce.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APPID: &str = "wxb11529c136998cb6";

    fn sample_body() -> String {
        let encrypt = include_str!("testdata/sample_encrypt.txt").trim();
        format!("<xml><ToUserName><![CDATA[asdasdasd]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    }

    #[test]
    fn opens_the_published_sample() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        let sig = "4f3ad57b6989f09f4eb392acce4f9e93942ed890";
        let xml = open_envelope(&crypto, "pamtest", "1458300676", "260774613", sig, sample_body().as_bytes())
            .expect("open");
        assert_eq!(xml.len(), 293);
    }

    #[test]
    fn a_wrong_msg_signature_is_refused_before_decrypting() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        let bad = "4f3ad57b6989f09f4eb392acce4f9e93942ed891";
        let got = open_envelope(&crypto, "pamtest", "1458300676", "260774613", bad, sample_body().as_bytes());
        assert_eq!(got, Err(CallbackError::BadSignature));
        let got = open_envelope(&crypto, "pamtest", "1458300677", "260774613", bad, sample_body().as_bytes());
        assert_eq!(got, Err(CallbackError::BadSignature));
        let empty = open_envelope(&crypto, "pamtest", "1", "2", bad, b"<xml><Encrypt></Encrypt></xml>");
        assert_eq!(empty, Err(CallbackError::Field("Encrypt")));
    }

    #[test]
    fn sealed_reply_opens_again() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        let reply = "<xml><Content><![CDATA[hi]]></Content></xml>";
        let sealed = seal_envelope(&crypto, "pamtest", reply, "1700000000", "n0nce");
        let xml = sealed.to_xml();
        let root = parse_xml(xml.as_bytes(), Limits::ENVELOPE).expect("envelope parses");
        assert_eq!(root.child_text("MsgSignature"), Some(sealed.msg_signature.as_str()));
        assert_eq!(root.child_text("TimeStamp"), Some("1700000000"));
        assert_eq!(root.child_text("Nonce"), Some("n0nce"));
        let opened = open_envelope(&crypto, "pamtest", "1700000000", "n0nce", &sealed.msg_signature, xml.as_bytes());
        assert_eq!(opened.as_deref(), Ok(reply));
    }
}
