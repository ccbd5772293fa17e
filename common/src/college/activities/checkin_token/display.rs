//! The display pass: a short-lived signed link that opens one item's QR display in a browser,
//! which cannot send the API's `Token` header (and the console's cookie is scoped to
//! `/admin/console`, and counselors who operate check-ins cannot sign in there).
//!
//! ```text
//! pass = base64url( 2 ‖ key id length ‖ key id ‖ activity id ‖ item id ‖ user id ‖ expires ‖ MAC )
//! MAC  = HMAC-SHA256(secret of key id, "yizhan-checkin-display" ‖ everything before it)[..16]
//! ```
//!
//! The context string and the version differ from the check-in token's, so a pass is never a
//! check-in code and a code is never a pass. The pass names the user it was issued to: the page
//! checks on every load that this user may still show the activity's codes (an admin, or one of
//! its operators), so removing an operator ends their links at the next refresh.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use super::{i64_at, mac, CheckinKeys, MAC_LEN};

const VERSION: u8 = 2;
/// Activity, item, user and expiry.
const FIELDS_LEN: usize = 32;
const CONTEXT: &[u8] = b"yizhan-checkin-display";

/// What a verified pass says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayPass {
    pub activity_id: i64,
    pub item_id: i64,
    /// Who it was issued to.
    pub user_id: i64,
    /// Unix seconds after which it opens nothing.
    pub expires: i64,
}

impl CheckinKeys {
    /// A pass for the display of `pass.item_id`, signed with the active key.
    pub fn sign_display(&self, pass: DisplayPass) -> String {
        let (kid, secret) = self.active();
        let mut bytes = Vec::with_capacity(2 + kid.len() + FIELDS_LEN + MAC_LEN);
        bytes.push(VERSION);
        bytes.push(u8::try_from(kid.len()).expect("key ids are checked to be short"));
        bytes.extend_from_slice(kid.as_bytes());
        for field in [pass.activity_id, pass.item_id, pass.user_id, pass.expires] {
            bytes.extend_from_slice(&field.to_be_bytes());
        }
        let tag = mac(CONTEXT, secret, &bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The pass, if it is genuine, for this activity and item, and not expired at `now`.
    pub fn verify_display(&self, pass: &str, activity_id: i64, item_id: i64, now: DateTime<Utc>) -> Option<DisplayPass> {
        let bytes = URL_SAFE_NO_PAD.decode(pass.trim()).ok()?;
        let (&version, rest) = bytes.split_first()?;
        let (&kid_len, rest) = rest.split_first()?;
        let kid_len = usize::from(kid_len);
        if version != VERSION || kid_len == 0 || rest.len() != kid_len + FIELDS_LEN + MAC_LEN {
            return None;
        }
        let secret = self.secret_of(&rest[..kid_len])?;
        let (signed, given) = bytes.split_at(bytes.len() - MAC_LEN);
        if !bool::from(mac(CONTEXT, secret, signed).ct_eq(given)) {
            return None;
        }
        let at = |i: usize| i64_at(&bytes, 2 + kid_len + 8 * i);
        let pass = DisplayPass { activity_id: at(0), item_id: at(1), user_id: at(2), expires: at(3) };
        (pass.activity_id == activity_id && pass.item_id == item_id && now.timestamp() < pass.expires).then_some(pass)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_pass_opens_its_own_display_until_it_expires() {
        let keys = CheckinKeys::development();
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).single().expect("time");
        let pass = DisplayPass { activity_id: 7, item_id: 9, user_id: 3, expires: now.timestamp() + 60 };
        let signed = keys.sign_display(pass);
        assert_eq!(keys.verify_display(&signed, 7, 9, now), Some(pass));
        assert_eq!(keys.verify_display(&signed, 7, 10, now), None, "another item");
        assert_eq!(keys.verify_display(&signed, 8, 9, now), None, "another activity");
        assert_eq!(keys.verify_display(&signed, 7, 9, now + chrono::Duration::seconds(60)), None, "expired");
        let other = CheckinKeys::parse("dev:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", None).expect("keys");
        assert_eq!(other.verify_display(&signed, 7, 9, now), None, "same key id, another secret");
        // A pass is not a check-in code, nor a code a pass.
        assert!(keys.verify(&signed, 7, None, now).is_err());
        assert_eq!(keys.verify_display(&keys.sign(7, 9, now), 7, 9, now), None);
    }
}
