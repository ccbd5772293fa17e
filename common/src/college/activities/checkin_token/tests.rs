//! The token at a window's edges (an injected clock), each refusal, key rotation, and a change
//! to any byte of a token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};

use super::*;

const ACTIVITY: i64 = 42;
const ITEM: i64 = 7;

fn keys(pairs: &[(&str, u8)], active: &str) -> CheckinKeys {
    CheckinKeys::new(pairs.iter().map(|(kid, fill)| ((*kid).to_owned(), vec![*fill; 32])), active).expect("keys")
}

/// The `second`th second (0–24) of window `w`.
fn at(w: i64, second: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(w * WINDOW_SECS + second, 0).single().expect("time")
}

/// A window of today's times, so the arithmetic is the real one.
const W: i64 = 70_000_000;

#[test]
fn a_token_verifies_in_its_window_and_the_next_only() {
    let keys = keys(&[("k1", 1)], "k1");
    let token = keys.sign(ACTIVITY, ITEM, at(W, 24)); // the last second of w
    let ok = Ok(Scanned { activity_id: ACTIVITY, item_id: ITEM, window: W });
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W, 0)), ok);
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W, 24)), ok);
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W + 1, 0)), ok, "first second of w+1");
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W + 1, 24)), ok, "last second of w+1");
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W + 2, 0)), Err(TokenError::Expired), "w+2");
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W + 100, 0)), Err(TokenError::Expired));
    // A token of a later window (its signer's clock ran fast) is not valid yet.
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM), at(W - 1, 24)), Err(TokenError::Expired));
    // The first second of w signs w, not w-1.
    assert_eq!(keys.verify(&keys.sign(ACTIVITY, ITEM, at(W, 0)), ACTIVITY, None, at(W, 0)).map(|s| s.window), Ok(W));
}

#[test]
fn seconds_left_count_down_to_the_boundary() {
    assert_eq!(seconds_left(at(W, 0)), 25);
    assert_eq!(seconds_left(at(W, 1)), 24);
    assert_eq!(seconds_left(at(W, 24)), 1);
    assert_eq!(window_of(at(W, 24)), W);
    assert_eq!(window_of(at(W + 1, 0)), W + 1);
    // Before 1970 the windows still floor.
    let before = Utc.timestamp_opt(-1, 0).single().expect("time");
    assert_eq!((window_of(before), seconds_left(before)), (-1, 1));
}

#[test]
fn another_activity_or_item_is_refused_by_name() {
    let keys = keys(&[("k1", 1)], "k1");
    let token = keys.sign(ACTIVITY, ITEM, at(W, 3));
    assert_eq!(keys.verify(&token, ACTIVITY + 1, Some(ITEM), at(W, 3)), Err(TokenError::WrongActivity));
    assert_eq!(keys.verify(&token, ACTIVITY, Some(ITEM + 1), at(W, 3)), Err(TokenError::WrongItem));
    assert_eq!(keys.verify(&token, ACTIVITY, None, at(W, 3)).map(|s| s.item_id), Ok(ITEM), "any item: the token names it");
}

#[test]
fn meeting_codes_and_activity_codes_never_stand_for_each_other() {
    let keys = keys(&[("k1", 1)], "k1");
    let meeting = keys.sign_meeting(ACTIVITY, at(W, 3));
    assert_eq!(keys.verify_meeting(&meeting, ACTIVITY, at(W + 1, 3)).map(|s| s.activity_id), Ok(ACTIVITY));
    assert_eq!(keys.verify_meeting(&meeting, ACTIVITY, at(W + 2, 0)), Err(TokenError::Expired));
    assert_eq!(keys.verify_meeting(&meeting, ACTIVITY + 1, at(W, 3)), Err(TokenError::WrongActivity));
    // Same id, same window: the other context's MAC does not match.
    assert_eq!(keys.verify(&meeting, ACTIVITY, None, at(W, 3)), Err(TokenError::Forged));
    let activity = keys.sign(ACTIVITY, 0, at(W, 3));
    assert_eq!(keys.verify_meeting(&activity, ACTIVITY, at(W, 3)), Err(TokenError::Forged));
}

#[test]
fn keys_rotate_without_refusing_codes_on_display() {
    let old = keys(&[("old", 1)], "old");
    let both = keys(&[("old", 1), ("new", 2)], "new");
    let new_only = keys(&[("new", 2)], "new");
    let shown = old.sign(ACTIVITY, ITEM, at(W, 5));
    assert_eq!(both.verify(&shown, ACTIVITY, Some(ITEM), at(W, 6)).map(|s| s.window), Ok(W), "an older configured key verifies");
    let fresh = both.sign(ACTIVITY, ITEM, at(W, 6));
    assert_eq!(both.active_kid(), "new");
    assert!(new_only.verify(&fresh, ACTIVITY, Some(ITEM), at(W, 6)).is_ok());
    assert_eq!(old.verify(&fresh, ACTIVITY, Some(ITEM), at(W, 6)), Err(TokenError::UnknownKey));
    assert_eq!(new_only.verify(&shown, ACTIVITY, Some(ITEM), at(W, 6)), Err(TokenError::UnknownKey), "a dropped key");
    // The same key id with another secret: a forgery.
    let impostor = keys(&[("new", 3)], "new");
    assert_eq!(new_only.verify(&impostor.sign(ACTIVITY, ITEM, at(W, 6)), ACTIVITY, Some(ITEM), at(W, 6)), Err(TokenError::Forged));
}

