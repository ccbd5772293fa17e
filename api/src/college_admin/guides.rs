//! Service guides (服务指南) as the JSON routes and the console's guide pages handle their files:
//! the upload (a multipart form: `file`, `title`, `category`) whose file goes to object storage
//! while the form streams in (its type sniffed from its bytes, its size counted against
//! `STORAGE_MAX_BYTES`; a form refused for any reason leaves nothing behind), the download
//! (streamed through the API with the uploaded name), and deleting a guide with its file.

use axum::extract::multipart::Field;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use yizhan_common::college::guides::{self, Guide, NewGuide, MAX_CATEGORY, MAX_FILENAME, MAX_TITLE};
use yizhan_common::storage::{Accept, FileKind, Storage, StorageError, StoredObject, DEFAULT_MAX_BYTES};

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::routes::{attachment_download, storage_error};
use crate::state::AppState;

/// Room for the form around the file: part headers and the text fields.
const FORM_OVERHEAD: usize = 64 * 1024;
/// Longest text field read (bytes; the fields' own limits are in characters and smaller).
const MAX_TEXT_BYTES: usize = 4 * 1024;
/// What the 422 for a refused type says.
const TYPES: &str = "must be a PDF, Word, Excel or PowerPoint document (without macros) or a JPEG, PNG, GIF or WebP image";

/// The largest upload body: the storage limit and the form around it.
pub fn body_limit(state: &AppState) -> usize {
    let max = state.config.storage.as_ref().map_or(DEFAULT_MAX_BYTES, |s| s.max_bytes);
    usize::try_from(max).unwrap_or(usize::MAX).saturating_add(FORM_OVERHEAD)
}

/// A guide's form as it came in; `file` is already in storage.
#[derive(Default)]
pub struct Upload {
    pub title: Option<String>,
    pub category: Option<String>,
    file: Option<(StoredObject, Option<String>)>,
}

/// Reads a guide's form (`file`, `title`, `category`; the file into storage while it streams in,
/// its type sniffed, its size counted against `STORAGE_MAX_BYTES`; `declared` is the request's
/// `Content-Length`), checks it and records the guide uploaded by `uploader_id`. 422 names each bad
/// field; a refused form stores nothing: a file already in storage is deleted again. `upload`
/// keeps what was read of the form (a page shows the title and category again).
pub async fn upload(state: &AppState, form: &mut Multipart, declared: Option<u64>, uploader_id: i64, upload: &mut Upload) -> ApiResult<Guide> {
    let storage = state.storage().await?;
    if declared.is_some_and(|n| n > storage.max_bytes() + FORM_OVERHEAD as u64) {
        return Err(ApiError::field("file", too_large(storage.max_bytes())));
    }
    let created = save(state, &storage, form, upload, uploader_id).await;
    if created.is_err() {
        if let Some((object, _)) = &upload.file {
            if let Err(err) = storage.delete(&object.key).await {
                tracing::error!(key = %object.key, error = %err, "a refused guide's file could not be deleted");
            }
        }
    }
    let guide = created?;
    tracing::info!(guide.id = guide.id, size = guide.size, "guide uploaded");
    Ok(guide)
}

/// Reads the form into `upload` (storing the file), checks it and records the guide.
async fn save(state: &AppState, storage: &Storage, form: &mut Multipart, upload: &mut Upload, uploader_id: i64) -> ApiResult<Guide> {
    let mut errors = FieldErrors::new();
    read_form(storage, form, upload, &mut errors).await?;
    let title = upload.title.as_deref().unwrap_or("");
    let category = upload.category.as_deref().unwrap_or("");
    errors.text("title", title, MAX_TITLE);
    errors.text("category", category, MAX_CATEGORY);
    errors.check(upload.file.is_none(), "file", "is required");
    errors.finish()?;
    let Some((object, name)) = &upload.file else { return Err(ApiError::field("file", "is required")) };
    let new = NewGuide {
        title: title.trim().to_owned(),
        category: category.trim().to_owned(),
        filename: filename(name.as_deref(), title.trim(), object.kind),
        uploader_id,
    };
    let mut tx = state.db.begin().await?;
    let guide = guides::create(&mut tx, &new, object).await?;
    tx.commit().await?;
    Ok(guide)
}

