//! Sends: subscribe (template ids, keyword keys and limits, one-time grants), template,
//! customer-service and mass messages. Every accepted message is kept for `GET /_sim/messages`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::limits::check_keyword;
use crate::state::{wx_err, wx_ok, Sim};

type Q = Query<HashMap<String, String>>;

async fn begin(sim: &Sim, op: &str, q: &HashMap<String, String>) -> Result<String, Response> {
    if let Some(fault) = sim.enter(op).await {
        return Err(fault);
    }
    sim.check_token(q.get("access_token")).map_err(IntoResponse::into_response)
}

fn record(sim: &Sim, op: &str, appid: &str, to: Value, body: &Value) {
    let mut w = sim.world();
    let at = sim.now(&w);
    w.messages.push(json!({"op": op, "appid": appid, "to": to, "at": at, "body": body}));
}

pub async fn subscribe(State(sim): State<Sim>, Query(q): Q, Json(body): Json<Value>) -> Response {
    let appid = match begin(&sim, "subscribe_send", &q).await {
        Ok(appid) => appid,
        Err(answer) => return answer,
    };
    let touser = body["touser"].as_str().unwrap_or_default().to_owned();
    let template_id = body["template_id"].as_str().unwrap_or_default().to_owned();
    {
        let mut w = sim.world();
        if !w.users.contains(&touser) {
            return wx_err(40003, "invalid openid");
        }
        let Some(keys) = w.templates.get(&template_id).cloned() else {
            return wx_err(40037, "invalid template_id");
        };
        let Some(data) = body["data"].as_object() else {
            return wx_err(47003, "argument invalid! data is empty");
        };
        for key in data.keys() {
            if !keys.contains(key) {
                return wx_err(47003, &format!("argument invalid! data.{key} is not in the template"));
            }
        }
        for key in &keys {
            let value = data.get(key).and_then(|v| v["value"].as_str()).unwrap_or_default();
            if let Err(why) = check_keyword(key, value) {
                return wx_err(47003, &why);
            }
        }
        let grant = w.grants.entry((touser.clone(), template_id)).or_default();
        if *grant == 0 {
            return wx_err(43101, "user refuse to accept the msg");
        }
        *grant -= 1;
    }
    record(&sim, "subscribe_send", &appid, json!(touser), &body);
    wx_ok(json!({}))
}

pub async fn template(State(sim): State<Sim>, Query(q): Q, Json(body): Json<Value>) -> Response {
    let appid = match begin(&sim, "template_send", &q).await {
        Ok(appid) => appid,
        Err(answer) => return answer,
    };
    let touser = body["touser"].as_str().unwrap_or_default().to_owned();
    if !sim.world().users.contains(&touser) {
        return wx_err(40003, "invalid openid");
    }
    let msgid = {
        let mut w = sim.world();
        w.issued += 1;
        w.issued
    };
    record(&sim, "template_send", &appid, json!(touser), &body);
    wx_ok(json!({"msgid": msgid}))
}

pub async fn custom(State(sim): State<Sim>, Query(q): Q, Json(body): Json<Value>) -> Response {
    let appid = match begin(&sim, "custom_send", &q).await {
        Ok(appid) => appid,
        Err(answer) => return answer,
    };
    let touser = body["touser"].as_str().unwrap_or_default().to_owned();
    if !sim.world().users.contains(&touser) {
        return wx_err(40003, "invalid openid");
    }
    record(&sim, "custom_send", &appid, json!(touser), &body);
    wx_ok(json!({}))
}

fn mass(sim: &Sim, op: &str, appid: &str, to: Value, body: &Value) -> Response {
    if let Some(id) = body["clientmsgid"].as_str() {
        let fresh = sim.world().clientmsgids.insert(format!("{appid}:{id}"));
        if !fresh {
            return wx_err(45065, "clientmsgid exist");
        }
    }
    let msg_id = {
        let mut w = sim.world();
        w.issued += 1;
        w.issued
    };
    record(sim, op, appid, to, body);
    wx_ok(json!({"msg_id": msg_id, "msg_data_id": msg_id}))
}

pub async fn mass_openids(State(sim): State<Sim>, Query(q): Q, Json(body): Json<Value>) -> Response {
    let appid = match begin(&sim, "mass_send", &q).await {
        Ok(appid) => appid,
        Err(answer) => return answer,
    };
    let count = body["touser"].as_array().map_or(0, Vec::len);
    if !(2..=10_000).contains(&count) {
        return wx_err(40130, "invalid openid list size, at least two openid");
    }
    mass(&sim, "mass_send", &appid, body["touser"].clone(), &body)
}

pub async fn mass_tag(State(sim): State<Sim>, Query(q): Q, Json(body): Json<Value>) -> Response {
    let appid = match begin(&sim, "mass_sendall", &q).await {
        Ok(appid) => appid,
        Err(answer) => return answer,
    };
    mass(&sim, "mass_sendall", &appid, body["filter"].clone(), &body)
}
