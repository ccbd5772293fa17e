//! Seed 002's part of the OpenAPI document (merged by `crate::openapi`): its handlers, and the
//! guide routes served both with and without the trailing slash.

use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    paths(
        super::contacts::my_card,
        super::contacts::replace_card,
        super::contacts::change_card,
        super::contacts::list,
        super::contacts::add_friend,
        super::contacts::remove_friend,
        super::repairs::mine,
        super::repairs::create,
        super::repairs::categories,
        super::repairs::show,
        super::repairs_admin::list,
        super::repairs_admin::set_status,
        super::repairs_admin::categories,
        super::repairs_admin::add_category,
        super::repairs_admin::recipients,
        super::repairs_admin::add_recipient,
        super::repairs_admin::remove_recipient,
        super::rooms::available,
        super::reservations::mine,
        super::reservations::create,
        super::reservations::request_status,
        super::reservations::show,
        super::reservations::cancel,
        super::reservations_admin::conflicts,
        super::reservations_admin::move_reservation,
        super::rooms_admin::list,
        super::rooms_admin::create,
        super::rooms_admin::show,
        super::rooms_admin::update,
        super::rooms_admin::archive,
        super::guides::list,
        super::guides::categories,
        super::guides::download,
        super::guides::email,
        super::guides_admin::list,
        super::guides_admin::create,
        super::guides_admin::remove,
        super::activities::list,
        super::activities::show,
        super::activities_admin::list,
        super::activities_admin::create,
        super::activities_admin::show,
        super::activities_admin::update,
        super::enrollments::mine,
        super::enrollments::create,
        super::enrollments::show,
        super::enrollments::cancel,
        super::clockins::mine,
        super::clockins::check_in,
        super::clockins_admin::items,
        super::clockins_admin::add_item,
        super::clockins_admin::operators,
        super::clockins_admin::set_operators,
        super::clockins_admin::token,
        super::enrollment_records::list,
    ),
    modifiers(&Aliases)
)]
pub struct CollegeApi;

struct Aliases;

impl Modify for Aliases {
    fn modify(&self, doc: &mut Document) {
        crate::openapi::alias(doc, ("get", "/guides/{id}/"), ("get", "/guides/{id}"));
        crate::openapi::alias(doc, ("get", "/activities/{id}/"), ("get", "/activities/{id}"));
        for method in ["get", "post"] {
            crate::openapi::alias(doc, (method, "/guides/{id}/email/"), (method, "/guides/{id}/email"));
        }
    }
}
