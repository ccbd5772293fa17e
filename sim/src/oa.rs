//! Official Account: parametric QR codes and user info.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::state::{wx_err, Sim};

pub async fn qrcode_create(State(sim): State<Sim>, Query(q): Query<HashMap<String, String>>, Json(body): Json<Value>) -> Response {
    if let Some(fault) = sim.enter("qrcode_create").await {
        return fault;
    }
    if let Err(answer) = sim.check_token(q.get("access_token")) {
        return answer.into_response();
    }
    let action = body["action_name"].as_str().unwrap_or_default();
    let scene = &body["action_info"]["scene"];
    let permanent = action.starts_with("QR_LIMIT");
    let valid_scene = match action {
        "QR_SCENE" => scene["scene_id"].as_u64().is_some_and(|id| id >= 1),
        "QR_LIMIT_SCENE" => scene["scene_id"].as_u64().is_some_and(|id| (1..=100_000).contains(&id)),
        "QR_STR_SCENE" | "QR_LIMIT_STR_SCENE" => {
            scene["scene_str"].as_str().is_some_and(|s| (1..=64).contains(&s.chars().count()))
        }
        _ => return wx_err(40052, "invalid action name"),
    };
    if !valid_scene {
        return wx_err(40053, "invalid action info");
    }
    let expire = body["expire_seconds"].as_u64().unwrap_or(30).min(2_592_000);
    let ticket = {
        let mut w = sim.world();
        w.issued += 1;
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
        format!("gQSIM{}+{}/{}==", w.issued, action, hex::encode(bytes))
    };
    let mut answer = json!({"ticket": ticket, "url": format!("http://weixin.qq.com/q/sim{}", ticket.len())});
    if !permanent {
        answer["expire_seconds"] = json!(expire);
    }
    Json(answer).into_response()
}

pub async fn user_info(State(sim): State<Sim>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(fault) = sim.enter("user_info").await {
        return fault;
    }
    if let Err(answer) = sim.check_token(q.get("access_token")) {
        return answer.into_response();
    }
    let openid = q.get("openid").cloned().unwrap_or_default();
    if !sim.world().users.contains(&openid) {
        return wx_err(40003, "invalid openid");
    }
    Json(json!({"subscribe": 1, "openid": openid, "language": "zh_CN", "subscribe_time": 1_700_000_000, "tagid_list": []}))
        .into_response()
}
