//! Safe-mode payload encryption: AES-256-CBC, IV = key[0..16], PKCS#7 padded to a 32-byte block;
//! plaintext = random(16) ‖ u32_be(len) ‖ msg ‖ appid.

use aes::cipher::{generic_array::GenericArray, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::alphabet::STANDARD as STANDARD_ALPHABET;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine;
use rand::RngCore;

use super::CallbackError;

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// WeChat pads to 32-byte blocks, not to the AES block size.
const PAD_BLOCK: usize = 32;
const AES_BLOCK: usize = 16;

/// EncodingAESKeys are random base64 characters, so the two bits left after the 32 bytes are often
/// non-zero: decode them leniently.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD_ALPHABET,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// The key and appid of one Official Account; the key never appears in `Debug` output.
#[derive(Clone)]
pub struct MessageCrypto {
    key: [u8; 32],
    appid: String,
}

impl std::fmt::Debug for MessageCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageCrypto").field("appid", &self.appid).finish_non_exhaustive()
    }
}

impl MessageCrypto {
    /// `encoding_aes_key` is the 43-character EncodingAESKey from the Official Account settings.
    pub fn new(encoding_aes_key: &str, appid: &str) -> Result<Self, CallbackError> {
        let trimmed = encoding_aes_key.trim();
        if trimmed.len() != 43 {
            return Err(CallbackError::BadKey);
        }
        let bytes = LENIENT.decode(format!("{trimmed}=")).map_err(|_| CallbackError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CallbackError::BadKey)?;
        Ok(Self { key, appid: appid.to_owned() })
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    fn iv(&self) -> [u8; AES_BLOCK] {
        let mut iv = [0u8; AES_BLOCK];
        iv.copy_from_slice(&self.key[..AES_BLOCK]);
        iv
    }

    /// Encrypts `msg` with fresh random bytes; returns the base64 `Encrypt` value.
    pub fn encrypt(&self, msg: &str) -> String {
        let mut random = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut random);
        self.encrypt_with_random(msg, random)
    }

    /// Encrypts with the given 16 random bytes (deterministic, for tests).
    pub fn encrypt_with_random(&self, msg: &str, random: [u8; 16]) -> String {
        let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
        let mut plain = Vec::with_capacity(20 + msg.len() + self.appid.len() + PAD_BLOCK);
        plain.extend_from_slice(&random);
        plain.extend_from_slice(&len.to_be_bytes());
        plain.extend_from_slice(msg.as_bytes());
        plain.extend_from_slice(self.appid.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        // pad is in 1..=32, so it always fits a byte.
        plain.resize(plain.len() + pad, pad as u8);
        let mut enc = Enc::new(&self.key.into(), &self.iv().into());
        for block in plain.chunks_exact_mut(AES_BLOCK) {
            enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
        }
        STANDARD.encode(plain)
    }

    /// Decrypts a base64 `Encrypt` value, checks the padding and the appid trailer.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CallbackError> {
        let mut buf =
            STANDARD.decode(encrypted.trim()).map_err(|_| CallbackError::Crypto("not base64"))?;
        if buf.len() < PAD_BLOCK || buf.len() % AES_BLOCK != 0 {
            return Err(CallbackError::Crypto("length is not a whole number of blocks"));
        }
        let mut dec = Dec::new(&self.key.into(), &self.iv().into());
        for block in buf.chunks_exact_mut(AES_BLOCK) {
            dec.decrypt_block_mut(GenericArray::from_mut_slice(block));
        }
        let pad = usize::from(*buf.last().ok_or(CallbackError::Crypto("empty"))?);
        if !(1..=PAD_BLOCK).contains(&pad) || buf[buf.len() - pad..].iter().any(|&b| usize::from(b) != pad) {
            return Err(CallbackError::Crypto("bad padding"));
        }
        buf.truncate(buf.len() - pad);
        let content = buf.get(16..).ok_or(CallbackError::Crypto("too short"))?;
        let len_bytes: [u8; 4] = content
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or(CallbackError::Crypto("too short"))?;
        let msg_len = usize::try_from(u32::from_be_bytes(len_bytes))
            .map_err(|_| CallbackError::Crypto("bad length"))?;
        let rest = &content[4..];
        if msg_len > rest.len() {
            return Err(CallbackError::Crypto("length exceeds payload"));
        }
        let (msg, appid) = rest.split_at(msg_len);
        if appid != self.appid.as_bytes() {
            return Err(CallbackError::AppIdMismatch);
        }
        String::from_utf8(msg.to_vec()).map_err(|_| CallbackError::Crypto("message is not UTF-8"))
    }

