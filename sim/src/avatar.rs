//! Avatar images, as an external image host would serve them (Koala's avatar URLs, WeChat's
//! headimgurl). `GET /_sim/avatar/{name}` answers a small valid PNG for any name, except:
//! - `huge.png`: a PNG of `?bytes=` bytes (default 16 MiB) without `Content-Length` (chunked),
//!   so a size limit must be enforced while reading;
//! - `huge-declared.png`: the same with its `Content-Length`;
//! - `notimage.png`: an HTML page served as `image/png`;
//! - `redirect.png?to=<url>`: a 302 to `url` (e.g. a private or unspecified address);
//! - `status.png?code=<n>`: an empty answer with that status (404, 503, …);
//! - `slow.png?ms=<n>`: the PNG after `n` ms.
//!
//! `GET /_sim/avatar` lists the hits per name; `DELETE /_sim/avatar` forgets them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::Sim;

/// A valid 1×1 RGBA PNG (70 bytes).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
    0x54, 0x78, 0x9C, 0x63, 0xF8, 0x3F, 0xD3, 0xF8, 0x3F, 0x00, 0x07, 0x31, 0x02, 0xCB, 0x5C, 0x21, 0x63, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Hits per name.
#[derive(Debug, Default)]
pub struct AvatarSim {
    hits: Mutex<BTreeMap<String, u64>>,
}

impl AvatarSim {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, u64>> {
        self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, Deserialize)]
pub struct Params {
    to: Option<String>,
    code: Option<u16>,
    ms: Option<u64>,
    bytes: Option<usize>,
}

pub async fn image(State(sim): State<Arc<Sim>>, Path(name): Path<String>, Query(p): Query<Params>) -> Response {
    *sim.avatar.lock().entry(name.clone()).or_default() += 1;
    match name.as_str() {
        "huge.png" | "huge-declared.png" => {
            let total = p.bytes.unwrap_or(16 * 1024 * 1024);
            let mut body = PNG.to_vec();
            body.resize(total.max(PNG.len()), 0);
            if name == "huge-declared.png" {
                return ([(header::CONTENT_TYPE, "image/png")], body).into_response();
            }
            // Chunked: no length to refuse on, only the bytes as they come.
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
            ([(header::CONTENT_TYPE, "image/png")], Body::from_stream(futures::stream::iter(chunks))).into_response()
        }
        "notimage.png" => ([(header::CONTENT_TYPE, "image/png")], "<html><body>not found</body></html>").into_response(),
        "redirect.png" => match p.to {
            Some(to) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
            None => StatusCode::BAD_REQUEST.into_response(),
        },
        "status.png" => StatusCode::from_u16(p.code.unwrap_or(500)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
        _ => {
            if let Some(ms) = p.ms {
                tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
            }
            ([(header::CONTENT_TYPE, "image/png")], PNG).into_response()
        }
    }
}

pub async fn hits(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(json!({ "hits": *sim.avatar.lock() }))
}

pub async fn reset(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.avatar.lock().clear();
    StatusCode::NO_CONTENT
}
