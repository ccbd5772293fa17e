//! The admin console: server-rendered pages (askama templates under `api/templates/console/`)
//! for staff who manage from a browser, on the API process.
//!
//! Paths: `/admin/` sends the browser to `/admin/console/`, and every page, form and asset lives
//! under `/admin/console/…`, a namespace no JSON route uses (the JSON admin routes keep
//! `/admin/users`, `/admin/queues`, …). Signing in starts a server-side session (`session.rs`)
//! held in an `HttpOnly`, `SameSite=Lax` cookie scoped to `/admin/console`; every POST carries
//! the session's CSRF token (`form.rs`). Bearer tokens mean nothing here and the cookie means
//! nothing to the JSON API. Each page states the roles it needs in its signature
//! (`Signed<AdminOnly>`); the navigation shows only the sections a user's roles open (`layout.rs`).

mod activities;
mod assets;
mod catalog;
mod classes;
mod clockins;
mod counselors;
pub(crate) mod csv;
mod desk;
mod error;
mod facts;
pub(crate) mod form;
mod groups;
mod guides;
mod home;
mod keywords;
mod layout;
mod list;
mod meetings;
mod menu;
mod notice_categories;
mod notice_compose;
mod notices;
pub(crate) mod qrcodes;
mod queues;
mod repairs;
mod reservations;
mod rooms;
mod schedules;
mod school;
mod sends;
pub(crate) mod session;
mod signin;
mod student_import;
mod students;
mod users;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub use error::PageError;

/// Where the console lives.
pub const BASE: &str = "/admin/console";