    /// Decrypts and also returns the pad length (for tests against the published vector).
    #[cfg(test)]
    fn pad_of(&self, encrypted: &str) -> Option<u8> {
        let mut buf = STANDARD.decode(encrypted.trim()).ok()?;
        let mut dec = Dec::new(&self.key.into(), &self.iv().into());
        for block in buf.chunks_exact_mut(AES_BLOCK) {
            dec.decrypt_block_mut(GenericArray::from_mut_slice(block));
        }
        buf.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APPID: &str = "wxb11529c136998cb6";

    fn sample() -> &'static str {
        include_str!("testdata/sample_encrypt.txt").trim()
    }

    #[test]
    fn decrypts_the_published_sample() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        let msg = crypto.decrypt(sample()).expect("decrypt");
        assert_eq!(msg.len(), 293);
        assert!(msg.contains("<Content><![CDATA[hello]]></Content>"), "{msg}");
        assert!(msg.contains("<MsgId>12345</MsgId>"), "{msg}");
        assert_eq!(crypto.pad_of(sample()), Some(21));
    }

    #[test]
    fn wrong_appid_is_refused() {
        let crypto = MessageCrypto::new(KEY, "wx0000000000000000").expect("key");
        assert_eq!(crypto.decrypt(sample()), Err(CallbackError::AppIdMismatch));
    }

    #[test]
    fn round_trips_any_length() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        for len in [0usize, 1, 11, 12, 31, 32, 33, 100, 1000] {
            let msg = "x".repeat(len) + "中文";
            let sealed = crypto.encrypt(&msg);
            assert_eq!(crypto.decrypt(&sealed).as_deref(), Ok(msg.as_str()));
        }
        let fixed = crypto.encrypt_with_random("hi", [7; 16]);
        assert_eq!(fixed, crypto.encrypt_with_random("hi", [7; 16]));
        assert_ne!(crypto.encrypt("hi"), crypto.encrypt("hi"), "random prefix differs per call");
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(MessageCrypto::new("short", APPID).err(), Some(CallbackError::BadKey));
        let not_b64 = "!".repeat(43);
        assert_eq!(MessageCrypto::new(&not_b64, APPID).err(), Some(CallbackError::BadKey));
        assert!(format!("{:?}", MessageCrypto::new(KEY, APPID).expect("key")).contains(APPID));
        assert!(!format!("{:?}", MessageCrypto::new(KEY, APPID).expect("key")).contains("abcdef"));
    }

    #[test]
    fn hostile_ciphertexts_give_errors_not_panics() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        let cases = [
            String::new(),
            "%%%".into(),
            STANDARD.encode([0u8; 15]),
            STANDARD.encode([0u8; 16]),
            STANDARD.encode([0u8; 33]),
            STANDARD.encode([0u8; 64]),
            STANDARD.encode([0xffu8; 4096]),
        ];
        for case in cases {
            assert!(crypto.decrypt(&case).is_err(), "{case}");
        }
        // A valid envelope whose length field claims more than there is.
        let other = MessageCrypto::new(KEY, "").expect("key");
        let mut raw = Vec::from([0u8; 16]);
        raw.extend_from_slice(&u32::MAX.to_be_bytes());
        raw.resize(32, 0);
        raw.extend_from_slice(&[32u8; 32]);
        let mut enc = Enc::new(&other.key.into(), &other.iv().into());
        for block in raw.chunks_exact_mut(AES_BLOCK) {
            enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
        }
        assert_eq!(other.decrypt(&STANDARD.encode(raw)), Err(CallbackError::Crypto("length exceeds payload")));
    }

    #[test]
    fn tampered_padding_is_refused() {
        let crypto = MessageCrypto::new(KEY, APPID).expect("key");
        let mut raw = STANDARD.decode(sample()).expect("b64");
        let last = raw.len() - 1;
        raw[last] ^= 0x55;
        assert!(crypto.decrypt(&STANDARD.encode(raw)).is_err());
    }
}
