//! Masking personal identifiers before they reach a log line.

/// `oAbc…wxyz`-style: the first and last four characters of an openid.
pub fn openid(value: &str) -> String {
    keep_ends(value, 4, 4)
}

/// `138****5678`: the first three and last four digits of a phone number.
pub fn phone(value: &str) -> String {
    keep_ends(value, 3, 4)
}

/// The text with every run of 11 or more digits masked as a phone number (server messages that
/// may echo a number).
pub fn phones_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() >= 11 {
            out.push_str(&phone(&digits));
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(1));
    }
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}****{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"), "oUpF****eS6o");
    }

    #[test]
    fn numbers_inside_text_are_masked() {
        assert_eq!(phones_in("bad 13812345678!"), "bad 138****5678!");
        assert_eq!(phones_in("code 123, 13812345678"), "code 123, 138****5678");
    }

    #[test]
    fn short_values_are_fully_hidden() {
        assert_eq!(phone("1234"), "****");
        assert_eq!(openid(""), "*");
    }
}
