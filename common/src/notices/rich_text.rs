//! Notice bodies are rich text: HTML sanitized on save with an allowlist, so what is stored can be
//! shown as HTML on the notice page as it is. Kept: `p`, `br`, `b`/`strong`, `i`/`em`, `u`,
//! `a[href]` (http and https only; `rel="noopener noreferrer nofollow"` added), `ul`/`ol`/`li`,
//! `h3`/`h4`, `img[src, alt]` (http and https only), `blockquote`. Any other tag is dropped (its
//! text kept, escaped), `script` and `style` with their content; every other attribute (`on*`,
//! `style`, `class`…) is dropped, as are `javascript:`/`data:` and relative URLs; comments go.
//! Plain text comes out as the same text, HTML-escaped.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

static ALLOWLIST: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.tags(HashSet::from(["p", "br", "b", "strong", "i", "em", "u", "a", "ul", "ol", "li", "h3", "h4", "img", "blockquote"]))
        .tag_attributes(HashMap::from([("a", HashSet::from(["href"])), ("img", HashSet::from(["src", "alt"]))]))
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .strip_comments(true);
    b
});

/// The body as it is stored and shown: only the allowed tags and attributes.
pub fn sanitize(body: &str) -> String {
    ALLOWLIST.clean(body).to_string()
}

/// The body's text without tags (a preview), whitespace runs collapsed.
pub fn text_of(html: &str) -> String {
    let text = Builder::empty().clean(html).to_string();
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&nbsp;", " ").replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn the_allowed_markup_stays() {
        let html = r#"<h3>奖学金</h3><p>请<b>周五</b>前提交，<a href="https://school.test/a?x=1&amp;y=2">表格</a>。</p><ul><li>一</li></ul><img src="http://school.test/c.png" alt="封面"><blockquote><em>注</em></blockquote>"#;
        let clean = sanitize(html);
        assert!(clean.contains("<h3>奖学金</h3>") && clean.contains("<b>周五</b>") && clean.contains("<ul><li>一</li></ul>"), "{clean}");
        assert!(clean.contains(r#"<a href="https://school.test/a?x=1&amp;y=2" rel="noopener noreferrer nofollow">表格</a>"#), "{clean}");
        assert!(clean.contains(r#"<img src="http://school.test/c.png" alt="封面">"#), "{clean}");
    }

    #[test]
    fn hostile_markup_goes() {
        for (hostile, gone) in [
            (r#"<script>alert(1)</script>hi"#, "alert"),
            (r#"<img src=x onerror="alert(1)">"#, "onerror"),
            (r#"<img src="javascript:alert(1)">"#, "javascript"),
            (r#"<a href="javascript:alert(1)">x</a>"#, "javascript"),
            (r#"<a href="JaVaScRiPt&#58;alert(1)">x</a>"#, "alert"),
            (r#"<a href=" javascript:alert(1)">x</a>"#, "alert"),
            (r#"<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>"#, "data:"),
            (r#"<a href="/relative">x</a>"#, "relative"),
            (r#"<p style="background:url(javascript:alert(1))" class="x" onclick="y()">t</p>"#, "style"),
            (r#"<svg><script>alert(1)</script></svg>"#, "alert"),
            (r#"<iframe src="https://evil.test"></iframe>"#, "iframe"),
            (r#"<style>body{display:none}</style>x"#, "display"),
            (r#"<!-- <script>alert(1)</script> -->x"#, "alert"),
            (r#"<math><mi xlink:href="javascript:alert(1)">x</mi></math>"#, "javascript"),
            (r#"<form action="https://evil.test"><input name=a></form>"#, "form"),
            (r#"<p onmouseover=alert(1)>x</p>"#, "onmouseover"),
            (r#"<<script>script>alert(1)<</script>/script>"#, "<script"),
            (r#"<img src="https://ok.test/a.png" srcset="javascript:alert(1)">"#, "srcset"),
        ] {
            let clean = sanitize(hostile);
            assert!(!clean.to_lowercase().contains(gone), "{hostile} → {clean}");
            assert!(!clean.contains("<script"), "{hostile} → {clean}");
        }
    }

    #[test]
    fn plain_text_is_kept_and_escaped() {
        assert_eq!(sanitize("请于周五前提交材料。"), "请于周五前提交材料。");
        assert_eq!(sanitize("a < b & c"), "a &lt; b &amp; c");
        assert_eq!(super::text_of("<p>甲&amp;乙</p>\n<p>丙</p>"), "甲&乙 丙");
    }
}
