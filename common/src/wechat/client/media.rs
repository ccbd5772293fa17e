//! Temporary material (`POST /cgi-bin/media/upload?type=image|voice|video|thumb`, multipart field
//! `media`): kept by WeChat for three days, what customer-service messages carry. WeChat's rules
//! are checked before the call ([`check_media`], which the simulator answers with too):
//! image ≤ 10 MB PNG/JPEG/GIF, voice ≤ 2 MB AMR/MP3, video ≤ 10 MB MP4, thumb ≤ 64 KB JPEG — by
//! the file's name and by its first bytes.

use serde::Deserialize;

use super::material::{media_form, Broken};
use super::{App, WechatClient, WechatError};

crate::text_enum! {
    /// The `type` of a temporary material.
    pub enum MediaType { Image = "image", Voice = "voice", Video = "video", Thumb = "thumb" }
}

impl MediaType {
    /// The largest file WeChat takes.
    pub fn max_bytes(self) -> usize {
        match self {
            Self::Image | Self::Video => 10 * 1024 * 1024,
            Self::Voice => 2 * 1024 * 1024,
            Self::Thumb => 64 * 1024,
        }
    }

    /// The names' extensions WeChat takes.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Image => &["png", "jpg", "jpeg", "gif"],
            Self::Voice => &["amr", "mp3"],
            Self::Video => &["mp4"],
            Self::Thumb => &["jpg", "jpeg"],
        }
    }

    /// The stored types (`FileKind::mime`) that fit.
    pub fn content_types(self) -> &'static [&'static str] {
        match self {
            Self::Image => &["image/png", "image/jpeg", "image/gif"],
            Self::Voice => &["audio/amr", "audio/mpeg"],
            Self::Video => &["video/mp4"],
            Self::Thumb => &["image/jpeg"],
        }
    }

    /// WeChat's errcode for a file of the wrong size.
    fn size_errcode(self) -> i64 {
        match self {
            Self::Image => 40009,
            Self::Voice => 40010,
            Self::Video => 40011,
            Self::Thumb => 40012,
        }
    }

    /// Why a file of this type is refused, as said to people.
    pub fn rule(self) -> &'static str {
        match self {
            Self::Image => "an image must be PNG, JPEG or GIF of at most 10 MB",
            Self::Voice => "a voice must be AMR or MP3 of at most 2 MB",
            Self::Video => "a video must be MP4 of at most 10 MB",
            Self::Thumb => "a thumbnail must be JPEG of at most 64 KB",
        }
    }
}

/// Whether `bytes` start like a file of `kind`.
fn looks_like(kind: MediaType, bytes: &[u8]) -> bool {
    let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    match kind {
        MediaType::Image => jpeg || bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        MediaType::Voice => bytes.starts_with(b"#!AMR") || bytes.starts_with(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0 && !jpeg),
        MediaType::Video => bytes.len() >= 12 && &bytes[4..8] == b"ftyp",
        MediaType::Thumb => jpeg,
    }
}

/// WeChat's rules for a temporary material: 40005 the wrong type (by name or by content), 40009
/// to 40012 the wrong size (image, voice, video, thumb).
pub fn check_media(kind: MediaType, filename: &str, bytes: &[u8]) -> Result<(), Broken> {
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(Broken::new(40005, "media.filename", "has an extension this type does not take"));
    }
    if bytes.is_empty() || bytes.len() > kind.max_bytes() {
        return Err(Broken::new(kind.size_errcode(), "media", "is empty or larger than this type takes"));
    }
    if !looks_like(kind, bytes) {
        return Err(Broken::new(40005, "media", "is not a file of this type"));
    }
    Ok(())
}

/// An uploaded temporary material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempMedia {
    pub media_id: String,
    /// Unix seconds.
    pub created_at: i64,
}

#[derive(Deserialize)]
struct Uploaded {
    #[serde(default)]
    media_id: Option<String>,
    /// `type=thumb` answers `thumb_media_id`.
    #[serde(default)]
    thumb_media_id: Option<String>,
    #[serde(default)]
    created_at: i64,
}

