//! `GET /school/notice-search`: notices by a part of their title or body (Chinese included), a
//! category, ordered by relevance, newest or hot (reads and comments decayed by age). Staff
//! search what they see (admins all, a counselor their own); a student, what they received.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::search::{self, Found, SearchOrder, SearchQuery, Searcher};
use yizhan_common::notices::Scope;
use yizhan_common::time::serialize_local;
use yizhan_common::users::Role;

use super::given;
use super::reading::my_student;
use crate::error::{ApiResult, FieldErrors};
use crate::extract::{ApiQuery, AuthUser, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchParams {
    /// A part of the title or body (at most 50 characters).
    q: Option<String>,
    category_id: Option<i64>,
    /// `relevance` (with `q`, the default then), `newest` (the default without `q`) or `hot`.
    sort: Option<String>,
}

impl SearchParams {
    /// The parameters of an H5 page's search (the default order).
    pub(crate) fn new(q: Option<String>, category_id: Option<i64>) -> Self {
        Self { q, category_id, sort: None }
    }
}

/// A notice found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 12, "title": "2026年奖学金评定通知", "category": "奖助学金", "urgency": "important", "sentAt": "2026-12-05T09:00:00+08:00", "reads": 120, "comments": 4, "hot": 0.83}))]
pub struct FoundView {
    id: i64,
    title: String,
    category: String,
    urgency: String,
    #[serde(serialize_with = "serialize_local")]
    sent_at: DateTime<Utc>,
    reads: i64,
    comments: i64,
    /// The hot score: (reads + 3·comments + 1) / (hours since sent + 2)^1.5.
    hot: f64,
}

impl From<Found> for FoundView {
    fn from(f: Found) -> Self {
        Self { id: f.id, title: f.title, category: f.category, urgency: f.urgency.as_str().to_owned(), sent_at: f.sent_at, reads: f.reads, comments: f.comments, hot: f.hot }
    }
}

#[utoipa::path(get, path = "/school/notice-search", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(SearchParams, PageQuery),
    responses((status = 200, description = "One page of the notices found", body = Page<FoundView>),
        (status = 409, description = "`not_bound`: a student who has not bound their number", body = ErrorEnvelope),
        (status = 422, description = "`q` too long or `sort` unknown", body = ErrorEnvelope)))]
/// Searches notices.
pub async fn search(State(state): State<AppState>, auth: AuthUser, ApiQuery(p): ApiQuery<SearchParams>, page: Pagination) -> ApiResult<Json<Page<FoundView>>> {
    let q = given(p.q.as_deref());
    let mut errors = FieldErrors::new();
    errors.optional_text("q", q, 50);
    let order = match given(p.sort.as_deref()) {
        None if q.is_some() => Some(SearchOrder::Relevance),
        None => Some(SearchOrder::Newest),
        Some(s) => s.parse().ok(),
    };
    errors.check(order.is_none(), "sort", "must be relevance, newest or hot");
    errors.finish()?;
    let order = order.unwrap_or(SearchOrder::Newest);
    let who = if auth.user.has_role(Role::Admin) || auth.user.has_role(Role::Counselor) {
        let mut conn = state.db.acquire().await?;
        Searcher::Staff(Scope::of(&mut conn, &auth.user).await?)
    } else {
        Searcher::Student(my_student(&state, &auth).await?)
    };
    let mut conn = state.db.acquire().await?;
    let (rows, count) = search::search(&mut conn, who, SearchQuery { q, category_id: p.category_id, order }, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(FoundView::from).collect(), count, page)))
}
