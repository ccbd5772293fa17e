//! WeChat's checks on subscribe-message keyword values, by the keyword's type (its name's
//! letters before the digits: `thing1` is a `thing`). A value that fails answers 47003.

/// Why a value is refused, or `None` when WeChat would accept it.
pub fn check(key: &str, value: &str) -> Option<String> {
    let kind: String = key.chars().take_while(|c| c.is_ascii_alphabetic() || *c == '_').collect();
    let kind = kind.trim_end_matches('_');
    let chars = value.chars().count();
    let bad = match kind {
        "thing" => chars == 0 || chars > 20,
        "number" => chars == 0 || chars > 32 || !value.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "letter" => chars == 0 || chars > 32 || !value.chars().all(|c| c.is_ascii_alphabetic()),
        "symbol" => chars == 0 || chars > 5,
        "character_string" => chars == 0 || chars > 32 || !value.is_ascii(),
        "phone_number" => chars == 0 || chars > 17 || !value.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)),
        "car_number" => chars == 0 || chars > 8,
        "name" => chars == 0 || if value.is_ascii() { chars > 20 } else { chars > 10 },
        "phrase" => chars == 0 || chars > 5 || value.chars().any(|c| c.is_ascii_alphanumeric()),
        "time" => !is_time(value),
        "date" => !value.split('~').all(|p| is_date(p.trim())),
        "amount" => !is_amount(value),
        _ => chars == 0 || chars > 20,
    };
    bad.then(|| format!("argument invalid! data.{key}.value invalid"))
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() || chrono::NaiveDate::parse_from_str(s, "%Y年%m月%d日").is_ok()
}

fn is_clock(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok() || chrono::NaiveTime::parse_from_str(s, "%H:%M:%S").is_ok()
}

/// `15:01`, `2019-10-01 15:01`, `2019年10月1日 15:01`, or a `~` range of them (the end may be a bare time).
fn is_time(s: &str) -> bool {
    let one = |p: &str| {
        let p = p.trim();
        is_clock(p) || is_date(p) || p.rsplit_once(' ').is_some_and(|(d, t)| is_date(d.trim()) && is_clock(t))
    };
    !s.trim().is_empty() && s.split('~').all(one)
}

fn is_amount(s: &str) -> bool {
    let digits = s.trim().trim_start_matches('¥').trim_end_matches('元');
    !digits.is_empty() && digits.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_what_wechat_accepts() {
        assert_eq!(check("thing1", "张三"), None);
        assert_eq!(check("time3", "2026-12-01 08:00~12:00"), None);
        assert_eq!(check("time3", "15:01"), None);
        assert_eq!(check("date2", "2026年12月1日"), None);
        assert_eq!(check("amount4", "¥10.00"), None);
        assert_eq!(check("phrase1", "已预约"), None);
    }

    #[test]
    fn refuses_what_wechat_refuses() {
        assert!(check("thing1", &"长".repeat(21)).is_some());
        assert!(check("thing1", "").is_some());
        assert!(check("time3", "2023-12-18 上午").is_some());
        assert!(check("number1", "12a").is_some());
        assert!(check("phrase1", "太长的短语啊").is_some());
        assert!(check("name2", "一二三四五六七八九十一").is_some());
    }
}
