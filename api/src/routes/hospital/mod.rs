//! Hospital appointments (seed 001): admin catalogue, patients, the seed's four routes and the
//! patient views a Mini Program needs beside them.

mod api_doc;
mod admin;
mod appointments;
mod errors;
mod patients;
mod schedules;
mod subscribe;
mod views;
mod waitlist;

pub use api_doc::HospitalApi;
pub(crate) use appointments::promote_freed;

use axum::routing::{get, patch, post, put};
use axum::Router;
use yizhan_common::users::Role;

use crate::extract::RoleSet;
use crate::state::AppState;

/// Users who book for their patients.
#[derive(Debug)]
pub struct PatientRole;

impl RoleSet for PatientRole {
    const ROLES: &'static [Role] = &[Role::Patient];
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/hospitals", post(admin::create_hospital).get(admin::list_hospitals))
        .route("/admin/departments", post(admin::create_department).get(admin::list_departments))
        .route("/admin/hospitals/{id}", patch(admin::update_hospital))
        .route("/admin/schedules", post(admin::create_schedule).get(admin::list_schedules))
        .route("/admin/schedules/{id}", patch(admin::update_schedule))
        .route("/patient/patients", post(patients::create).get(patients::list))
        .route("/patient/schedules", get(schedules::available))
        .route("/patient/appointments", post(appointments::book).get(appointments::mine))
        .route("/patient/appointments/{id}", get(appointments::show).delete(appointments::cancel))
        .route("/patient/appointments/{id}/cancel", post(appointments::cancel))
        .route("/patient/appointments/{id}/reschedule", put(appointments::reschedule))
        .route("/patient/waitlist", post(waitlist::join))
}
