//! The console's first page: who is signed in and the sections their roles open.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::layout::{html, visible_sections, Layout, Section};
use super::session::Signed;
use super::PageError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    layout: Layout,
    sections: Vec<&'static Section>,
}

pub async fn show(State(state): State<AppState>, me: Signed) -> Result<Response, PageError> {
    let layout = Layout::new(&state, &me.session, "home", "首页").await?;
    let sections = visible_sections(me.user()).collect();
    Ok(html(&HomePage { layout, sections }))
}
