//! Subscribe-message keyword limits as WeChat enforces them: an over-long or empty value is 47003
//! naming the field (WeChat does not truncate).

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// `Err(reason)` when WeChat would refuse `value` for keyword `key`.
pub fn check_keyword(key: &str, value: &str) -> Result<(), String> {
    let kind = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let len = value.chars().count();
    if value.trim().is_empty() {
        return Err(format!("data.{key}.value is empty"));
    }
    let max = match kind {
        "thing" => 20,
        "number" | "letter" | "character_string" => 32,
        "symbol" | "phrase" => 5,
        "phone_number" => 17,
        "car_number" => 8,
        "name" if value.chars().any(is_cjk) => 10,
        "name" => 20,
        _ => usize::MAX,
    };
    if len > max {
        return Err(format!("argument invalid! data.{key}.value exceeds {max} characters"));
    }
    let ok = match kind {
        "number" => value.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-'),
        "letter" => value.chars().all(|c| c.is_ascii_alphabetic()),
        "character_string" => value.chars().all(|c| c.is_ascii_graphic()),
        "phrase" => value.chars().all(is_cjk),
        "phone_number" => value.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c)),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("argument invalid! data.{key}.value has characters its type refuses"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_by_type() {
        assert!(check_keyword("thing1", &"x".repeat(20)).is_ok());
        assert!(check_keyword("thing1", &"x".repeat(21)).is_err());
        assert!(check_keyword("phrase2", "预约成功").is_ok());
        assert!(check_keyword("phrase2", "ok").is_err());
        assert!(check_keyword("number3", "12a").is_err());
        assert!(check_keyword("time4", "").is_err());
    }
}
