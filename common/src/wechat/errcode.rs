//! WeChat errcodes → the outcome classes of the job pipeline. One table; see
//! `shared/notes/wechat.md`, "How the errcodes map to job outcomes".
//!
//! Codes not in the table are classed [`ErrClass::Transient`] (and logged with a warning by
//! [`classify`]): WeChat rejected the call, so retrying cannot send a message twice; the job's
//! bounded retries end in the dead set where an operator sees the code, while a wrong
//! `Permanent` would silently drop work that a retry (or a configuration fix) would have done.

/// What a job does with a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrClass {
    /// Retry with exponential backoff and jitter.
    Transient,
    /// Reschedule to the next minute; no attempt spent.
    RateLimited,
    /// Park until the quota resets; alert.
    Quota,
    /// Compare-and-delete the cached token, fetch again, retry once.
    TokenInvalid,
    /// Record and stop.
    Permanent,
    /// WeChat already did it: success.
    AlreadyDone,
}

/// `(errcode, class, meaning)`. Every known code is listed exactly once.
pub const ERRCODES: &[(i64, ErrClass, &str)] = &[
    (-1, ErrClass::Transient, "system busy"),
    (45011, ErrClass::RateLimited, "API minute quota (per user)"),
    (45066, ErrClass::RateLimited, "mass send retried too fast"),
    (45009, ErrClass::Quota, "API daily quota reached"),
    (40001, ErrClass::TokenInvalid, "access_token invalid (or AppSecret wrong)"),
    (40014, ErrClass::TokenInvalid, "access_token malformed"),
    (42001, ErrClass::TokenInvalid, "access_token expired"),
    (43101, ErrClass::Permanent, "user refused the subscription / no grant left"),
    (47003, ErrClass::Permanent, "template data invalid"),
    (40037, ErrClass::Permanent, "invalid template_id"),
    (41030, ErrClass::Permanent, "invalid page"),
    (40003, ErrClass::Permanent, "invalid openid"),
    (43004, ErrClass::Permanent, "user does not follow the account"),
    (45015, ErrClass::Permanent, "outside the customer-service window"),
    (45047, ErrClass::Permanent, "customer-service messages over the count"),
    (48001, ErrClass::Permanent, "API not authorised for this account"),
    (40029, ErrClass::Permanent, "invalid js_code / OAuth code"),
    (40163, ErrClass::Permanent, "code already used"),
    (40226, ErrClass::Permanent, "high-risk user"),
    (40125, ErrClass::Permanent, "invalid AppSecret"),
    (40164, ErrClass::Permanent, "caller IP not whitelisted"),
    (40013, ErrClass::Permanent, "invalid appid"),
    (45065, ErrClass::AlreadyDone, "mass send with this clientmsgid already done"),
];

/// The class of a known errcode, or `None` when the table does not list it.
pub fn lookup(errcode: i64) -> Option<ErrClass> {
    ERRCODES.iter().find(|(code, _, _)| *code == errcode).map(|(_, class, _)| *class)
}

/// The class of any non-zero errcode (unknown codes: `Transient`, with a warning).
pub fn classify(errcode: i64) -> ErrClass {
    lookup(errcode).unwrap_or_else(|| {
        tracing::warn!(wechat.errcode = errcode, "unknown WeChat errcode; treating it as transient");
        ErrClass::Transient
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_notes_table_holds() {
        let expect = [
            (ErrClass::Transient, &[-1][..]),
            (ErrClass::RateLimited, &[45011]),
            (ErrClass::Quota, &[45009]),
            (ErrClass::TokenInvalid, &[40001, 40014, 42001]),
            (
                ErrClass::Permanent,
                &[43101, 47003, 40037, 41030, 40003, 43004, 45015, 45047, 48001, 40029, 40163],
            ),
            (ErrClass::AlreadyDone, &[45065]),
        ];
        for (class, codes) in expect {
            for code in codes {
                assert_eq!(lookup(*code), Some(class), "errcode {code}");
                assert_eq!(classify(*code), class, "errcode {code}");
            }
        }
    }

    #[test]
    fn each_code_is_listed_once() {
        let mut seen = HashSet::new();
        for (code, _, _) in ERRCODES {
            assert!(seen.insert(*code), "errcode {code} listed twice");
        }
        assert!(lookup(0).is_none(), "0 is success, not an error");
    }

    #[test]
    fn unknown_codes_are_transient() {
        assert_eq!(lookup(99999), None);
        assert_eq!(classify(99999), ErrClass::Transient);
    }
}
