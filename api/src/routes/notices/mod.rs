//! Seed 004, student–counselor notices (issue 16). Part 1: the people — counselors (admins),
//! classes, students and groups (admins and counselors; a counselor sees only the classes they
//! look after, their students and their own groups), the CSV import of students, and binding a
//! follower's openid to a student (a counselor's one-time code or an SMS code to the phone on file). camelCase,
//! pages in the usual `{count, page, pageSize, results}` shape.

mod api_doc;
mod attachments;
mod binding;
mod classes;
mod content;
mod counselors;
mod groups;
mod import;
mod notices;
mod reading;
mod report;
mod students;
mod voting;

pub use api_doc::NoticesApi;

use axum::routing::{get, patch, post, put};
use axum::Router;
use yizhan_common::notices::Scope;
use yizhan_common::users::Role;

use crate::error::ApiResult;
use crate::extract::{Authorized, RoleSet};
use crate::state::AppState;

/// Admins and counselors.
#[derive(Debug)]
pub struct SchoolStaff;

impl RoleSet for SchoolStaff {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Counselor];
}

/// What the caller sees (admins all, a counselor their classes).
async fn scope_of(state: &AppState, who: &Authorized<SchoolStaff>) -> ApiResult<Scope> {
    let mut conn = state.db.acquire().await?;
    Ok(Scope::of(&mut conn, who.user()).await?)
}

/// A text filter left out or blank is none.
fn given(q: Option<&str>) -> Option<&str> {
    q.map(str::trim).filter(|q| !q.is_empty())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/school/counselors", get(counselors::list).post(counselors::create))
        .route("/school/counselors/{id}", patch(counselors::update))
        .route("/school/classes", get(classes::list).post(classes::create))
        .route("/school/classes/{id}", patch(classes::update).delete(classes::delete))
        .route("/school/students", get(students::list).post(students::create))
        .route("/school/students/import", post(import::import))
        .route("/school/students/{id}/bind-code", post(binding::issue_code))
        .route("/school/binding", get(binding::show).post(binding::bind))
        .route("/school/binding/sms-code", post(binding::send_sms_code))
        .route("/school/students/{id}", get(students::show).patch(students::update).delete(students::delete))
        .route("/school/notice-categories", get(notices::categories).post(notices::create_category))
        .route("/school/notice-settings", get(reading::show_settings).put(reading::set_settings))
        .route("/school/notices", get(notices::list).post(notices::create))
        .route("/school/notices/{id}", get(notices::show))
        .route("/school/notices/{id}/page", get(reading::page))
        .route("/school/notices/{id}/confirm", post(reading::confirm))
        .route("/school/notices/{id}/vote", put(voting::cast))
        .route("/school/notices/{id}/vote-results", get(voting::results))
        .route("/school/notices/{id}/attachments/{file_id}", get(attachments::download))
        .route("/school/notices/{id}/stats", get(report::show))
        .route("/school/notices/{id}/non-readers", get(report::non_readers))
        .route("/school/notices/{id}/recipients.csv", get(report::csv))
        .route("/school/notices/{id}/remind", post(report::remind))
        .route("/school/groups", get(groups::list).post(groups::create))
        .route("/school/groups/{id}", get(groups::show).patch(groups::update).delete(groups::delete))
        .route("/school/groups/{id}/members/{student_id}", put(groups::put_member).delete(groups::remove_member))
}

/// The handlers the H5 pages (`crate::h5`) call, so a page follows the JSON route's rules.
pub(crate) mod for_pages {
    pub(crate) use super::attachments::download as attachment;
    pub(crate) use super::binding::{bind, show as binding};
    pub(crate) use super::notices::{categories, create as send_notice, show as notice};
    pub(crate) use super::reading::{confirm, page as notice_page, set_settings, show_settings};
    pub(crate) use super::notices::list as notices;
    pub(crate) use super::report::{csv as recipients_csv, non_readers, remind, show as stats};
    pub(crate) use super::voting::results as vote_results;
    pub(crate) use super::voting::cast as vote;
    pub(crate) use super::SchoolStaff;
}
