//! 服务指南 (seed 002): the guides (search in titles, category, pages) with their files to
//! download, uploading one (a `multipart/form-data` form whose first part is the CSRF token), and
//! deleting one after a confirmation. The upload's checks, storage and cleanup, the download and
//! the delete are `crate::college_admin::guides`'s, the same as `POST|DELETE /admin/guides/…` and
//! `GET /guides/{id}`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::college::guides::{self, CategoryCount, Guide, GuideFilter};

use super::form::{CsrfForm, CsrfMultipart, FieldMessages};
use super::layout::{flash, html, local_minute, Layout};
use super::list::{pagination, search_text, Pager};
use super::queues::ConfirmPage;
use super::session::Signed;
use super::PageError;
use crate::college_admin::guides::{self as shared, Upload};
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/guides";

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

struct GuideRow {
    id: i64,
    title: String,
    category: String,
    filename: String,
    size: String,
    uploader: String,
    created: String,
}

/// A size as a person reads it (`512 B`, `12.3 KB`, `4.0 MB`).
fn size_text(bytes: i64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1_048_576 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / 1_048_576.0)
    }
}

impl From<Guide> for GuideRow {
    fn from(g: Guide) -> Self {
        Self {
            id: g.id,
            title: g.title,
            category: g.category,
            filename: g.filename,
            size: size_text(g.size),
            uploader: g.uploader_name.unwrap_or_default(),
            created: local_minute(g.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "console/guides.html")]
struct GuidesPage {
    layout: Layout,
    rows: Vec<GuideRow>,
    q: String,
    category: String,
    categories: Vec<CategoryCount>,
    pager: Pager,
}

async fn categories(state: &AppState) -> Result<Vec<CategoryCount>, PageError> {
    let mut conn = state.db.acquire().await?;
    Ok(guides::categories(&mut conn).await?)
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let search = search_text(q.q.as_deref()).unwrap_or_default();
    let category = search_text(q.category.as_deref()).unwrap_or_default();
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let filter = GuideFilter { search: Some(search.as_str()), category: Some(category.as_str()) };
    let (rows, total) = guides::list(&mut conn, filter, page.limit(), page.offset()).await?;
    drop(conn);
    let pager = Pager::new(LIST, &[("q", search.as_str()), ("category", category.as_str())], page, u64::try_from(total).unwrap_or(0));
    let page = GuidesPage {
        layout: Layout::new(&state, &me.session, "guides", "服务指南").await?,
        rows: rows.into_iter().map(GuideRow::from).collect(),
        q: search,
        category,
        categories: categories(&state).await?,
        pager,
    };
    Ok(html(&page))
}

#[derive(Template)]
#[template(path = "console/guide_form.html")]
struct GuideForm {
    layout: Layout,
    title: String,
    category: String,
    categories: Vec<CategoryCount>,
    max_size: String,
    errors: FieldMessages,
}

async fn guide_form(state: &AppState, me: &Signed<AdminOnly>, upload: Upload, errors: FieldMessages) -> Result<GuideForm, PageError> {
    let max = state.config.storage.as_ref().map_or(yizhan_common::storage::DEFAULT_MAX_BYTES, |s| s.max_bytes);
    let layout = Layout::new(state, &me.session, "guides", "上传服务指南").await?;
    Ok(GuideForm {
        layout,
        title: upload.title.unwrap_or_default(),
        category: upload.category.unwrap_or_default(),
        categories: categories(state).await?,
        max_size: size_text(i64::try_from(max).unwrap_or(i64::MAX)),
        errors,
    })
}

pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&guide_form(&state, &me, Upload::default(), FieldMessages::default()).await?))
}

/// Uploads the guide as `POST /admin/guides/` does; a refused form stores nothing and comes back
/// with the messages under its fields (422).
pub async fn upload(State(state): State<AppState>, me: Signed<AdminOnly>, headers: HeaderMap, CsrfMultipart(mut form): CsrfMultipart) -> Result<Response, PageError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let mut upload = Upload::default();
    match shared::upload(&state, &mut form, declared, me.user().id, &mut upload).await {
        Ok(g) => {
            flash(&state, &me.session, &format!("已上传服务指南《{}》（{}）。", g.title, g.filename)).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&guide_form(&state, &me, upload, errors).await?)).into_response())
        }
    }
}

fn guide_id(id: &str) -> Result<i64, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

/// The guide's file under its uploaded name, as `GET /guides/{id}` sends it.
pub async fn download(State(state): State<AppState>, _me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    Ok(shared::download(&state, guide_id(&id)?).await?)
}

/// Without `confirmed=1` it only asks; with it, the guide and its file are deleted (as `DELETE
/// /admin/guides/{id}/`).
pub async fn delete(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let g = shared::find(&state, guide_id(&id)?).await?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "guides", "请确认").await?;
        let question = format!("确定要删除服务指南《{}》及其文件吗？", g.title);
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{}/delete", g.id), cancel: LIST.to_owned() }));
    }
    shared::remove(&state, g.id).await?;
    flash(&state, &me.session, &format!("已删除服务指南《{}》。", g.title)).await?;
    Ok(Redirect::to(LIST).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(super::size_text(512), "512 B");
        assert_eq!(super::size_text(12_595), "12.3 KB");
        assert_eq!(super::size_text(10_485_760), "10.0 MB");
    }
}