/// Reads every part: the file into storage, the text fields within [`MAX_TEXT_BYTES`]. Stops at
/// the first part that cannot be read to its end cheaply (an unknown or repeated field, a file
/// refused), with what it found in `errors`.
async fn read_form(storage: &Storage, form: &mut Multipart, upload: &mut Upload, errors: &mut FieldErrors) -> ApiResult<()> {
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if upload.file.is_none() => {
                let original = field.file_name().map(str::to_owned);
                match storage.put_stream("guides", field, Accept::Office, None).await {
                    Ok(object) => upload.file = Some((object, original)),
                    Err(StorageError::TooLarge { limit }) => return refused(errors, "file", too_large(limit)),
                    Err(StorageError::UnknownType) => return refused(errors, "file", TYPES.to_owned()),
                    Err(StorageError::Body(why)) => return Err(ApiError::bad_request("invalid_form", format!("the form broke off: {why}"))),
                    Err(other) => return Err(storage_error(other)),
                }
            }
            "title" if upload.title.is_none() => upload.title = Some(text(field, &name, errors).await?),
            "category" if upload.category.is_none() => upload.category = Some(text(field, &name, errors).await?),
            "file" | "title" | "category" => return refused(errors, &name, "is given more than once".to_owned()),
            _ => return refused(errors, if name.is_empty() { "form" } else { &name }, "is not a field of this form (file, title, category)".to_owned()),
        }
    }
    Ok(())
}

/// A refused part: the 422 with everything found so far.
fn refused(errors: &mut FieldErrors, field: &str, message: String) -> ApiResult<()> {
    errors.add(field, message);
    std::mem::take(errors).finish()
}

/// A text part, at most [`MAX_TEXT_BYTES`] of UTF-8.
async fn text(mut field: Field<'_>, name: &str, errors: &mut FieldErrors) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
        if bytes.len() + chunk.len() > MAX_TEXT_BYTES {
            refused(errors, name, format!("must be at most {MAX_TEXT_BYTES} bytes"))?;
        }
        bytes.extend_from_slice(&chunk);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => {
            errors.add(name, "must be UTF-8 text");
            Ok(String::new())
        }
    }
}

fn bad_form(err: axum::extract::multipart::MultipartError) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::field("file", "the form is larger than the upload limit");
    }
    ApiError::bad_request("invalid_form", format!("the form could not be read: {}", err.body_text()))
}

fn too_large(limit: u64) -> String {
    format!("must be at most {limit} bytes")
}

/// The name a guide's file is downloaded and mailed under: the uploaded name without any folder
/// or control characters, ending in the extension of the type it really is (`.pdf` is added to a
/// PDF sent as `form.exe`); the title when the form sent no name.
pub(crate) fn filename(uploaded: Option<&str>, title: &str, kind: FileKind) -> String {
    let base = uploaded.unwrap_or_default().rsplit(['/', '\\']).next().unwrap_or_default();
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    let base = match base.trim() {
        "" => title.chars().filter(|c| !c.is_control() && !matches!(c, '/' | '\\')).collect(),
        name => name.to_owned(),
    };
    let ext = kind.extension();
    let lower = base.to_lowercase();
    let matches = lower.ends_with(&format!(".{ext}")) || (kind == FileKind::Jpeg && lower.ends_with(".jpeg"));
    let stem: String = base.chars().take(MAX_FILENAME - ext.len() - 1).collect();
    if matches && stem.len() == base.len() {
        base
    } else {
        format!("{stem}.{ext}")
    }
}

/// The guide `id` (404 unknown).
pub async fn find(state: &AppState, id: i64) -> ApiResult<Guide> {
    let mut conn = state.db.acquire().await?;
    guides::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("guide"))
}

/// The guide's file, streamed through the API (also on S3, so the name and type are ours), as an
/// attachment under the name it was uploaded with.
pub async fn download(state: &AppState, id: i64) -> ApiResult<Response> {
    let guide = find(state, id).await?;
    attachment_download(state, &guide.key, &guide.content_type, &guide.filename).await
}

/// Deletes the guide, its file row, then its object (404 unknown; e-mails of it still queued
/// fail: their attachment is gone).
pub async fn remove(state: &AppState, id: i64) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    let key = guides::delete(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("guide"))?;
    tx.commit().await?;
    // After the commit: a failure here leaves an object no row names, never a row without its object.
    if let Err(err) = state.storage().await?.delete(&key).await {
        tracing::error!(key = %key, error = %err, "a deleted guide's file could not be deleted from storage");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_and_controls_and_keep_the_real_extension() {
        assert_eq!(filename(Some("办事指南.docx"), "t", FileKind::Docx), "办事指南.docx");
        assert_eq!(filename(Some("C:\\Users\\me\\表格.PDF"), "t", FileKind::Pdf), "表格.PDF");
        assert_eq!(filename(Some("../../etc/x.pdf"), "t", FileKind::Pdf), "x.pdf");
        assert_eq!(filename(Some("form.exe"), "t", FileKind::Pdf), "form.exe.pdf");
        assert_eq!(filename(Some("a\r\nb.jpeg"), "t", FileKind::Jpeg), "ab.jpeg");
        assert_eq!(filename(None, "报销/流程", FileKind::Xlsx), "报销流程.xlsx");
        assert_eq!(filename(Some("  "), "规定", FileKind::Doc), "规定.doc");
        let long = format!("{}.pdf", "长".repeat(300));
        let cut = filename(Some(&long), "t", FileKind::Pdf);
        assert!(cut.ends_with(".pdf") && cut.chars().count() == MAX_FILENAME, "{cut}");
    }
}
