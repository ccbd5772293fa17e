//! The teacher directory (老师的联系方式) on H5: teachers and counselors by a part of their name or
//! department, ten a page, through `GET /school/directory`'s handler (the college's people only:
//! someone signed in without a role is refused there).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::list::ListQuery;
use super::paging::{pagination, Paged, Pager};
use super::student::as_page;
use super::{render, H5Error, H5Result, H5User};
use crate::error::ApiError;
use crate::extract::{ApiQuery, Authorized, CampusMembers};
use crate::routes::notices::for_pages::{directory, DirectoryQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
struct Entry {
    kind: String,
    name: String,
    department: String,
    title: String,
    phone: Option<String>,
    email: Option<String>,
    office: String,
}

impl Entry {
    fn kind_label(&self) -> &'static str {
        if self.kind == "counselor" {
            "辅导员"
        } else {
            "教师"
        }
    }
}

#[derive(Template)]
#[template(path = "h5/directory.html")]
struct DirectoryPage {
    found: Paged<Entry>,
    q: String,
    kind: String,
    pager: Pager,
}

/// `GET /h5/school/directory?q=&kind=&page=`.
pub async fn directory_page(State(state): State<AppState>, _user: H5User, who: Result<Authorized<CampusMembers>, ApiError>, Query(query): Query<ListQuery>) -> H5Result<Response> {
    let who = who.map_err(|_| H5Error::Page(StatusCode::FORBIDDEN, "通讯录只对本校师生开放：请先绑定学号。".into()))?;
    let kind = Some(query.kind.trim().to_owned()).filter(|k| k == "teacher" || k == "counselor");
    let params = DirectoryQuery::new(query.text(), kind.clone());
    let found: Paged<Entry> = as_page(&directory(State(state), who, ApiQuery(params), pagination(query.page.as_deref())).await?.0)?;
    let kind = kind.unwrap_or_default();
    let pager = Pager::of(&found, "/h5/school/directory", &[("q", query.q.trim()), ("kind", &kind)]);
    Ok(render(&DirectoryPage { found, q: query.q.trim().to_owned(), kind, pager }))
}
