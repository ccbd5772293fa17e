//! How a large notice's mass sends go out, as its author chooses (`mass` in `POST /school/notices`):
//! text, or news (图文) whose cover is an image the author uploaded (`POST /api/files`; a JPEG,
//! PNG or GIF of at most 10 MB, WeChat's rules for image material), uploaded to WeChat as
//! permanent material by the send, or without one the configured `NOTICE_MASS_COVER`. Unset: as
//! `NOTICE_MASS_FORMAT` says. A notice too small for mass sends ignores it.

use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use yizhan_common::notices::attachments;
use yizhan_common::notices::mass::{Cover, MassChoice};
use yizhan_common::wechat::client::material::MAX_IMAGE_BYTES;

use crate::error::FieldErrors;

/// The mass format of one notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"format": "news", "coverFileId": "0123456789abcdef0123456789abcdef"}))]
pub struct MassBody {
    /// `text` or `news` (图文).
    format: String,
    /// A news send's cover: an image the author uploaded; without it, `NOTICE_MASS_COVER`.
    cover_file_id: Option<String>,
}

/// Checks the choice, adding what is wrong to `errors` (`None`: none made, or refused).
pub async fn check(conn: &mut PgConnection, author_id: i64, body: Option<MassBody>, configured_cover: Option<&str>, errors: &mut FieldErrors) -> sqlx::Result<Option<MassChoice>> {
    let Some(b) = body else { return Ok(None) };
    let cover_id = b.cover_file_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    match (b.format.as_str(), cover_id) {
        ("text", None) => Ok(Some(MassChoice::Text)),
        ("text", Some(_)) => {
            errors.add("mass.coverFileId", "only a news send has a cover");
            Ok(None)
        }
        ("news", None) => match configured_cover {
            Some(path) => Ok(Some(MassChoice::News(Cover::Path(path.to_owned())))),
            None => {
                errors.add("mass.coverFileId", "a news send needs a cover image (none is configured in NOTICE_MASS_COVER)");
                Ok(None)
            }
        },
        ("news", Some(id)) => {
            let file = attachments::owned_files(conn, author_id, &[id.to_owned()]).await?.into_iter().next();
            let Some(file) = file else {
                errors.add("mass.coverFileId", "must be a file you uploaded (POST /api/files)");
                return Ok(None);
            };
            let ext = match file.content_type.as_str() {
                "image/jpeg" => "jpg",
                "image/png" => "png",
                "image/gif" => "gif",
                _ => {
                    errors.add("mass.coverFileId", "must be a JPEG, PNG or GIF image (WeChat's image material)");
                    return Ok(None);
                }
            };
            if usize::try_from(file.size).unwrap_or(usize::MAX) > MAX_IMAGE_BYTES {
                errors.add("mass.coverFileId", "must be at most 10 MB (WeChat's image material)");
                return Ok(None);
            }
            Ok(Some(MassChoice::News(Cover::Object { key: file.key, name: format!("{}.{ext}", file.id) })))
        }
        _ => {
            errors.add("mass.format", "must be text or news");
            Ok(None)
        }
    }
}
