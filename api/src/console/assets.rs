//! The console's stylesheet and script, compiled into the binary: no CDN, no build step.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::PageError;

const FILES: &[(&str, &str, &str)] = &[
    ("console.css", "text/css; charset=utf-8", include_str!("../../static/console/console.css")),
    ("console.js", "text/javascript; charset=utf-8", include_str!("../../static/console/console.js")),
    // The check-in QR display (`routes/college/clockin_display.rs`), outside the console.
    ("clockin-display.css", "text/css; charset=utf-8", include_str!("../../static/console/clockin-display.css")),
    ("clockin-display.js", "text/javascript; charset=utf-8", include_str!("../../static/console/clockin-display.js")),
    // Seed 004's H5 pages (`crate::h5`), outside the console.
    ("h5.css", "text/css; charset=utf-8", include_str!("../../static/console/h5.css")),
];

pub async fn serve(Path(file): Path<String>) -> Result<Response, PageError> {
    let (_, kind, body) = FILES.iter().find(|(name, _, _)| *name == file).ok_or_else(PageError::not_found)?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    ];
    Ok((headers, *body).into_response())
}
