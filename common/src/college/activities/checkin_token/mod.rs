//! The rotating check-in token behind the QR display (seed 002 §5: 二维码每25s自动刷新, so a
//! code photographed and sent to a friend stops working within a minute).
//!
//! Stateless: nothing is stored per code. Time is cut into windows of [`WINDOW_SECS`],
//! `w = floor(unix_seconds / 25)`, and the token for an item in window `w` is
//!
//! ```text
//! base64url( version ‖ key id length ‖ key id ‖ activity id ‖ item id ‖ w ‖ MAC )
//! MAC = HMAC-SHA256(secret of key id, "yizhan-checkin" ‖ everything before it)[..16]
//! ```
//!
//! (ids and `w` as 8-byte big-endian integers). A token verifies in its own window and the
//! next one, so a scan just after the display turned over still counts. The MAC is compared
//! in constant time. Keys carry an id, and every configured key verifies while only the active
//! one signs ([`CheckinKeys`]), so a key rotates without downtime: add the new one, make it
//! active, drop the old one a minute later.
//!
//! Nothing in the token names a user: a check-in belongs to whoever is signed in when scanning
//! (and `activity_clockins`' `UNIQUE (item_id, user_id)` makes a repeated scan harmless). The
//! clock is passed in (`now`), never read here, so tests can stand on a window's edge.

mod display;
mod keys;
#[cfg(test)]
mod tests;

pub use display::DisplayPass;
pub use keys::CheckinKeys;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How long one code is shown.
pub const WINDOW_SECS: i64 = 25;
/// The format written into the first byte.
const VERSION: u8 = 1;
/// Bytes of the MAC kept (128 bits).
pub(super) const MAC_LEN: usize = 16;
/// Activity id, item id and window.
const FIELDS_LEN: usize = 24;
/// Mixed into the MAC so that these keys sign nothing else by accident.
const CONTEXT: &[u8] = b"yizhan-checkin";
/// Seed 004's meeting check-in (会议签到) uses the same tokens under its own context, so a
/// meeting's code never checks anyone in to an activity of the same id, nor the other way round.
const MEETING_CONTEXT: &[u8] = b"yizhan-checkin-meeting";
/// The item id written into a meeting's token (a meeting has one check-in).
const MEETING_ITEM: i64 = 0;

/// Why a scanned token was refused; [`TokenError::code`] is the API's stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of this format (bad base64, wrong length, unknown version).
    #[error("not a check-in code")]
    Malformed,
    /// Signed with a key that is not configured (any more).
    #[error("signed with an unknown key")]
    UnknownKey,
    /// The MAC does not match: made or changed by someone without the key.
    #[error("the code's signature does not match")]
    Forged,
    /// Outside the current and the previous window.
    #[error("the code has expired")]
    Expired,
    /// A genuine code of another activity.
    #[error("the code belongs to another activity")]
    WrongActivity,
    /// A genuine code of another check-in item of the activity.
    #[error("the code belongs to another check-in item")]
    WrongItem,
}

impl TokenError {
    /// `malformed`, `unknown_key`, `forged`, `expired`, `wrong_activity` or `wrong_item`.
    pub fn code(self) -> &'static str {
        match self {
            TokenError::Malformed => "malformed",
            TokenError::UnknownKey => "unknown_key",
            TokenError::Forged => "forged",
            TokenError::Expired => "expired",
            TokenError::WrongActivity => "wrong_activity",
            TokenError::WrongItem => "wrong_item",
        }
    }
}

/// What a verified token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    pub activity_id: i64,
    pub item_id: i64,
    /// The window it was made for.
    pub window: i64,
}

/// The window `now` falls in.
pub fn window_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(WINDOW_SECS)
}

/// Whole seconds until the next window (1 to 25), for the display's countdown and refresh.
pub fn seconds_left(now: DateTime<Utc>) -> i64 {
    WINDOW_SECS - now.timestamp().rem_euclid(WINDOW_SECS)
}

/// HMAC-SHA256 of `context ‖ signed`, cut to [`MAC_LEN`]: the check-in token's and the display
/// pass's (each with its own context, so neither verifies as the other).
pub(super) fn mac(context: &[u8], secret: &[u8], signed: &[u8]) -> [u8; MAC_LEN] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(context);
    mac.update(signed);
    let full = mac.finalize().into_bytes();
    let mut out = [0; MAC_LEN];
    out.copy_from_slice(&full[..MAC_LEN]);
    out
}

