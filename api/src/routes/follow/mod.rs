//! Seed 000: department QR codes, followers and keyword replies for the Official Account.

mod api_doc;
mod create_qrcode;
mod followers;
mod keywords;
mod qrcodes;
mod views;

pub use api_doc::FollowApi;

use axum::routing::{delete, get, patch, post};
use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/nurses/msg/wx/qrcode", post(create_qrcode::create).get(create_qrcode::show))
        .route("/api/admin/nurses/msg/wx/qrcode-list", get(qrcodes::list))
        .route("/api/admin/nurses/msg/wx/departments/{id}/followers", get(followers::list))
        .route("/api/admin/nurses/msg/wx/keywords", get(keywords::list).post(keywords::create))
        .route("/api/admin/nurses/msg/wx/keywords/{id}", delete(keywords::remove).put(keywords::replace))
        .route("/admin/departments/{id}", patch(qrcodes::update_department))
}
