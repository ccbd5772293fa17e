//! Passive replies: the XML answered in the body of the callback response.

use std::fmt::Write;

/// A passive reply to one inbound message or event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The user's openid (the inbound `FromUserName`).
    pub to_user: String,
    /// The Official Account's original id (the inbound `ToUserName`).
    pub from_user: String,
    pub create_time: i64,
    pub body: ReplyBody,
}

/// What the reply carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyBody {
    Text { content: String },
    Image { media_id: String },
    Voice { media_id: String },
    Video { media_id: String, title: String, description: String },
    Music { title: String, description: String, music_url: String, hq_music_url: String, thumb_media_id: String },
    /// At most 8 articles are shown; extra ones are dropped when serialising.
    News { articles: Vec<Article> },
}

/// One article of a news reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub title: String,
    pub description: String,
    pub pic_url: String,
    pub url: String,
}

/// WeChat shows at most this many articles in one news reply.
pub const MAX_ARTICLES: usize = 8;

/// Writes `value` as CDATA: a `]]>` inside is split across two sections and characters XML does
/// not allow are dropped.
pub(super) fn cdata(out: &mut String, value: &str) {
    out.push_str("<![CDATA[");
    let clean: String = value.chars().filter(|&c| is_xml_char(c)).collect();
    out.push_str(&clean.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

pub(super) fn tag_cdata(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, "<{name}>");
    cdata(out, value);
    let _ = write!(out, "</{name}>");
}

impl Reply {
    /// A text reply to `inbound`-style addressing.
    pub fn text(to_user: &str, from_user: &str, create_time: i64, content: &str) -> Self {
        Self {
            to_user: to_user.to_owned(),
            from_user: from_user.to_owned(),
            create_time,
            body: ReplyBody::Text { content: content.to_owned() },
        }
    }

    /// The reply document.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("<xml>");
        tag_cdata(&mut out, "ToUserName", &self.to_user);
        tag_cdata(&mut out, "FromUserName", &self.from_user);
        let _ = write!(out, "<CreateTime>{}</CreateTime>", self.create_time);
        match &self.body {
            ReplyBody::Text { content } => {
                tag_cdata(&mut out, "MsgType", "text");
                tag_cdata(&mut out, "Content", content);
            }
            ReplyBody::Image { media_id } => {
                tag_cdata(&mut out, "MsgType", "image");
                out.push_str("<Image>");
                tag_cdata(&mut out, "MediaId", media_id);
                out.push_str("</Image>");
            }
            ReplyBody::Voice { media_id } => {
                tag_cdata(&mut out, "MsgType", "voice");
                out.push_str("<Voice>");
                tag_cdata(&mut out, "MediaId", media_id);
                out.push_str("</Voice>");
            }
            ReplyBody::Video { media_id, title, description } => {
                tag_cdata(&mut out, "MsgType", "video");
                out.push_str("<Video>");
                tag_cdata(&mut out, "MediaId", media_id);
                tag_cdata(&mut out, "Title", title);
                tag_cdata(&mut out, "Description", description);
                out.push_str("</Video>");
            }
            ReplyBody::Music { title, description, music_url, hq_music_url, thumb_media_id } => {
                tag_cdata(&mut out, "MsgType", "music");
                out.push_str("<Music>");
                tag_cdata(&mut out, "Title", title);
                tag_cdata(&mut out, "Description", description);
                tag_cdata(&mut out, "MusicUrl", music_url);
                tag_cdata(&mut out, "HQMusicUrl", hq_music_url);
                tag_cdata(&mut out, "ThumbMediaId", thumb_media_id);
                out.push_str("</Music>");
            }
            ReplyBody::News { articles } => {
                let shown = &articles[..articles.len().min(MAX_ARTICLES)];
                tag_cdata(&mut out, "MsgType", "news");
                let _ = write!(out, "<ArticleCount>{}</ArticleCount><Articles>", shown.len());
                for a in shown {
                    out.push_str("<item>");
                    tag_cdata(&mut out, "Title", &a.title);
                    tag_cdata(&mut out, "Description", &a.description);
                    tag_cdata(&mut out, "PicUrl", &a.pic_url);
                    tag_cdata(&mut out, "Url", &a.url);
                    out.push_str("</item>");
                }
                out.push_str("</Articles>");
            }
        }
        out.push_str("</xml>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::xml::{parse_xml, Limits};
    use super::*;

    #[test]
    fn text_reply_matches_the_documented_shape() {
        let xml = Reply::text("oUser", "gh_123", 12345678, "欢迎关注，点击进入 xx 科室").to_xml();
        assert_eq!(
            xml,
            "<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_123]]></FromUserName>\
             <CreateTime>12345678</CreateTime><MsgType><![CDATA[text]]></MsgType>\
             <Content><![CDATA[欢迎关注，点击进入 xx 科室]]></Content></xml>"
        );
    }

    #[test]
    fn cdata_terminator_inside_content_survives_a_round_trip() {
        let hostile = "a]]><evil/>&amp;]]]]>z\u{0}\u{1}";
        let xml = Reply::text("o", "gh", 1, hostile).to_xml();
        let root = parse_xml(xml.as_bytes(), Limits::MESSAGE).expect("reply parses");
        assert_eq!(root.child_text("Content"), Some("a]]><evil/>&amp;]]]]>z"));
        assert_eq!(root.children.len(), 5, "no injected element");
    }

    #[test]
    fn news_and_media_replies_serialise() {
        let article = Article { title: "T".into(), description: "D".into(), pic_url: "P".into(), url: "U".into() };
        let reply = Reply {
            to_user: "o".into(),
            from_user: "gh".into(),
            create_time: 1,
            body: ReplyBody::News { articles: vec![article; 10] },
        };
        let root = parse_xml(reply.to_xml().as_bytes(), Limits::MESSAGE).expect("parse");
        assert_eq!(root.child_text("ArticleCount"), Some("8"));
        assert_eq!(root.child("Articles").map(|a| a.children.len()), Some(8));
        let image = Reply { body: ReplyBody::Image { media_id: "m1".into() }, ..reply };
        let root = parse_xml(image.to_xml().as_bytes(), Limits::MESSAGE).expect("parse");
        assert_eq!(root.child("Image").and_then(|i| i.child_text("MediaId")), Some("m1"));
        assert_eq!(root.child_text("MsgType"), Some("image"));
    }
}
