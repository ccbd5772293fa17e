//! Mainland China mobile numbers, checked before anything is enqueued.

/// The number as SendSms wants it (11 digits, `1[3-9]…`), accepting a `+86`/`86` prefix and
/// spaces or dashes between digit groups; `None` for anything else.
pub fn normalize_mainland_mobile(input: &str) -> Option<String> {
    let digits: String = input.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
    let digits = if digits.len() == 13 { digits.strip_prefix("86").unwrap_or(digits) } else { digits };
    let bytes = digits.as_bytes();
    let ok = bytes.len() == 11 && bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1]) && bytes.iter().all(u8::is_ascii_digit);
    ok.then(|| digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::normalize_mainland_mobile as n;

    #[test]
    fn mainland_mobiles_are_accepted_in_common_spellings() {
        assert_eq!(n("13812345678").as_deref(), Some("13812345678"));
        assert_eq!(n("+86 138-1234-5678").as_deref(), Some("13812345678"));
        assert_eq!(n("8613812345678").as_deref(), Some("13812345678"));
        assert_eq!(n("0086 19912345678").as_deref(), Some("19912345678"));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "1381234567", "138123456789", "12812345678", "23812345678", "1381234567x", "+1 4155550100", "021-12345678"] {
            assert_eq!(n(bad), None, "{bad}");
        }
    }
}
