//! One map from SendSms results to what the pipeline and the send log do with them.

use chrono::{DateTime, Duration, Utc};

use super::client::SmsError;

/// What a failed send means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsFailure {
    /// May pass (network before sending, 5xx, `Throttling*`, a clock or nonce hiccup): retried
    /// with backoff, spending an attempt.
    Transient,
    /// Flow control for this number (`isv.BUSINESS_LIMIT_CONTROL`): try again at `until`,
    /// spending no attempt.
    FlowControl { until: DateTime<Utc> },
    /// Retrying cannot help (`isv.*`, a bad signature or key): the send fails for good.
    Permanent,
    /// Sent, answer lost: recorded as `unknown`, never resent automatically.
    Unknown,
}

/// Classifies a SendSms error. `now` anchors the flow-control window.
pub fn classify(err: &SmsError, now: DateTime<Utc>) -> SmsFailure {
    match err {
        SmsError::NotSent(_) => SmsFailure::Transient,
        SmsError::Unknown(_) => SmsFailure::Unknown,
        SmsError::Refused { status, code, message, .. } => {
            if code == "isv.BUSINESS_LIMIT_CONTROL" {
                return SmsFailure::FlowControl { until: flow_control_until(message, now) };
            }
            if code.starts_with("isv.") {
                return SmsFailure::Permanent;
            }
            if code.starts_with("Throttling") || *status >= 500 || TRANSIENT_GATEWAY_CODES.contains(&code.as_str()) {
                return SmsFailure::Transient;
            }
            SmsFailure::Permanent
        }
    }
}

/// Gateway refusals that a new request (new nonce, fresh timestamp) can pass.
const TRANSIENT_GATEWAY_CODES: &[&str] =
    &["SignatureNonceUsed", "InvalidTimeStamp.Expired", "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR"];

/// When a number's flow control lifts: Aliyun's message names the window (分钟级 / 小时级 / 天级,
/// or minute / hour / day); a day window ends at Beijing midnight. Unknown wording: one minute.
pub fn flow_control_until(message: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let lower = message.to_ascii_lowercase();
    if message.contains("天级") || lower.contains("day") {
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
        let tomorrow = (now.with_timezone(&beijing).date_naive() + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight");
        return tomorrow.and_local_timezone(beijing).single().map_or(now + Duration::hours(24), |t| t.with_timezone(&Utc));
    }
    if message.contains("小时级") || lower.contains("hour") {
        return now + Duration::hours(1);
    }
    now + Duration::minutes(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, code: &str, message: &str) -> SmsError {
        SmsError::Refused { status, code: code.into(), message: message.into(), request_id: None }
    }

    #[test]
    fn every_class_of_reply_has_its_outcome() {
        let now = Utc::now();
        assert_eq!(classify(&refused(200, "isv.MOBILE_NUMBER_ILLEGAL", ""), now), SmsFailure::Permanent);
        assert_eq!(classify(&refused(200, "isv.AMOUNT_NOT_ENOUGH", ""), now), SmsFailure::Permanent);
        assert_eq!(classify(&refused(400, "SignatureDoesNotMatch", ""), now), SmsFailure::Permanent);
        assert_eq!(classify(&refused(404, "InvalidAccessKeyId.NotFound", ""), now), SmsFailure::Permanent);
        assert_eq!(classify(&refused(400, "Throttling.User", ""), now), SmsFailure::Transient);
        assert_eq!(classify(&refused(503, "ServiceUnavailable", ""), now), SmsFailure::Transient);
        assert_eq!(classify(&refused(502, "HTTP502", ""), now), SmsFailure::Transient);
        assert_eq!(classify(&refused(400, "SignatureNonceUsed", ""), now), SmsFailure::Transient);
        assert_eq!(classify(&SmsError::NotSent("refused".into()), now), SmsFailure::Transient);
        assert_eq!(classify(&SmsError::Unknown("timeout".into()), now), SmsFailure::Unknown);
        assert_eq!(
            classify(&refused(200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"), now),
            SmsFailure::FlowControl { until: now + Duration::minutes(1) }
        );
    }

    #[test]
    fn flow_control_windows_follow_the_message() {
        let now: DateTime<Utc> = "2026-12-03T15:30:00Z".parse().expect("time"); // 23:30 in Beijing
        assert_eq!(flow_control_until("触发小时级流控Permits:5", now), now + Duration::hours(1));
        assert_eq!(flow_control_until("触发天级流控Permits:10", now), "2026-12-03T16:00:00Z".parse::<DateTime<Utc>>().expect("t"));
        assert_eq!(flow_control_until("whatever", now), now + Duration::minutes(1));
    }
}
