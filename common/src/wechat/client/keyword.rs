//! Subscribe-message keyword values, checked and shortened by type before sending (WeChat answers
//! 47003 otherwise). The type is the key's letters before its digits: `thing1` → `thing`.
//!
//! Free text (`thing`, `name`, `phrase`) is truncated to its limit; values whose meaning a cut
//! would change (numbers, codes, phone and car numbers, times, amounts) are refused instead.

use super::WechatError;

/// The keyword types WeChat documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordType {
    Thing,
    Number,
    Letter,
    Symbol,
    CharacterString,
    Time,
    Date,
    Amount,
    PhoneNumber,
    CarNumber,
    Name,
    Phrase,
    /// A type this code does not know; the value is sent as given.
    Other,
}

impl KeywordType {
    /// `thing12` → `Thing`; `character_string3` → `CharacterString`.
    pub fn of_key(key: &str) -> Self {
        match key.trim_end_matches(|c: char| c.is_ascii_digit()) {
            "thing" => Self::Thing,
            "number" => Self::Number,
            "letter" => Self::Letter,
            "symbol" => Self::Symbol,
            "character_string" => Self::CharacterString,
            "time" => Self::Time,
            "date" => Self::Date,
            "amount" => Self::Amount,
            "phone_number" => Self::PhoneNumber,
            "car_number" => Self::CarNumber,
            "name" => Self::Name,
            "phrase" => Self::Phrase,
            _ => Self::Other,
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

fn truncate(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

fn refuse(key: &str, why: &str) -> WechatError {
    WechatError::Invalid(format!("data.{key}: {why}"))
}

fn check(ok: bool, key: &str, why: &str) -> Result<(), WechatError> {
    if ok {
        Ok(())
    } else {
        Err(refuse(key, why))
    }
}

/// The value to send for `key`, or `Invalid` naming the field.
pub fn prepare_keyword(key: &str, value: &str) -> Result<String, WechatError> {
    let value = value.trim();
    check(!value.is_empty(), key, "is empty")?;
    let len = value.chars().count();
    match KeywordType::of_key(key) {
        KeywordType::Thing => Ok(truncate(value, 20)),
        KeywordType::Number => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            let ok = digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                && digits.chars().filter(|&c| c == '.').count() <= 1
                && digits.chars().any(|c| c.is_ascii_digit());
            check(ok, key, "must be a number")?;
            check(len <= 32, key, "has more than 32 characters")?;
            Ok(value.to_owned())
        }
        KeywordType::Letter => {
            check(value.chars().all(|c| c.is_ascii_alphabetic()), key, "must be letters only")?;
            check(len <= 32, key, "has more than 32 letters")?;
            Ok(value.to_owned())
        }
        KeywordType::Symbol => {
            check(len <= 5, key, "has more than 5 symbols")?;
            Ok(value.to_owned())
        }
        KeywordType::CharacterString => {
            check(value.chars().all(|c| c.is_ascii_graphic()), key, "must be letters, digits or symbols")?;
            check(len <= 32, key, "has more than 32 characters")?;
            Ok(value.to_owned())
        }
        KeywordType::Time | KeywordType::Date => {
            let ok = value.chars().all(|c| c.is_ascii_digit() || " -:/.~年月日时分秒".contains(c))
                && value.chars().any(|c| c.is_ascii_digit());
            check(ok, key, "must be a 24-hour time or date (a range with ~)")?;
            check(len <= 64, key, "is too long for a time or date")?;
            Ok(value.to_owned())
        }
        KeywordType::Amount => {
            check(is_amount(value), key, "must be an amount: a currency sign, up to 10 digits, optional decimals, optional 元")?;
            Ok(value.to_owned())
        }
        KeywordType::PhoneNumber => {
            let ok = value.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c));
            check(ok, key, "must be a phone number")?;
            check(len <= 17, key, "has more than 17 characters")?;
            Ok(value.to_owned())
        }
        KeywordType::CarNumber => {
            let chars: Vec<char> = value.chars().collect();
            let inner_ok = chars.iter().enumerate().all(|(i, c)| {
                c.is_ascii_alphanumeric() || ((i == 0 || i + 1 == chars.len()) && is_cjk(*c))
            });
            check(inner_ok, key, "must be a car number")?;
            check(len <= 8, key, "has more than 8 characters")?;
            Ok(value.to_owned())
        }
        KeywordType::Name => {
            let limit = if value.chars().any(is_cjk) { 10 } else { 20 };
            Ok(truncate(value, limit))
        }
        KeywordType::Phrase => {
            check(value.chars().all(is_cjk), key, "must be Chinese characters only")?;
            Ok(truncate(value, 5))
        }
        KeywordType::Other => Ok(value.to_owned()),
    }
}

fn is_amount(value: &str) -> bool {
    let body = value.trim_start_matches(['¥', '￥', '$', '€', '£']);
    let body = body.strip_suffix('元').unwrap_or(body);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    !int.is_empty()
        && int.len() <= 10
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.len() <= 2
        && frac.chars().all(|c| c.is_ascii_digit())
        && !(body.contains('.') && frac.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(key: &str, value: &str) -> String {
        prepare_keyword(key, value).expect("accepted")
    }

    fn refused(key: &str, value: &str) -> bool {
        matches!(prepare_keyword(key, value), Err(WechatError::Invalid(msg)) if msg.starts_with(&format!("data.{key}")))
    }

    #[test]
    fn type_is_the_letters_before_the_digits() {
        assert_eq!(KeywordType::of_key("thing1"), KeywordType::Thing);
        assert_eq!(KeywordType::of_key("character_string12"), KeywordType::CharacterString);
        assert_eq!(KeywordType::of_key("phone_number3"), KeywordType::PhoneNumber);
        assert_eq!(KeywordType::of_key("short_thing1"), KeywordType::Other);
    }

    #[test]
    fn free_text_is_truncated() {
        assert_eq!(ok("thing1", &"科".repeat(25)), "科".repeat(20));
        assert_eq!(ok("thing1", "  骨科门诊  "), "骨科门诊");
        assert_eq!(ok("name2", "欧阳娜娜娜娜娜娜娜娜娜娜"), "欧阳娜娜娜娜娜娜娜娜");
        assert_eq!(ok("name2", &"a".repeat(25)), "a".repeat(20));
        assert_eq!(ok("phrase3", "预约成功了呀啊"), "预约成功了");
        assert!(refused("phrase3", "ok"));
    }

    #[test]
    fn structured_values_are_checked_not_cut() {
        assert_eq!(ok("number1", "-12.5"), "-12.5");
        assert!(refused("number1", &"1".repeat(33)));
        assert!(refused("number1", "12a"));
        assert!(refused("letter1", "abc1"));
        assert!(refused("letter1", &"a".repeat(33)));
        assert_eq!(ok("symbol1", "%%"), "%%");
        assert!(refused("symbol1", "%%%%%%"));
        assert_eq!(ok("character_string1", "A-20231201-001"), "A-20231201-001");
        assert!(refused("character_string1", &"x".repeat(33)));
        assert!(refused("character_string1", "中文"));
        assert_eq!(ok("time1", "2019-10-01 15:01 ~ 2019-10-01 16:00"), "2019-10-01 15:01 ~ 2019-10-01 16:00");
        assert_eq!(ok("date2", "2019年10月1日"), "2019年10月1日");
        assert!(refused("time1", "tomorrow"));
        assert_eq!(ok("amount1", "¥100.50元"), "¥100.50元");
        assert_eq!(ok("amount1", "100"), "100");
        assert!(refused("amount1", "¥12345678901"));
        assert!(refused("amount1", "1.234"));
        assert_eq!(ok("phone_number1", "+86-138 0013 8000"), "+86-138 0013 8000");
        assert!(refused("phone_number1", "+86-138-0013-8000-99"));
        assert_eq!(ok("car_number1", "粤A12345"), "粤A12345");
        assert!(refused("car_number1", "粤A1234567"));
        assert!(refused("car_number1", "A粤1234"));
        assert!(refused("thing1", "   "));
        assert_eq!(ok("enum1", "anything goes"), "anything goes");
    }
}
