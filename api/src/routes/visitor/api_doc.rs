//! Seed 003's part of the OpenAPI document (merged by `crate::openapi`): its handlers.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    super::h5_login::login,
    super::wechat_binding::send_code,
    super::wechat_binding::show,
    super::wechat_binding::bind,
    super::jssdk::config,
    super::subject_binding::show,
    super::subject_binding::bind,
    super::visitor_binding::show,
    super::visitor_binding::bind,
    super::purposes::list,
    super::applications::create,
    super::records::visits,
    super::records::proposed,
    super::authorize::decide,
))]
pub struct VisitorApi;