/// Every console route, with the security headers every console answer carries.
pub fn routes(state: &AppState) -> Router<AppState> {
    // A guide's upload may be as large as the storage takes (counted again while it streams in).
    let upload_limit = DefaultBodyLimit::max(crate::college_admin::guides::body_limit(state));
    Router::new()
        .route("/admin/", get(|| async { Redirect::to("/admin/console/") }))
        .route("/admin/console", get(|| async { Redirect::to("/admin/console/") }))
        .route("/admin/console/", get(home::show))
        .route("/admin/console/login", get(signin::form).post(signin::submit))
        .route("/admin/console/logout", post(signin::logout))
        .route("/admin/console/users", get(users::list))
        .route("/admin/console/users.csv", get(users::export))
        .route("/admin/console/users/new", get(users::new_form).post(users::create))
        .route("/admin/console/users/{id}", get(users::edit_form).post(users::update))
        .route("/admin/console/hospitals", get(catalog::hospitals).post(catalog::create_hospital))
        .route("/admin/console/hospitals/{id}", get(catalog::edit_hospital).post(catalog::update_hospital))
        .route("/admin/console/departments", get(catalog::departments).post(catalog::create_department))
        .route("/admin/console/departments/{id}", get(catalog::edit_department).post(catalog::update_department))
        .route("/admin/console/schedules", get(schedules::list))
        .route("/admin/console/schedules.csv", get(schedules::export))
        .route("/admin/console/schedules/new", get(schedules::new_form).post(schedules::create))
        .route("/admin/console/schedules/{id}", get(schedules::show))
        .route("/admin/console/schedules/{id}/edit", get(schedules::edit_form).post(schedules::update))
        .route("/admin/console/sends", get(sends::list))
        .route("/admin/console/qrcodes", get(qrcodes::list).post(qrcodes::create))
        .route("/admin/console/qrcodes/{id}", get(qrcodes::show))
        .route("/admin/console/qrcodes/{id}/print", get(qrcodes::print))
        .route("/admin/console/qrcodes/{id}/qr.svg", get(qrcodes::image))
        .route("/admin/console/keywords", get(keywords::list))
        .route("/admin/console/keywords/new", get(keywords::new_form).post(keywords::create))
        .route("/admin/console/keywords/{id}", get(keywords::edit_form).post(keywords::update))
        .route("/admin/console/keywords/{id}/delete", post(keywords::delete))
        .route("/admin/console/rooms", get(rooms::list))
        .route("/admin/console/rooms/new", get(rooms::new_form).post(rooms::create))
        .route("/admin/console/rooms/{id}", get(rooms::edit_form).post(rooms::update))
        .route("/admin/console/rooms/{id}/archive", post(rooms::archive))
        .route("/admin/console/reservations", get(reservations::conflicts))
        .route("/admin/console/reservations/{id}", get(reservations::move_page).post(reservations::move_reservation))
        .route("/admin/console/reservations/{id}/cancel", post(reservations::cancel))
        .route("/admin/console/repairs", get(repairs::list))
        .route("/admin/console/repairs.csv", get(repairs::export))
        .route("/admin/console/repairs/{id}", get(repairs::show).post(repairs::set_status))
        .route("/admin/console/repairs/categories", get(repairs::category_list).post(repairs::add_category))
        .route("/admin/console/repairs/recipients", get(repairs::recipient_list).post(repairs::add_recipient))
        .route("/admin/console/repairs/recipients/{id}/delete", post(repairs::remove_recipient))
        .route("/admin/console/guides", get(guides::list))
        .route("/admin/console/guides/new", get(guides::new_form).post(guides::upload).layer(upload_limit))
        .route("/admin/console/guides/{id}/file", get(guides::download))
        .route("/admin/console/guides/{id}/delete", post(guides::delete))
        .route("/admin/console/activities/{id}/clockins", get(clockins::show))
        .route("/admin/console/activities/{id}/clockins/items", post(clockins::add_item))
        .route("/admin/console/activities/{id}/clockins/operators", post(clockins::set_operators))
        .route("/admin/console/activities/{id}/enrollments", get(clockins::records_page))
        .route("/admin/console/activities/{id}/enrollments.csv", get(clockins::records_csv))
        .route("/admin/console/activities", get(activities::list))
        .route("/admin/console/activities/new", get(activities::new_form).post(activities::create))
        .route("/admin/console/activities/{id}", get(activities::edit_form).post(activities::update))
        .route("/admin/console/menu", get(menu::show).post(menu::save))
        .route("/admin/console/menu/publish", post(menu::publish))
        .route("/admin/console/meetings", get(meetings::list))
        .route("/admin/console/meetings/{id}/display", get(meetings::display))
        .route("/admin/console/meetings/{id}/attendees.csv", get(meetings::csv))
        .route("/admin/console/notices", get(notices::list))
        .route("/admin/console/notices/new", get(notice_compose::form).post(notice_compose::send))
        .route("/admin/console/notices/{id}", get(notices::show))
        .route("/admin/console/notices/{id}/remind", post(notices::remind))
        .route("/admin/console/notices/{id}/recipients.csv", get(notices::csv))
        .route("/admin/console/students", get(students::list))
        .route("/admin/console/students/new", get(students::new_form).post(students::create))
        .route("/admin/console/students/import", get(student_import::form).post(student_import::submit))
        .route("/admin/console/students/{id}", get(students::edit_form).post(students::update))
        .route("/admin/console/students/{id}/delete", post(students::delete))
        .route("/admin/console/classes", get(classes::list).post(classes::create))
        .route("/admin/console/classes/{id}", get(classes::edit_form).post(classes::update))
        .route("/admin/console/classes/{id}/delete", post(classes::delete))
        .route("/admin/console/groups", get(groups::list).post(groups::create))
        .route("/admin/console/groups/{id}", get(groups::show).post(groups::update))
        .route("/admin/console/groups/{id}/members", post(groups::put_member))
        .route("/admin/console/groups/{id}/members/{student_id}/remove", post(groups::remove_member))
        .route("/admin/console/groups/{id}/delete", post(groups::delete))
        .route("/admin/console/counselors", get(counselors::list))
        .route("/admin/console/counselors/new", get(counselors::new_form).post(counselors::create))
        .route("/admin/console/counselors/{id}", get(counselors::edit_form).post(counselors::update))
        .route("/admin/console/counselors/{id}/bind-code", post(counselors::bind_code))
        .route("/admin/console/notice-categories", get(notice_categories::list).post(notice_categories::create))
        .route("/admin/console/desk", get(desk::inbox))
        .route("/admin/console/desk/{id}", get(desk::conversation))
        .route("/admin/console/desk/{id}/answer", post(desk::answer))
        .route("/admin/console/facts", get(facts::show))
        .route("/admin/console/queues", get(queues::list))
        .route("/admin/console/queues/{queue}", get(queues::dead))
        .route("/admin/console/queues/{queue}/retry-all", post(queues::retry_all))
        .route("/admin/console/queues/{queue}/dead/{id}/retry", post(queues::retry))
        .route("/admin/console/static/{file}", get(assets::serve))
        .route("/admin/console/{*rest}", get(not_found).post(not_found))
        .layer(axum::middleware::map_response(security_headers))
}

async fn not_found() -> PageError {
    PageError::not_found()
}

/// No framing, no foreign scripts or styles, no caching of pages that show people's data.
async fn security_headers(res: Response) -> Response {
    with_security_headers(
        res,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
}

/// The headers every server-rendered page carries (the console's, the H5 pages'), with its CSP.
pub(crate) fn with_security_headers(mut res: Response, csp: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}
