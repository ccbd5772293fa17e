//! Seed 004, student–counselor notices (issue 16). Part 1: the people — counselors (admins),
//! classes, students and groups (admins and counselors; a counselor sees only the classes they
//! look after, their students and their own groups), the CSV import of students, and binding a
//! follower's openid to a student (a counselor's one-time code or an SMS code to the phone on file). camelCase,
//! pages in the usual `{count, page, pageSize, results}` shape.

mod api_doc;
mod attachments;
mod binding;
pub(crate) mod broadcasts;
mod classes;
mod comments;
mod content;
mod counselor_binding;
mod counselors;
pub(crate) mod desk;
pub(crate) mod desk_answer;
mod directory;
mod groups;
mod import;
mod locations;
mod mass_format;
pub(crate) mod meetings;
mod notices;
mod party;
mod reading;
mod replies;
mod report;
mod search;
mod students;
mod voting;

pub use api_doc::NoticesApi;

use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use yizhan_common::notices::Scope;

use crate::error::ApiResult;
use crate::extract::Authorized;
use crate::state::AppState;

/// Admins and counselors.
pub use crate::extract::SchoolStaff;

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
        .route("/school/counselors/{id}/bind-code", post(counselor_binding::issue_code))
        .route("/school/counselor-binding", get(counselor_binding::show).post(counselor_binding::bind))
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
        .route("/school/location-sharing", get(locations::show_sharing).put(locations::set_sharing))
        .route("/school/locations", get(locations::list))
        .route("/school/directory", get(directory::search))
        .route("/school/teachers", post(directory::create))
        .route("/school/teachers/{id}", patch(directory::update).delete(directory::delete))
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
        .route("/school/notice-search", get(search::search))
        .route("/school/notices/{id}/comments", get(comments::list).post(comments::create))
        .route("/school/notice-comments/{id}/hide", post(comments::hide))
        .route("/school/notice-comments/{id}", delete(comments::delete))
        .route("/school/notices/{id}/thread", get(replies::mine).post(replies::ask))
        .route("/school/notices/{id}/threads", get(replies::threads))
        .route("/school/notices/{id}/threads/{student_id}", get(replies::show).post(replies::answer))
        .route("/school/meetings", get(meetings::list).post(meetings::create))
        .route("/school/meetings/{id}", get(meetings::show).delete(meetings::delete))
        .route("/school/meetings/{id}/attendees", get(meetings::attendees))
        .route("/school/meetings/{id}/attendees.csv", get(meetings::csv))
        .route("/school/meetings/{id}/code", get(meetings::code))
        .route("/school/meetings/{id}/checkin", post(meetings::checkin))
        .route("/school/desk/conversations", get(desk::list))
        .route("/school/desk/conversations/{id}", get(desk::show))
        .route("/school/desk/conversations/{id}/answers", post(desk::answer))
        .route("/school/broadcasts", get(broadcasts::list).post(broadcasts::create))
        .route("/school/broadcasts/{id}", patch(broadcasts::update).delete(broadcasts::delete))
        .route("/school/broadcast-subscription", get(broadcasts::show_subscription).put(broadcasts::set_subscription))
        .route("/school/groups", get(groups::list).post(groups::create))
        .route("/school/groups/{id}", get(groups::show).patch(groups::update).delete(groups::delete))
        .route("/school/groups/{id}/members/{student_id}", put(groups::put_member).delete(groups::remove_member))
}

/// The handlers the H5 pages (`crate::h5`) call, so a page follows the JSON route's rules.
pub(crate) mod for_pages {
    pub(crate) use super::attachments::download as attachment;
    pub(crate) use super::binding::{bind, show as binding};
    pub(crate) use super::counselor_binding::{bind as bind_counselor, issue_code as counselor_code, show as counselor_binding};
    pub(crate) use super::broadcasts::{set_subscription, show_subscription};
    pub(crate) use super::comments::{create as comment, list as comments};
    pub(crate) use super::directory::{search as directory, DirectoryQuery};
    pub(crate) use super::replies::{ask, mine as thread};
    pub(crate) use super::search::{search, SearchParams};
    pub(crate) use super::locations::{set_sharing, show_sharing};
    pub(crate) use super::notices::{categories, create as send_notice, show as notice};
    pub(crate) use super::reading::{confirm, page as notice_page, set_settings, show_settings};
    pub(crate) use super::notices::list as notices;
    pub(crate) use super::report::{csv as recipients_csv, non_readers, remind, show as stats};
    pub(crate) use super::voting::results as vote_results;
    pub(crate) use super::voting::cast as vote;
    pub(crate) use super::SchoolStaff;
    // The console's people pages (`crate::console::school`).
    pub(crate) mod people {
        pub(crate) use super::super::classes::{create as create_class, delete as delete_class, list as classes, update as update_class};
        pub(crate) use super::super::counselors::{create as create_counselor, list as counselors, update as update_counselor};
        pub(crate) use super::super::groups::{
            create as create_group, delete as delete_group, list as groups, put_member, remove_member, show as group, update as update_group,
        };
        pub(crate) use super::super::import::import as import_students;
        pub(crate) use super::super::notices::create_category;
        pub(crate) use super::super::students::{create as create_student, delete as delete_student, list as students, show as student, update as update_student};
    }
}
