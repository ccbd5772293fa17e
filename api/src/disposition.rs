//! `Content-Disposition: attachment` with a file name that survives any characters (RFC 6266 with
//! RFC 5987's `filename*`): an ASCII `filename` for old clients, and the exact UTF-8 name,
//! percent-encoded, that every current browser and WeChat's downloader prefer.

use std::fmt::Write;

use axum::http::HeaderValue;

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded UTF-8>`. Control
/// characters are dropped from both; in the fallback every non-ASCII character, `"`, `\` and `%`
/// (which some clients decode) becomes `_`. An empty name is `download`.
pub fn attachment(filename: &str) -> HeaderValue {
    let name: String = filename.chars().filter(|c| !c.is_control()).collect();
    let name = if name.trim().is_empty() { "download".to_owned() } else { name };
    let fallback: String = name.chars().map(|c| if c.is_ascii() && !matches!(c, '"' | '\\' | '%') { c } else { '_' }).collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    // Only visible ASCII and spaces are left, which a header value always takes.
    HeaderValue::try_from(format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::attachment;

    fn header(name: &str) -> String {
        attachment(name).to_str().expect("ASCII").to_owned()
    }

    #[test]
    fn ascii_names_are_kept_in_both_forms() {
        assert_eq!(header("form-2026.pdf"), "attachment; filename=\"form-2026.pdf\"; filename*=UTF-8''form-2026.pdf");
        assert_eq!(header("a b.pdf"), "attachment; filename=\"a b.pdf\"; filename*=UTF-8''a%20b.pdf");
    }

    #[test]
    fn chinese_names_survive_percent_encoded() {
        assert_eq!(
            header("办事指南.docx"),
            "attachment; filename=\"____.docx\"; filename*=UTF-8''%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97.docx"
        );
    }

    #[test]
    fn quotes_backslashes_and_percent_cannot_break_out_of_the_fallback() {
        assert_eq!(
            header(r#"a"b\c%41.pdf"#),
            "attachment; filename=\"a_b_c_41.pdf\"; filename*=UTF-8''a%22b%5Cc%2541.pdf"
        );
        assert_eq!(header("x\"; filename=evil.exe"), "attachment; filename=\"x_; filename=evil.exe\"; filename*=UTF-8''x%22%3B%20filename%3Devil.exe");
    }

    #[test]
    fn control_characters_are_dropped_and_an_empty_name_has_a_default() {
        assert_eq!(header("a\r\nSet-Cookie: x\u{7f}.pdf"), "attachment; filename=\"aSet-Cookie: x.pdf\"; filename*=UTF-8''aSet-Cookie%3A%20x.pdf");
        assert_eq!(header("\u{1}\t"), "attachment; filename=\"download\"; filename*=UTF-8''download");
    }
}