#[test]
fn a_change_to_any_byte_is_refused() {
    // "k0" is "k1" with one bit changed: a configured key whose MAC differs.
    let keys = keys(&[("k1", 1), ("k0", 2)], "k1");
    let token = keys.sign(ACTIVITY, ITEM, at(W, 10));
    let bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
    assert_eq!(bytes.len(), 2 + 2 + 24 + 16);
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut changed = bytes.clone();
            changed[i] ^= 1 << bit;
            let refused = keys.verify(&URL_SAFE_NO_PAD.encode(&changed), ACTIVITY, Some(ITEM), at(W, 10));
            let expected = match i {
                0 | 1 => TokenError::Malformed, // version, key id length
                2 | 3 if changed[2..4] == *b"k0" => TokenError::Forged,
                2 | 3 => TokenError::UnknownKey,
                _ => TokenError::Forged, // ids, window and MAC are all under the MAC
            };
            assert_eq!(refused, Err(expected), "byte {i} bit {bit}");
        }
    }
}

#[test]
fn what_is_not_a_token_is_malformed() {
    let keys = keys(&[("k1", 1)], "k1");
    let token = keys.sign(ACTIVITY, ITEM, at(W, 10));
    let bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
    let encoded = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    let mut longer = bytes.clone();
    longer.push(0);
    let mut no_kid = bytes.clone();
    no_kid[1] = 0;
    for bad in ["", "!!!!", "a", &format!("{token}="), &encoded(&bytes[..bytes.len() - 1]), &encoded(&longer), &encoded(&no_kid), &encoded(&[1])] {
        assert_eq!(keys.verify(bad, ACTIVITY, Some(ITEM), at(W, 10)), Err(TokenError::Malformed), "{bad:?}");
    }
    let mut version_2 = bytes;
    version_2[0] = 2;
    assert_eq!(keys.verify(&encoded(&version_2), ACTIVITY, Some(ITEM), at(W, 10)), Err(TokenError::Malformed));
}

#[test]
fn codes_are_stable() {
    let codes: Vec<&str> = [TokenError::Malformed, TokenError::UnknownKey, TokenError::Forged, TokenError::Expired, TokenError::WrongActivity, TokenError::WrongItem]
        .into_iter()
        .map(TokenError::code)
        .collect();
    assert_eq!(codes, ["malformed", "unknown_key", "forged", "expired", "wrong_activity", "wrong_item"]);
}

#[test]
fn key_settings_parse_and_refuse_without_quoting_secrets() {
    let secret = STANDARD_32;
    let one = CheckinKeys::parse(&format!("k1:{secret}"), None).expect("one key");
    assert_eq!(one.active_kid(), "k1");
    let two = CheckinKeys::parse(&format!(" k1:{secret} , k2:{} ", secret.trim_end_matches('=')), Some("k2")).expect("two keys");
    assert_eq!(two.active_kid(), "k2");
    let refused = |keys: &str, kid: Option<&str>| CheckinKeys::parse(keys, kid).map(|k| k.active_kid().to_owned()).expect_err("refused");
    assert!(refused(&format!("k1:{secret},k2:{secret}"), None).contains("CHECKIN_TOKEN_KID"));
    assert!(refused(&format!("k1:{secret}"), Some("k9")).contains("`k9`"));
    assert!(refused(&format!("k1:{secret},k1:{secret}"), Some("k1")).contains("twice"));
    assert!(refused("k1:c2hvcnQ=", None).contains("at least 32"));
    assert!(refused("k1:not base64!", None).contains("not base64"));
    assert!(refused(&format!("bad kid:{secret}"), None).contains("key id"));
    assert!(refused(secret, None).contains("kid:base64secret"));
    assert!(refused("", None).contains("no keys"));
    for why in [refused(&format!("k1:{secret},k1:{secret}"), Some("k1")), refused("k1:c2hvcnQ=", None)] {
        assert!(!why.contains("c2hvcnQ") && !why.contains(&secret[..8]), "{why}");
    }
    // `Debug` shows no secret either.
    assert!(!format!("{one:?}").contains("48, 49"), "{one:?}");
    let dev = CheckinKeys::development();
    assert!(dev.verify(&dev.sign(1, 2, at(W, 0)), 1, Some(2), at(W, 1)).is_ok());
}

/// 32 bytes in standard base64 with padding.
const STANDARD_32: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
