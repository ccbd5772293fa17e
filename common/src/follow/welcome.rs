//! The passive reply to a follow: `欢迎关注，点击进入 <department> 科室` with a link, unless the
//! department has its own text.

/// The welcome text for a department; `{name}` in a custom text is replaced by the name.
pub fn welcome_text(name: &str, custom: Option<&str>, page_url: Option<&str>) -> String {
    let text = match custom.filter(|t| !t.trim().is_empty()) {
        Some(custom) => custom.replace("{name}", name),
        None => format!("欢迎关注，点击进入 {name} 科室"),
    };
    match page_url.filter(|u| !u.trim().is_empty()) {
        Some(url) => format!("<a href=\"{}\">{text}</a>", url.replace('"', "%22")),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::welcome_text;

    #[test]
    fn default_and_custom_texts() {
        assert_eq!(welcome_text("309脊柱", None, None), "欢迎关注，点击进入 309脊柱 科室");
        assert_eq!(
            welcome_text("309脊柱", None, Some("https://h.example/d/1")),
            "<a href=\"https://h.example/d/1\">欢迎关注，点击进入 309脊柱 科室</a>"
        );
        assert_eq!(welcome_text("骨科", Some("您好，{name}欢迎您"), None), "您好，骨科欢迎您");
    }
}
