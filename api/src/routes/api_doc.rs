//! The OpenAPI part of the routes outside the seeds' domains (auth, users, queues, files,
//! health); merged into the document by `crate::openapi`.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    super::health::healthz,
    super::health::readyz,
    super::metrics::show,
    crate::openapi::openapi_json,
    super::auth::get_token,
    super::auth::logout,
    super::wechat_login::code2token,
    super::wechat_login::bind,
    super::current_user::show,
    super::admin_users::create,
    super::admin_users::list,
    super::admin_users::update,
    super::admin_queues::list,
    super::admin_queues::dead,
    super::admin_queues::retry,
    super::files::upload,
    super::files::download,
))]
pub struct CoreApi;
