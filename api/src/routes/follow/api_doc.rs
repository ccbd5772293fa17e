//! The Official Account's part of the OpenAPI document (merged by `crate::openapi`): its handlers.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    super::create_qrcode::create,
    super::create_qrcode::show,
    super::qrcodes::list,
    super::qrcodes::update_department,
    super::followers::list,
    super::keywords::list,
    super::keywords::create,
    super::keywords::replace,
    super::keywords::remove,
    super::menu::show,
    super::menu::save,
    super::menu::publish,
    super::topics::list,
    super::topics::posts,
    super::topics::hide,
))]
pub struct FollowApi;
