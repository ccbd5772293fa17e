//! Masking personal identifiers before they reach a log line.

/// `oAbc…wxyz`-style: the first and last four characters of an openid.
pub fn openid(value: &str) -> String {
    keep_ends(value, 4, 4)
}

/// `138****5678`: the first three and last four digits of a phone number.
pub fn phone(value: &str) -> String {
    keep_ends(value, 3, 4)
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
    fn short_values_are_fully_hidden() {
        assert_eq!(phone("1234"), "****");
        assert_eq!(openid(""), "*");
    }
}
