//! The student's notice list (我的通知): the notices they received, newest first, ten a page, with
//! a search box (a part of the title or body, Chinese included) and a category filter — through
//! `GET /school/notice-search`'s handler, so a student finds only what they received.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::paging::{pagination, Paged, Pager};
use super::student::as_page;
use super::{refusal, render, H5Result, H5User};
use crate::extract::ApiQuery;
use crate::notice_shapes::{short_time, urgency_label};
use crate::routes::notices::for_pages::{self as api, SearchParams};
use crate::state::AppState;

/// A list page's query: its filters and page, as typed (nothing here is refused).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListQuery {
    pub q: String,
    pub category_id: String,
    pub kind: String,
    pub page: Option<String>,
}

impl ListQuery {
    /// The search text, trimmed (`None`: blank).
    pub fn text(&self) -> Option<String> {
        Some(self.q.trim().to_owned()).filter(|q| !q.is_empty())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    id: i64,
    title: String,
    category: String,
    urgency: String,
    sent_at: String,
}

impl Found {
    fn urgency_label(&self) -> &'static str {
        urgency_label(&self.urgency)
    }

    fn sent_label(&self) -> String {
        short_time(&self.sent_at)
    }
}

#[derive(Debug, Deserialize)]
struct Category {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "h5/notices.html")]
struct NoticesPage {
    found: Paged<Found>,
    /// Each category, and whether it is the one filtered.
    categories: Vec<(Category, bool)>,
    q: String,
    category: Option<i64>,
    pager: Pager,
}

/// `GET /h5/school/notices?q=&categoryId=&page=`.
pub async fn notices_page(State(state): State<AppState>, user: H5User, Query(query): Query<ListQuery>) -> H5Result<Response> {
    let category = query.category_id.trim().parse::<i64>().ok();
    let params = SearchParams::new(query.text(), category);
    let answer = api::search(State(state.clone()), user.auth.clone(), ApiQuery(params), pagination(query.page.as_deref())).await.map_err(refusal)?;
    let found: Paged<Found> = as_page(&answer.0)?;
    let categories: Vec<Category> = as_page(&api::categories(State(state), user.auth).await?.0)?;
    let category_id = category.map(|c| c.to_string()).unwrap_or_default();
    let pager = Pager::of(&found, "/h5/school/notices", &[("q", query.q.trim()), ("categoryId", &category_id)]);
    let categories = categories.into_iter().map(|c| {
        let on = category == Some(c.id);
        (c, on)
    });
    Ok(render(&NoticesPage { found, categories: categories.collect(), q: query.q.trim().to_owned(), category, pager }))
}
