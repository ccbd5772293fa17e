//! Permanent material (`/cgi-bin/material/add_material?type=image`, multipart field `media`;
//! `/cgi-bin/material/add_news`), checked with the rules the client checks
//! (`yizhan_common::wechat::client::material`) and refused with WeChat's errcodes; a news
//! material's cover must be an image material added before (40007). `mass/sendall` with `mpnews`
//! takes only a news material's media id. Temporary material (`/cgi-bin/media/upload?type=image|
//! voice|video|thumb`) is checked with `client::media::check_media` and kept as
//! `{"type": <type>, "temporary": true}`; a customer-service message may carry only a media id of
//! its type (40007 otherwise).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yizhan_common::wechat::client::material::{check_articles, check_image, NewsArticle};
use yizhan_common::wechat::client::media::{check_media, MediaType};

use crate::gate::{app_of_token, enter, refuse};
use crate::mp::call;
use crate::state::{random_hex, Sim};

#[derive(Deserialize)]
pub struct MaterialQuery {
    access_token: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub async fn add_material(State(sim): State<Arc<Sim>>, Query(q): Query<MaterialQuery>, mut form: Multipart) -> Response {
    if let Err(r) = enter(&sim, "material_add").await {
        return r;
    }
    if let Err(r) = app_of_token(&sim, q.access_token.as_deref()) {
        return r;
    }
    if q.kind.as_deref() != Some("image") {
        return refuse(40004, "invalid media type");
    }
    let mut media: Option<(String, Bytes)> = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("media") {
            let name = field.file_name().unwrap_or_default().to_owned();
            match field.bytes().await {
                Ok(bytes) => media = Some((name, bytes)),
                Err(_) => return refuse(40009, "invalid image size"),
            }
        }
    }
    let Some((name, bytes)) = media else { return refuse(41005, "media data missing") };
    if let Err(broken) = check_image(&name, &bytes) {
        return refuse(broken.errcode, broken.why);
    }
    let media_id = format!("sim_img_{}", random_hex(12));
    let url = format!("http://mmbiz.qpic.cn/sim/{media_id}/0");
    sim.lock().materials.insert(media_id.clone(), json!({"type": "image", "name": name, "bytes": bytes.len(), "url": url}));
    Json(json!({"media_id": media_id, "url": url})).into_response()
}

/// The file field `media` of an upload form: (its file name, its bytes).
async fn media_field(form: &mut Multipart) -> Option<(String, Bytes)> {
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("media") {
            let name = field.file_name().unwrap_or_default().to_owned();
            return field.bytes().await.ok().map(|bytes| (name, bytes));
        }
    }
    None
}

/// `/cgi-bin/media/upload`: a temporary material of a known type, within WeChat's rules.
pub async fn upload_media(State(sim): State<Arc<Sim>>, Query(q): Query<MaterialQuery>, mut form: Multipart) -> Response {
    if let Err(r) = enter(&sim, "media_upload").await {
        return r;
    }
    if let Err(r) = app_of_token(&sim, q.access_token.as_deref()) {
        return r;
    }
    let Some(kind) = q.kind.as_deref().and_then(|k| k.parse::<MediaType>().ok()) else {
        return refuse(40004, "invalid media type");
    };
    let Some((name, bytes)) = media_field(&mut form).await else { return refuse(41005, "media data missing") };
    if let Err(broken) = check_media(kind, &name, &bytes) {
        return refuse(broken.errcode, broken.why);
    }
    let media_id = format!("sim_{}_{}", kind.as_str(), random_hex(12));
    let created_at = chrono::Utc::now().timestamp();
    sim.lock().materials.insert(media_id.clone(), json!({"type": kind.as_str(), "temporary": true, "name": name, "bytes": bytes.len()}));
    let id_field = if kind == MediaType::Thumb { "thumb_media_id" } else { "media_id" };
    Json(json!({"type": kind.as_str(), id_field: media_id, "created_at": created_at})).into_response()
}

pub async fn add_news(State(sim): State<Arc<Sim>>, Query(q): Query<MaterialQuery>, body: Bytes) -> Response {
    call(&sim, "material_add_news", q.access_token.as_deref(), &body, |inner, _, b| {
        let articles: Vec<NewsArticle> = serde_json::from_value(b["articles"].clone()).map_err(|_| refuse(47001, "data format error"))?;
        check_articles(&articles).map_err(|broken| refuse(broken.errcode, broken.why))?;
        for a in &articles {
            if !inner.materials.get(&a.thumb_media_id).is_some_and(|m| m["type"] == "image") {
                return Err(refuse(40007, "invalid media_id"));
            }
        }
        let media_id = format!("sim_news_{}", random_hex(12));
        inner.materials.insert(media_id.clone(), json!({"type": "news", "articles": b["articles"].clone()}));
        Ok(json!({"media_id": media_id}))
    })
    .await
}

