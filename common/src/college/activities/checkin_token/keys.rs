//! The check-in token keys: a set `key id → secret`, one of them active for signing, all of
//! them for verifying, read from `CHECKIN_TOKEN_KEYS` and `CHECKIN_TOKEN_KID`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use secrecy::{ExposeSecret, SecretSlice, SecretString};

use crate::config::EnvReader;

/// The shortest secret accepted, in bytes (HMAC-SHA256 wants at least its output size).
pub const MIN_SECRET_BYTES: usize = 32;
/// The longest key id: it travels in every token.
pub const MAX_KID_LEN: usize = 16;

/// The development key used when no keys are configured and `YIZHAN_ENV` says `development` or
/// `test` (never otherwise): anyone can read it here, so it guards nothing.
const DEV_KID: &str = "dev";
const DEV_SECRET: &[u8] = b"yizhan development check-in key, not a secret!";

/// Signing and verifying keys for check-in tokens. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct CheckinKeys {
    secrets: BTreeMap<String, SecretSlice<u8>>,
    active: String,
}

impl CheckinKeys {
    /// Keys from `(key id, secret)` pairs and the id of the one that signs.
    pub fn new(keys: impl IntoIterator<Item = (String, Vec<u8>)>, active: &str) -> Result<Self, String> {
        let mut secrets = BTreeMap::new();
        for (kid, secret) in keys {
            if kid.is_empty() || kid.len() > MAX_KID_LEN || !kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(format!("key id `{kid}` must be 1 to {MAX_KID_LEN} of A-Z, a-z, 0-9, `-`, `_`"));
            }
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!("the secret of key `{kid}` has {} bytes; at least {MIN_SECRET_BYTES} are needed", secret.len()));
            }
            if secrets.insert(kid.clone(), SecretSlice::from(secret)).is_some() {
                return Err(format!("key id `{kid}` appears twice"));
            }
        }
        if !secrets.contains_key(active) {
            return Err(format!("the active key `{active}` is not among the keys"));
        }
        Ok(Self { secrets, active: active.to_owned() })
    }

    /// Parses `kid:base64secret,kid:…` (standard or URL-safe base64) and the active key id,
    /// which may be left out when there is one key. Errors never quote a secret.
    pub fn parse(keys: &str, active: Option<&str>) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for entry in keys.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((kid, secret)) = entry.split_once(':') else {
                return Err("each key is `kid:base64secret`, separated by commas".into());
            };
            let kid = kid.trim().to_owned();
            let secret = secret.trim();
            let bytes = STANDARD
                .decode(secret)
                .or_else(|_| URL_SAFE_NO_PAD.decode(secret.trim_end_matches('=')))
                .map_err(|_| format!("the secret of key `{kid}` is not base64"))?;
            pairs.push((kid, bytes));
        }
        let active = match (active, pairs.as_slice()) {
            (Some(active), _) => active.trim().to_owned(),
            (None, [(only, _)]) => only.clone(),
            (None, []) => return Err("no keys given".into()),
            (None, _) => return Err("several keys: CHECKIN_TOKEN_KID must name the one that signs".into()),
        };
        Self::new(pairs, &active)
    }

    /// `CHECKIN_TOKEN_KEYS` (`kid:base64secret,…`, a secret: never logged) and
    /// `CHECKIN_TOKEN_KID` (the signing key's id; optional with one key). Unset keys give the
    /// development key when `YIZHAN_ENV` is set to `development` or `test`, and `None` (check-in
    /// codes off) otherwise.
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let kid: Option<String> = env.maybe("CHECKIN_TOKEN_KID");
        let Some(keys) = EnvReader::maybe_secret("CHECKIN_TOKEN_KEYS") else {
            let mode: Option<String> = env.maybe("YIZHAN_ENV");
            if kid.is_some() {
                env.invalid("CHECKIN_TOKEN_KID", "set without CHECKIN_TOKEN_KEYS");
                return None;
            }
            return matches!(mode.as_deref(), Some("development" | "test")).then(Self::development);
        };
        Self::from_secret(env, &keys, kid.as_deref())
    }

    fn from_secret(env: &mut EnvReader, keys: &SecretString, kid: Option<&str>) -> Option<Self> {
        match Self::parse(keys.expose_secret(), kid) {
            Ok(keys) => Some(keys),
            Err(why) => {
                env.invalid("CHECKIN_TOKEN_KEYS", why);
                None
            }
        }
    }

    /// The well-known development key.
    pub fn development() -> Self {
        Self::new([(DEV_KID.to_owned(), DEV_SECRET.to_vec())], DEV_KID).expect("the development key is valid")
    }

    /// The id of the signing key.
    pub fn active_kid(&self) -> &str {
        &self.active
    }

    pub(super) fn active(&self) -> (&str, &[u8]) {
        let secret = self.secrets.get(&self.active).expect("the active key is among the keys (checked in `new`)");
        (&self.active, secret.expose_secret())
    }

    pub(super) fn secret_of(&self, kid: &[u8]) -> Option<&[u8]> {
        let kid = std::str::from_utf8(kid).ok()?;
        self.secrets.get(kid).map(|s| s.expose_secret())
    }
}
