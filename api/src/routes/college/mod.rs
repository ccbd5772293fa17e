//! Seed 002 (college staff services): snake_case fields, trailing slashes, `Token` (or Bearer)
//! auth, pages of 20 in Django REST framework's shape (`count`, `next`, `previous`, `results`).

mod activities;
mod activities_admin;
mod api_doc;
pub(crate) mod clockin_display;
mod clockins;
mod clockins_admin;
mod contacts;
mod enrollment_records;
mod enrollments;
mod guides;
mod guides_admin;
mod page;
mod repairs;
mod repairs_admin;
mod reservations;
mod reservations_admin;
mod rooms;
mod rooms_admin;

pub use api_doc::CollegeApi;
pub(crate) use clockins_admin::current_token;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;
use yizhan_common::college::activities::activity::{self, Activity};
use yizhan_common::users::Role;

use crate::error::ApiError;
use crate::extract::RoleSet;
use crate::state::AppState;

/// Users in the contact book: staff, admins and counselors.
#[derive(Debug)]
pub struct BookRole;

impl RoleSet for BookRole {
    const ROLES: &'static [Role] = &[Role::Staff, Role::Admin, Role::Counselor];
}

/// Who takes part in activities: the contact book's users and, in the activities an admin opened
/// to them (seed 004's 讲座报名), students.
#[derive(Debug)]
pub struct ActivityMembers;

impl RoleSet for ActivityMembers {
    const ROLES: &'static [Role] = &[Role::Staff, Role::Admin, Role::Counselor, Role::Student];
}

/// Whether `user` sees only the activities opened to students (a student and nothing more).
pub fn students_only(user: &yizhan_common::users::User) -> bool {
    !BookRole::ROLES.iter().any(|r| user.has_role(*r))
}

/// Whether `user` may see activity `a` (a student: only one opened to students).
pub fn may_see(user: &yizhan_common::users::User, a: &Activity) -> bool {
    !students_only(user) || a.open_to_students
}

/// Activity `id` as `user` sees it: 404 when there is none or it is not theirs to see.
pub async fn find_visible(conn: &mut sqlx::PgConnection, user: &yizhan_common::users::User, id: i64) -> Result<Activity, ApiError> {
    activity::find(conn, id).await?.filter(|a| may_see(user, a)).ok_or_else(|| ApiError::not_found("activity"))
}

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/current-user/meta/", get(contacts::my_card).put(contacts::replace_card).patch(contacts::change_card))
        .route("/contacts/", get(contacts::list))
        .route("/friends/{user_id}/", post(contacts::add_friend).delete(contacts::remove_friend))
        .route("/repairs/", get(repairs::mine).post(repairs::create))
        .route("/repairs/categories/", get(repairs::categories))
        .route("/repairs/{id}/", get(repairs::show))
        .route("/admin/repairs/", get(repairs_admin::list))
        .route("/admin/repairs/{id}/", axum::routing::patch(repairs_admin::set_status))
        .route("/admin/repairs/categories/", get(repairs_admin::categories).post(repairs_admin::add_category))
        .route("/admin/repairs/recipients/", get(repairs_admin::recipients).post(repairs_admin::add_recipient))
        .route("/admin/repairs/recipients/{id}/", delete(repairs_admin::remove_recipient))
        .route("/meetingrooms/available/", get(rooms::available))
        .route("/reservations/", get(reservations::mine).post(reservations::create))
        .route("/reservations/requests/{id}/", get(reservations::request_status))
        .route("/reservations/{id}/", get(reservations::show).delete(reservations::cancel))
        .route("/admin/reservations/conflicts/", get(reservations_admin::conflicts))
        .route("/admin/reservations/{id}/", axum::routing::patch(reservations_admin::move_reservation))
        .route("/admin/meetingrooms/", get(rooms_admin::list).post(rooms_admin::create))
        .route("/admin/meetingrooms/{id}/", get(rooms_admin::show).patch(rooms_admin::update).delete(rooms_admin::archive))
        .route("/guides/", get(guides::list))
        .route("/guides/categories/", get(guides::categories))
        .route("/guides/{id}", get(guides::download))
        .route("/guides/{id}/", get(guides::download))
        .route("/guides/{id}/email", get(guides::email).post(guides::email))
        .route("/guides/{id}/email/", get(guides::email).post(guides::email))
        // The upload's size is the storage limit (counted while the file streams in), not the JSON one.
        .route("/admin/guides/", get(guides_admin::list).post(guides_admin::create).layer(DefaultBodyLimit::max(guides_admin::body_limit(state))))
        .route("/admin/guides/{id}/", delete(guides_admin::remove))
        // Seed 002 活动: check-in (打卡) and enrollment records (报名记录).
        .route("/activities/clockins/{activity_id}", get(clockins::mine).post(clockins::check_in))
        .route("/admin/activities/{id}/clockin-items/", get(clockins_admin::items).post(clockins_admin::add_item))
        .route("/admin/activities/{id}/operators/", get(clockins_admin::operators).put(clockins_admin::set_operators))
        .route("/admin/activities/{id}/clockin-items/{item_id}/token", get(clockins_admin::token))
        .route("/admin/activities/{id}/clockin-items/{item_id}/display", get(clockin_display::show))
        .route("/admin/activities/{id}/enrollments/", get(enrollment_records::list))
        .route("/activities/", get(activities::list))
        .route("/activities/{id}", get(activities::show))
        .route("/activities/{id}/", get(activities::show))
        .route("/enrollments/", get(enrollments::mine).post(enrollments::create))
        .route("/enrollments/{id}/", get(enrollments::show).delete(enrollments::cancel))
        .route("/admin/activities/", get(activities_admin::list).post(activities_admin::create))
        .route("/admin/activities/{id}/", get(activities_admin::show).patch(activities_admin::update))
}

/// `?cancelled=yes|no` of one's own lists (reservations, enrollments): cancelled ones too?
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelledQuery {
    /// `yes`: include cancelled ones.
    cancelled: Option<String>,
}

impl CancelledQuery {
    pub(crate) fn included(&self) -> Result<bool, ApiError> {
        yes_no(self.cancelled.as_deref(), "cancelled")
    }
}

/// Seed 002's `yes`/`no` query flags (`my`, `archived`): absent or empty is `no`.
pub(crate) fn yes_no(value: Option<&str>, field: &str) -> Result<bool, ApiError> {
    match value.unwrap_or("") {
        "yes" => Ok(true),
        "no" | "" => Ok(false),
        _ => Err(ApiError::field(field, "must be `yes` or `no`")),
    }
}
