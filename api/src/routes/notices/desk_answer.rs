//! The body of a reply-desk answer and its checks: one flat shape for the six kinds (the console
//! form posts the same fields), each kind's fields checked and named in a 422.

use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use utoipa::ToSchema;
use yizhan_common::notices::desk::answers::{self, NewAnswer};
use yizhan_common::notices::desk::DeskKind;
use yizhan_common::wechat::client::MediaType;

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::follow_admin::is_web_url;

/// Characters of a text answer.
pub const MAX_TEXT_CHARS: usize = 600;
/// Characters of a title and a description (music, video, news).
pub const MAX_TITLE_CHARS: usize = 64;
pub const MAX_DESCRIPTION_CHARS: usize = 120;

/// An answer: `type` and that type's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"type": "image", "fileId": "0123456789abcdef0123456789abcdef"}))]
pub struct AnswerBody {
    /// `text`, `image`, `voice`, `video`, `music` or `news`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// text: 1–600 characters.
    #[serde(default)]
    pub content: Option<String>,
    /// image, voice, video: a file the caller uploaded (`POST /api/files`): image PNG/JPEG/GIF ≤ 10 MB,
    /// voice AMR/MP3 ≤ 2 MB, video MP4 ≤ 10 MB.
    #[serde(default)]
    pub file_id: Option<String>,
    /// music (required), video (optional): a JPEG of at most 64 KB.
    #[serde(default)]
    pub thumb_file_id: Option<String>,
    /// music, news (required), video: 1–64 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// music, news, video: at most 120 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// music: an http(s) URL.
    #[serde(default)]
    pub music_url: Option<String>,
    /// music: the high-quality URL (default: `musicUrl`).
    #[serde(default)]
    pub hq_music_url: Option<String>,
    /// news: the page it opens, an http(s) URL.
    #[serde(default)]
    pub url: Option<String>,
    /// news: its picture, an http(s) URL.
    #[serde(default)]
    pub pic_url: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The checked answer of `owner` (whose files it may carry), or a 422 naming every bad field.
pub async fn checked(conn: &mut PgConnection, owner: i64, b: &AnswerBody) -> ApiResult<NewAnswer> {
    let mut errors = FieldErrors::new();
    let kind = match b.kind.as_str() {
        "text" => DeskKind::Text,
        "image" => DeskKind::Image,
        "voice" => DeskKind::Voice,
        "video" => DeskKind::Video,
        "music" => DeskKind::Music,
        "news" => DeskKind::News,
        _ => return Err(ApiError::field("type", "must be text, image, voice, video, music or news")),
    };
    let url = |errors: &mut FieldErrors, field: &str, v: &Option<String>, required: bool| -> String {
        match given(v) {
            Some(u) if is_web_url(u) && u.len() <= 1000 => u.to_owned(),
            Some(_) => {
                errors.add(field, "must be an http(s) URL of at most 1,000 characters");
                String::new()
            }
            None if required => {
                errors.add(field, "is required");
                String::new()
            }
            None => String::new(),
        }
    };
    let title = given(&b.title).unwrap_or_default().to_owned();
    let description = given(&b.description).unwrap_or_default().to_owned();
    if matches!(kind, DeskKind::Music | DeskKind::News) {
        errors.text("title", &title, MAX_TITLE_CHARS);
    } else {
        errors.optional_text("title", Some(&title), MAX_TITLE_CHARS);
    }
    errors.optional_text("description", Some(&description), MAX_DESCRIPTION_CHARS);
    let file = |errors: &mut FieldErrors, field: &str, v: &Option<String>, media: MediaType| given(v).map(|id| (field.to_owned(), id.to_owned(), media)).or_else(|| {
        errors.add(field, "is required");
        None
    });
    let (body, media, thumb) = match kind {
        DeskKind::Text => {
            let content = b.content.as_deref().unwrap_or_default().trim().to_owned();
            errors.text("content", &content, MAX_TEXT_CHARS);
            (json!({"content": content}), None, None)
        }
        DeskKind::Image => (json!({}), file(&mut errors, "fileId", &b.file_id, MediaType::Image), None),
        DeskKind::Voice => (json!({}), file(&mut errors, "fileId", &b.file_id, MediaType::Voice), None),
        DeskKind::Video => {
            let thumb = given(&b.thumb_file_id).map(|id| ("thumbFileId".to_owned(), id.to_owned(), MediaType::Thumb));
            (json!({"title": title, "description": description}), file(&mut errors, "fileId", &b.file_id, MediaType::Video), thumb)
        }
        DeskKind::Music => {
            let music_url = url(&mut errors, "musicUrl", &b.music_url, true);
            let hq = url(&mut errors, "hqMusicUrl", &b.hq_music_url, false);
            let hq = if hq.is_empty() { music_url.clone() } else { hq };
            let thumb = file(&mut errors, "thumbFileId", &b.thumb_file_id, MediaType::Thumb);
            (json!({"title": title, "description": description, "musicUrl": music_url, "hqMusicUrl": hq}), None, thumb)
        }
        DeskKind::News => {
            let page = url(&mut errors, "url", &b.url, true);
            let pic = url(&mut errors, "picUrl", &b.pic_url, false);
            (json!({"title": title, "description": description, "url": page, "picUrl": pic}), None, None)
        }
        DeskKind::Location | DeskKind::Link => unreachable!("not a kind of answer"),
    };
    for (field, id, kind) in media.iter().chain(thumb.iter()) {
        if let Err(why) = answers::file_fits(conn, owner, id, *kind).await? {
            errors.add(field, why);
        }
    }
    errors.finish()?;
    Ok(NewAnswer { kind, body, file_id: media.map(|(_, id, _)| id), thumb_file_id: thumb.map(|(_, id, _)| id) })
}
