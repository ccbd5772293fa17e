//! Permanent material for news (图文) mass sends: the cover image
//! (`POST /cgi-bin/material/add_material?type=image`, multipart field `media`) and the article
//! (`POST /cgi-bin/material/add_news`), with WeChat's rules checked before the call — the same
//! checks the simulator answers with WeChat's errcodes ([`check_image`], [`check_articles`]).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{App, WechatClient, WechatError};

/// Largest permanent image material WeChat takes.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Articles in one news material.
pub const MAX_ARTICLES: usize = 8;
/// Characters of an article's title, author and digest.
pub const MAX_TITLE_CHARS: usize = 64;
pub const MAX_AUTHOR_CHARS: usize = 8;
pub const MAX_DIGEST_CHARS: usize = 120;
/// An article's content: fewer than 20,000 characters and less than 1 MB.
pub const MAX_CONTENT_CHARS: usize = 20_000;
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;

/// A rule WeChat enforces, with the errcode it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub errcode: i64,
    pub field: String,
    pub why: &'static str,
}

impl Broken {
    pub(super) fn new(errcode: i64, field: impl Into<String>, why: &'static str) -> Self {
        Self { errcode, field: field.into(), why }
    }
}

impl From<Broken> for WechatError {
    fn from(b: Broken) -> Self {
        WechatError::Invalid(format!("{}: {} (WeChat would answer {})", b.field, b.why, b.errcode))
    }
}

/// A permanent image: a BMP, PNG, JPEG or GIF (by name and by content) of 1 byte to 10 MB.
/// 40005: not one of those types; 40009: the size.
pub fn check_image(filename: &str, bytes: &[u8]) -> Result<(), Broken> {
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !["bmp", "png", "jpeg", "jpg", "gif"].contains(&ext.as_str()) {
        return Err(Broken::new(40005, "media.filename", "must end in .bmp, .png, .jpeg, .jpg or .gif"));
    }
    let magic_ok = bytes.starts_with(b"BM")
        || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"GIF87a")
        || bytes.starts_with(b"GIF89a");
    if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
        return Err(Broken::new(40009, "media", "must be 1 byte to 10 MB"));
    }
    if !magic_ok {
        return Err(Broken::new(40005, "media", "is not a BMP, PNG, JPEG or GIF image"));
    }
    Ok(())
}

/// One article of a news material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewsArticle {
    pub title: String,
    /// The cover: a permanent image's media id.
    pub thumb_media_id: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub digest: String,
    /// HTML (no script).
    pub content: String,
    /// "阅读原文": the notice page.
    #[serde(default)]
    pub content_source_url: String,
}

/// 1 to 8 articles (45008); each a title of 1–64 characters (45003), an author of at most 8
/// (45110), a digest of at most 120 (45004), content of 1 to 19,999 characters and under 1 MB
/// without script (45002), and a cover (40007).
pub fn check_articles(articles: &[NewsArticle]) -> Result<(), Broken> {
    if articles.is_empty() || articles.len() > MAX_ARTICLES {
        return Err(Broken::new(45008, "articles", "must hold 1 to 8 articles"));
    }
    for (i, a) in articles.iter().enumerate() {
        let field = |f: &str| format!("articles[{i}].{f}");
        let title = a.title.trim().chars().count();
        if title == 0 || title > MAX_TITLE_CHARS {
            return Err(Broken::new(45003, field("title"), "must be 1 to 64 characters"));
        }
        if a.author.chars().count() > MAX_AUTHOR_CHARS {
            return Err(Broken::new(45110, field("author"), "must be at most 8 characters"));
        }
        if a.digest.chars().count() > MAX_DIGEST_CHARS {
            return Err(Broken::new(45004, field("digest"), "must be at most 120 characters"));
        }
        let chars = a.content.chars().count();
        if a.content.trim().is_empty() || chars >= MAX_CONTENT_CHARS || a.content.len() >= MAX_CONTENT_BYTES {
            return Err(Broken::new(45002, field("content"), "must be 1 to 19,999 characters and under 1 MB"));
        }
        if a.content.to_ascii_lowercase().contains("<script") {
            return Err(Broken::new(45002, field("content"), "must not hold script"));
        }
        if a.thumb_media_id.trim().is_empty() {
            return Err(Broken::new(40007, field("thumb_media_id"), "must name a permanent image"));
        }
    }
    Ok(())
}