pub(super) fn i64_at(bytes: &[u8], at: usize) -> i64 {
    let mut be = [0; 8];
    be.copy_from_slice(&bytes[at..at + 8]);
    i64::from_be_bytes(be)
}

impl CheckinKeys {
    /// The token for `item` of `activity` in the window of `now`, signed with the active key.
    pub fn sign(&self, activity_id: i64, item_id: i64, now: DateTime<Utc>) -> String {
        self.sign_in(CONTEXT, activity_id, item_id, now)
    }

    /// Checks a scanned token at `now` for `activity_id` and, when the caller knows which item
    /// it scans for, `item_id` (`None`: any item; the token names it). The signature is checked
    /// before anything the token says is believed.
    pub fn verify(&self, token: &str, activity_id: i64, item_id: Option<i64>, now: DateTime<Utc>) -> Result<Scanned, TokenError> {
        self.verify_in(CONTEXT, token, activity_id, item_id, now)
    }

    /// The token for meeting `meeting_id` in the window of `now` (the meeting's id stands where
    /// an activity's would; a code of another meeting is refused as `WrongActivity`).
    pub fn sign_meeting(&self, meeting_id: i64, now: DateTime<Utc>) -> String {
        self.sign_in(MEETING_CONTEXT, meeting_id, MEETING_ITEM, now)
    }

    /// Checks a scanned meeting code, as [`CheckinKeys::verify`] does an activity's.
    pub fn verify_meeting(&self, token: &str, meeting_id: i64, now: DateTime<Utc>) -> Result<Scanned, TokenError> {
        self.verify_in(MEETING_CONTEXT, token, meeting_id, Some(MEETING_ITEM), now)
    }

    fn sign_in(&self, context: &[u8], activity_id: i64, item_id: i64, now: DateTime<Utc>) -> String {
        let (kid, secret) = self.active();
        let mut bytes = Vec::with_capacity(2 + kid.len() + FIELDS_LEN + MAC_LEN);
        bytes.push(VERSION);
        bytes.push(u8::try_from(kid.len()).expect("key ids are checked to be short"));
        bytes.extend_from_slice(kid.as_bytes());
        bytes.extend_from_slice(&activity_id.to_be_bytes());
        bytes.extend_from_slice(&item_id.to_be_bytes());
        bytes.extend_from_slice(&window_of(now).to_be_bytes());
        let tag = mac(context, secret, &bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn verify_in(&self, context: &[u8], token: &str, activity_id: i64, item_id: Option<i64>, now: DateTime<Utc>) -> Result<Scanned, TokenError> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| TokenError::Malformed)?;
        let (&version, rest) = bytes.split_first().ok_or(TokenError::Malformed)?;
        let (&kid_len, rest) = rest.split_first().ok_or(TokenError::Malformed)?;
        let kid_len = usize::from(kid_len);
        if version != VERSION || kid_len == 0 || rest.len() != kid_len + FIELDS_LEN + MAC_LEN {
            return Err(TokenError::Malformed);
        }
        let secret = self.secret_of(&rest[..kid_len]).ok_or(TokenError::UnknownKey)?;
        let (signed, given) = bytes.split_at(bytes.len() - MAC_LEN);
        if !bool::from(mac(context, secret, signed).ct_eq(given)) {
            return Err(TokenError::Forged);
        }
        let fields = 2 + kid_len;
        let scanned = Scanned { activity_id: i64_at(&bytes, fields), item_id: i64_at(&bytes, fields + 8), window: i64_at(&bytes, fields + 16) };
        if scanned.activity_id != activity_id {
            return Err(TokenError::WrongActivity);
        }
        if item_id.is_some_and(|item| item != scanned.item_id) {
            return Err(TokenError::WrongItem);
        }
        // Only this window and the one before; a later one (a signer whose clock runs fast) is
        // not valid yet, and is refused alike.
        let current = window_of(now);
        if scanned.window != current && scanned.window != current - 1 {
            return Err(TokenError::Expired);
        }
        Ok(scanned)
    }
}