impl WechatClient {
    /// Uploads a temporary material of `kind` (valid three days).
    pub async fn upload_temp_media(&self, kind: MediaType, filename: &str, bytes: &[u8]) -> Result<TempMedia, WechatError> {
        check_media(kind, filename, bytes)?;
        let (content_type, body) = media_form(filename, bytes);
        let uploaded: Uploaded = self
            .with_token(App::Mp, |token| {
                let (body, content_type) = (body.clone(), content_type.clone());
                async move {
                    self.http().post_raw("media_upload", "/cgi-bin/media/upload", &[("access_token", &token), ("type", kind.as_str())], &content_type, body).await
                }
            })
            .await?;
        let media_id = uploaded.media_id.or(uploaded.thumb_media_id).ok_or_else(|| WechatError::Invalid("media/upload answered no media id".into()))?;
        Ok(TempMedia { media_id, created_at: uploaded.created_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
    const MP4: &[u8] = b"\0\0\0\x20ftypisom\0\0\x02\0";

    fn code(r: Result<(), Broken>) -> Option<i64> {
        r.err().map(|b| b.errcode)
    }

    fn sized(head: &[u8], len: usize) -> Vec<u8> {
        let mut v = head.to_vec();
        v.resize(len, 0);
        v
    }

    #[test]
    fn each_type_takes_its_formats_by_name_and_content() {
        assert_eq!(check_media(MediaType::Image, "a.png", PNG), Ok(()));
        assert_eq!(check_media(MediaType::Image, "a.JPG", JPEG), Ok(()));
        assert_eq!(code(check_media(MediaType::Image, "a.webp", PNG)), Some(40005));
        assert_eq!(code(check_media(MediaType::Image, "a.png", b"<svg/>")), Some(40005));
        assert_eq!(check_media(MediaType::Voice, "v.amr", b"#!AMR\n<"), Ok(()));
        assert_eq!(check_media(MediaType::Voice, "v.mp3", b"ID3\x04\0"), Ok(()));
        assert_eq!(code(check_media(MediaType::Voice, "v.mp3", JPEG)), Some(40005), "a JPEG named .mp3");
        assert_eq!(code(check_media(MediaType::Voice, "v.wav", b"ID3\x04\0")), Some(40005));
        assert_eq!(check_media(MediaType::Video, "m.mp4", MP4), Ok(()));
        assert_eq!(code(check_media(MediaType::Video, "m.mov", MP4)), Some(40005));
        assert_eq!(check_media(MediaType::Thumb, "t.jpg", JPEG), Ok(()));
        assert_eq!(code(check_media(MediaType::Thumb, "t.png", PNG)), Some(40005), "thumbs are JPEG only");
    }

    #[test]
    fn each_type_has_its_size_limit() {
        assert_eq!(check_media(MediaType::Image, "a.png", &sized(PNG, 10 * 1024 * 1024)), Ok(()));
        assert_eq!(code(check_media(MediaType::Image, "a.png", &sized(PNG, 10 * 1024 * 1024 + 1))), Some(40009));
        assert_eq!(check_media(MediaType::Voice, "v.mp3", &sized(b"ID3", 2 * 1024 * 1024)), Ok(()));
        assert_eq!(code(check_media(MediaType::Voice, "v.mp3", &sized(b"ID3", 2 * 1024 * 1024 + 1))), Some(40010));
        assert_eq!(code(check_media(MediaType::Video, "m.mp4", &sized(MP4, 10 * 1024 * 1024 + 1))), Some(40011));
        assert_eq!(check_media(MediaType::Thumb, "t.jpg", &sized(JPEG, 64 * 1024)), Ok(()));
        assert_eq!(code(check_media(MediaType::Thumb, "t.jpg", &sized(JPEG, 64 * 1024 + 1))), Some(40012));
        assert_eq!(code(check_media(MediaType::Thumb, "t.jpg", b"")), Some(40012));
    }
}