/// An uploaded permanent image.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Material {
    pub media_id: String,
    #[serde(default)]
    pub url: String,
}

/// The multipart form WeChat's upload paths take: one file field `media` (the name reduced to
/// ASCII letters, digits, `.`, `-`, `_`) → (its content type, the body).
pub(super) fn media_form(filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("yizhan{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let safe_name: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{safe_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[derive(Deserialize)]
struct MediaId {
    media_id: String,
}

impl WechatClient {
    /// Uploads a permanent image (a news cover).
    pub async fn add_image_material(&self, filename: &str, bytes: &[u8]) -> Result<Material, WechatError> {
        check_image(filename, bytes)?;
        let (content_type, body) = media_form(filename, bytes);
        self.with_token(App::Mp, |token| {
            let (body, content_type) = (body.clone(), content_type.clone());
            async move {
                self.http()
                    .post_raw("material_add", "/cgi-bin/material/add_material", &[("access_token", &token), ("type", "image")], &content_type, body)
                    .await
            }
        })
        .await
    }

    /// Uploads a news material of 1 to 8 articles → its media id (for an `mpnews` mass send).
    pub async fn add_news(&self, articles: &[NewsArticle]) -> Result<String, WechatError> {
        check_articles(articles)?;
        let body = json!({ "articles": articles });
        let added: MediaId = self
            .with_token(App::Mp, |token| {
                let body = &body;
                async move { self.http().post("material_add_news", "/cgi-bin/material/add_news", &[("access_token", &token)], body).await }
            })
            .await?;
        Ok(added.media_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000";

    fn article() -> NewsArticle {
        NewsArticle { title: "奖学金通知".into(), thumb_media_id: "m1".into(), content: "<p>正文</p>".into(), ..NewsArticle::default() }
    }

    fn code<T>(r: Result<T, Broken>) -> Option<i64> {
        r.err().map(|b| b.errcode)
    }

    #[test]
    fn images_are_bmp_png_jpeg_or_gif_up_to_ten_megabytes() {
        assert_eq!(check_image("cover.png", PNG), Ok(()));
        assert_eq!(check_image("cover.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]), Ok(()));
        assert_eq!(code(check_image("cover.webp", PNG)), Some(40005), "the type by name");
        assert_eq!(code(check_image("cover.png", b"<svg/>")), Some(40005), "the type by content");
        assert_eq!(code(check_image("cover.png", b"")), Some(40009));
        let mut big = PNG.to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(code(check_image("cover.png", &big)), Some(40009));
        big.truncate(MAX_IMAGE_BYTES);
        assert_eq!(check_image("cover.png", &big), Ok(()), "10 MB exactly");
    }

    #[test]
    fn news_holds_one_to_eight_articles_within_the_limits() {
        assert_eq!(check_articles(&[article()]), Ok(()));
        assert_eq!(check_articles(&vec![article(); 8]), Ok(()));
        assert_eq!(code(check_articles(&[])), Some(45008));
        assert_eq!(code(check_articles(&vec![article(); 9])), Some(45008));
        let with = |f: fn(&mut NewsArticle)| {
            let mut a = article();
            f(&mut a);
            code(check_articles(&[article(), a]))
        };
        assert_eq!(with(|a| a.title = "题".repeat(64)), None, "64 characters is the most");
        assert_eq!(with(|a| a.title = "题".repeat(65)), Some(45003));
        assert_eq!(with(|a| a.title = " ".into()), Some(45003));
        assert_eq!(with(|a| a.author = "作者作者作者作者作".into()), Some(45110));
        assert_eq!(with(|a| a.digest = "摘".repeat(121)), Some(45004));
        assert_eq!(with(|a| a.content = "字".repeat(MAX_CONTENT_CHARS)), Some(45002));
        assert_eq!(with(|a| a.content = "<p>x</p><SCRIPT>alert(1)</script>".into()), Some(45002));
        assert_eq!(with(|a| a.thumb_media_id = String::new()), Some(40007));
        let broken = check_articles(&[article(), NewsArticle { title: String::new(), ..article() }]).expect_err("title");
        assert_eq!(broken.field, "articles[1].title");
    }
}
