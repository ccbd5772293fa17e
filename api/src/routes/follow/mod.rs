//! The Official Account: department QR codes and followers (seed 000), the keyword robot (seeds
//! 000 and 004: admins and counselors manage its rules), the custom menu and the topic board (seed
//! 004).

mod api_doc;
mod create_qrcode;
mod followers;
mod keywords;
mod menu;
/// The custom menu's handlers, for the console's menu page.
pub(crate) use menu::{publish as publish_menu, save as save_menu, show as show_menu};
mod qrcodes;
mod topics;
/// The topic board's handlers, for its H5 pages.
pub(crate) use topics::{list as topics, posts as topic_posts};
mod views;

pub use api_doc::FollowApi;

use axum::routing::{delete, get, patch, post};
use axum::Router;

use crate::state::AppState;

/// Who manages the robot's rules and the menu and moderates the topic board: the school's staff.
pub use crate::extract::SchoolStaff as Moderators;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/nurses/msg/wx/qrcode", post(create_qrcode::create).get(create_qrcode::show))
        .route("/api/admin/nurses/msg/wx/qrcode-list", get(qrcodes::list))
        .route("/api/admin/nurses/msg/wx/departments/{id}/followers", get(followers::list))
        .route("/api/admin/nurses/msg/wx/keywords", get(keywords::list).post(keywords::create))
        .route("/api/admin/nurses/msg/wx/keywords/{id}", delete(keywords::remove).put(keywords::replace))
        .route("/admin/departments/{id}", patch(qrcodes::update_department))
        .route("/school/menu", get(menu::show).put(menu::save))
        .route("/school/menu/publish", post(menu::publish))
        .route("/school/topics", get(topics::list))
        .route("/school/topics/{topic}/posts", get(topics::posts))
        .route("/school/topic-posts/{id}", delete(topics::hide))
}
