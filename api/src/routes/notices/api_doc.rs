//! Seed 004's part of the OpenAPI document (merged by `crate::openapi`): its handlers.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    super::counselors::list,
    super::counselors::create,
    super::counselors::update,
    super::classes::list,
    super::classes::create,
    super::classes::update,
    super::classes::delete,
    super::students::list,
    super::students::create,
    super::students::show,
    super::students::update,
    super::students::delete,
    super::import::import,
    super::groups::list,
    super::groups::create,
    super::groups::show,
    super::groups::update,
    super::groups::delete,
    super::groups::put_member,
    super::groups::remove_member,
    super::binding::issue_code,
    super::binding::show,
    super::binding::send_sms_code,
    super::binding::bind,
))]
pub struct NoticesApi;
