//! Seed 004's notice categories in the console (admins): the list and adding one through
//! `POST /school/notice-categories`'s handler (the JSON API has no rename or delete, so neither
//! has the page).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use yizhan_common::notices::categories::{self, Category};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::school::{body, caller};
use super::session::Signed;
use super::PageError;
use crate::extract::{AdminOnly, ApiJson};
use crate::routes::notices::for_pages::people as api;
use crate::state::AppState;

const LIST: &str = "/admin/console/notice-categories";

#[derive(Template)]
#[template(path = "console/notice_categories.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Category>,
    form: Fields,
    errors: FieldMessages,
}

async fn page(state: &AppState, me: &Signed<AdminOnly>, form: Fields, errors: FieldMessages) -> Result<ListPage, PageError> {
    let mut conn = state.db.acquire().await?;
    let rows = categories::list(&mut conn).await?;
    drop(conn);
    let layout = Layout::new(state, &me.session, "notice-categories", "通知分类").await?;
    Ok(ListPage { layout, rows, form, errors })
}

/// `GET /admin/console/notice-categories`.
pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&page(&state, &me, Fields::default(), FieldMessages::default()).await?))
}

/// `POST /admin/console/notice-categories`.
pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match api::create_category(State(state.clone()), caller(&me)?, ApiJson(body(json!({"name": f.text("name")}))?)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已添加分类“{}”。", f.text("name"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = match err.code() {
                "category_taken" => FieldMessages::one("name", "已有同名分类"),
                _ => FieldMessages::from_error(err)?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(&state, &me, f, errors).await?)).into_response())
        }
    }
}
