//! Seed 001's part of the OpenAPI document (merged by `crate::openapi`): its handlers, and the
//! cancel route's POST alias.

use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    paths(
        super::admin::create_hospital,
        super::admin::list_hospitals,
        super::admin::update_hospital,
        super::admin::create_department,
        super::admin::list_departments,
        super::admin::create_schedule,
        super::admin::list_schedules,
        super::admin::update_schedule,
        super::patients::create,
        super::patients::list,
        super::schedules::available,
        super::appointments::book,
        super::appointments::mine,
        super::appointments::show,
        super::appointments::cancel,
        super::appointments::reschedule,
        super::waitlist::join,
    ),
    modifiers(&Aliases)
)]
pub struct HospitalApi;

struct Aliases;

impl Modify for Aliases {
    fn modify(&self, doc: &mut Document) {
        crate::openapi::alias(doc, ("delete", "/patient/appointments/{id}"), ("post", "/patient/appointments/{id}/cancel"));
    }
}
