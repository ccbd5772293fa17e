//! Official Account paths: template, customer-service and mass messages, QR codes, users, tags
//! and web OAuth, each with WeChat's checks and errcodes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::gate::{app_of_token, enter, json_body, refuse};
use crate::mini::TokenQuery;
use crate::state::{ok_body, random_hex, Delivered, Inner, Sim};

/// Runs the common steps (faults, token, JSON body) and then `f` under the lock.
pub(crate) async fn call(
    sim: &Arc<Sim>,
    op: &str,
    token: Option<&str>,
    body: &[u8],
    f: impl FnOnce(&mut Inner, &str, &Value) -> Result<Value, Response>,
) -> Response {
    if let Err(r) = enter(sim, op).await {
        return r;
    }
    let appid = match app_of_token(sim, token) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body = if body.is_empty() { Value::Null } else {
        match json_body(body) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let (answer, events) = {
        let mut inner = sim.lock();
        (f(&mut inner, &appid, &body), std::mem::take(&mut inner.pending_events))
    };
    for event in events {
        crate::callbacks::push_event(sim, event);
    }
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

/// Queues a job-finish event (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`) as WeChat pushes it.
fn finish_event(inner: &mut Inner, from: &str, event: &str, fields: &[(&str, Value)]) {
    let mut map: std::collections::BTreeMap<String, Value> = fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    map.insert("FromUserName".into(), json!(from));
    map.insert("MsgType".into(), json!("event"));
    map.insert("Event".into(), json!(event));
    map.insert("CreateTime".into(), json!(chrono::Utc::now().timestamp()));
    inner.pushed_events.push(map.clone());
    inner.pending_events.push(map);
}

fn deliver(inner: &mut Inner, api: &str, appid: &str, touser: &str, template: Option<&str>, data: Value) -> u64 {
    let seq = inner.next_seq();
    inner.messages.push(Delivered {
        seq,
        api: api.into(),
        appid: appid.into(),
        touser: touser.into(),
        template_id: template.map(String::from),
        data,
        page: None,
        client_msg_id: None,
        at_ms: chrono::Utc::now().timestamp_millis(),
    });
    seq
}

fn known_user(inner: &Inner, appid: &str, openid: &str) -> Result<(), Response> {
    match inner.users.get(openid) {
        Some(u) if u.appid == appid => Ok(()),
        _ => Err(refuse(40003, "invalid openid")),
    }
}

pub async fn template_send(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    let templates = sim.config.templates.clone();
    call(&sim, "template_send", q.access_token.as_deref(), &body, |inner, appid, b| {
        let touser = b["touser"].as_str().unwrap_or_default();
        let template = b["template_id"].as_str().unwrap_or_default();
        if !templates.contains_key(template) {
            return Err(refuse(40037, "invalid template_id"));
        }
        known_user(inner, appid, touser)?;
        if let Some(id) = b["client_msg_id"].as_str() {
            let key = format!("tpl:{touser}:{id}");
            if let Some(msgid) = inner.mass_msg_ids.get(&key) {
                return Ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}));
            }
            let msgid = deliver(inner, "template", appid, touser, Some(template), b["data"].clone());
            if let Some(m) = inner.messages.last_mut() {
                m.client_msg_id = Some(id.to_owned());
            }
            inner.mass_msg_ids.insert(key, msgid);
            finish_event(inner, touser, "TEMPLATESENDJOBFINISH", &[("MsgID", json!(msgid)), ("Status", json!("success"))]);
            return Ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}));
        }
        let msgid = deliver(inner, "template", appid, touser, Some(template), b["data"].clone());
        finish_event(inner, touser, "TEMPLATESENDJOBFINISH", &[("MsgID", json!(msgid)), ("Status", json!("success"))]);
        Ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}))
    })
    .await
}

/// Allowed within 48 hours of the user's last interaction, five messages per window.
pub async fn custom_send(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    call(&sim, "custom_send", q.access_token.as_deref(), &body, |inner, appid, b| {
        let touser = b["touser"].as_str().unwrap_or_default().to_owned();
        known_user(inner, appid, &touser)?;
        let user = inner.users.get_mut(&touser).ok_or_else(|| refuse(40003, "invalid openid"))?;
        let open = user.last_interaction.is_some_and(|t| t.elapsed() < Duration::from_secs(48 * 3600));
        if !open {
            return Err(refuse(45015, "response out of time limit or subscription is canceled"));
        }
        if user.cs_sent >= 5 {
            return Err(refuse(45047, "out of response count limit"));
        }
        // Media must be temporary material of the message's type.
        let msgtype = b["msgtype"].as_str().unwrap_or_default();
        let needs: &[(&str, &str)] = match msgtype {
            "image" => &[("media_id", "image")],
            "voice" => &[("media_id", "voice")],
            "video" => &[("media_id", "video")],
            "music" => &[("thumb_media_id", "thumb")],
            _ => &[],
        };
        for (field, kind) in needs {
            let id = b[msgtype][field].as_str().unwrap_or_default();
            if !inner.materials.get(id).is_some_and(|m| m["type"] == *kind) {
                return Err(refuse(40007, "invalid media_id"));
            }
        }
        let user = inner.users.get_mut(&touser).ok_or_else(|| refuse(40003, "invalid openid"))?;
        user.cs_sent += 1;
        deliver(inner, "custom", appid, &touser, None, b.clone());
        Ok(ok_body())
    })
    .await
}

/// By openids (`/mass/send`, 2–10,000) or by tag (`/mass/sendall`); `clientmsgid` de-duplicates.
pub async fn mass_send(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    call(&sim, "mass_send", q.access_token.as_deref(), &body, |inner, appid, b| {
        let openids: Vec<String> = b["touser"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
        if !(2..=10_000).contains(&openids.len()) {
            return Err(refuse(40130, "invalid openid list size, at least two openid"));
        }
        mass(inner, appid, b, openids)
    })
    .await
}

pub async fn mass_sendall(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    call(&sim, "mass_sendall", q.access_token.as_deref(), &body, |inner, appid, b| {
        let by_all = b["filter"]["is_to_all"].as_bool().unwrap_or(false);
        let tag = b["filter"]["tag_id"].as_u64().and_then(|t| u32::try_from(t).ok());
        let openids: Vec<String> = inner
            .users
            .values()
            .filter(|u| u.appid == appid && (by_all || tag.is_some_and(|t| u.tags.contains(&t))))
            .map(|u| u.openid.clone())
            .collect();
        mass(inner, appid, b, openids)
    })
    .await
}

fn mass(inner: &mut Inner, appid: &str, b: &Value, openids: Vec<String>) -> Result<Value, Response> {
    if b["msgtype"] == "mpnews" {
        let media = b["mpnews"]["media_id"].as_str().unwrap_or_default();
        if !inner.materials.get(media).is_some_and(|m| m["type"] == "news") {
            return Err(refuse(40007, "invalid media_id"));
        }
    }
    // A clientmsgid used before: refused, naming the earlier send (as WeChat does within 24 hours).
    let key = b["clientmsgid"].as_str().map(|id| format!("mass:{appid}:{id}"));
    if let Some(earlier) = key.as_ref().and_then(|k| inner.mass_msg_ids.get(k)) {
        return Err(Json(json!({"errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": earlier})).into_response());
    }
    let msg_id = inner.next_seq();
    if let Some(key) = key {
        inner.mass_msg_ids.insert(key, msg_id);
    }
    for openid in &openids {
        deliver(inner, "mass", appid, openid, None, b.clone());
    }
    let sent = json!(openids.len());
    finish_event(inner, "mphelper", "MASSSENDJOBFINISH", &[
        ("MsgID", json!(msg_id)),
        ("Status", json!("send success")),
        ("TotalCount", sent.clone()),
        ("FilterCount", sent.clone()),
        ("SentCount", sent),
        ("ErrorCount", json!(0)),
    ]);
    Ok(json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id, "msg_data_id": msg_id}))
}

/// `QR_SCENE`/`QR_STR_SCENE` (temporary) and `QR_LIMIT_SCENE`/`QR_LIMIT_STR_SCENE` (permanent).
pub async fn qrcode_create(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    call(&sim, "qrcode_create", q.access_token.as_deref(), &body, |inner, appid, b| {
        let action = b["action_name"].as_str().unwrap_or_default();
        let scene = &b["action_info"]["scene"];
        let valid = match action {
            "QR_SCENE" | "QR_LIMIT_SCENE" => scene["scene_id"].as_u64().is_some_and(|id| (1..=100_000).contains(&id)),
            "QR_STR_SCENE" | "QR_LIMIT_STR_SCENE" => scene["scene_str"].as_str().is_some_and(|s| (1..=64).contains(&s.chars().count())),
            _ => false,
        };
        if !valid {
            return Err(refuse(40053, "invalid action info"));
        }
        let permanent = action.starts_with("QR_LIMIT");
        let expire = if permanent { None } else { Some(b["expire_seconds"].as_u64().unwrap_or(60).min(2_592_000)) };
        let ticket = format!("gQ{}", random_hex(20));
        inner.qr_tickets.insert(ticket.clone(), json!({"appid": appid, "action": action, "scene": scene}));
        let mut answer = json!({"ticket": ticket, "url": format!("http://weixin.qq.com/q/{}", &ticket[2..14])});
        if let Some(e) = expire {
            answer["expire_seconds"] = json!(e);
        }
        Ok(answer)
    })
    .await
}

#[derive(Deserialize)]
pub struct UserQuery {
    access_token: Option<String>,
    openid: Option<String>,
}

pub async fn user_info(State(sim): State<Arc<Sim>>, Query(q): Query<UserQuery>) -> Response {
    let openid = q.openid.unwrap_or_default();
    call(&sim, "user_info", q.access_token.as_deref(), &[], |inner, appid, _| {
        known_user(inner, appid, &openid)?;
        let u = inner.users.get(&openid).ok_or_else(|| refuse(40003, "invalid openid"))?;
        Ok(json!({"subscribe": 1, "openid": u.openid, "nickname": u.nickname, "language": "zh_CN", "tagid_list": u.tags}))
    })
    .await
}

pub async fn tags_create(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    call(&sim, "tags", q.access_token.as_deref(), &body, |inner, _, b| {
        let name = b["tag"]["name"].as_str().unwrap_or_default();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(refuse(45158, "tag name too long"));
        }
        if inner.tags.values().any(|n| n == name) {
            return Err(refuse(45157, "invalid tag name"));
        }
        let id = 100 + u32::try_from(inner.tags.len()).unwrap_or(0);
        inner.tags.insert(id, name.to_owned());
        Ok(json!({"tag": {"id": id, "name": name}}))
    })
    .await
}

/// Renames a tag: 1–30 characters, unique (45157, another tag has it), not one of the reserved
/// tags 0–2 (45058), one that exists (45159).
pub async fn tags_update(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    call(&sim, "tags_update", q.access_token.as_deref(), &body, |inner, _, b| {
        let id = b["tag"]["id"].as_u64().and_then(|t| u32::try_from(t).ok()).unwrap_or(u32::MAX);
        let name = b["tag"]["name"].as_str().unwrap_or_default();
        if id <= 2 {
            return Err(refuse(45058, "can't modify sys tag"));
        }
        if name.is_empty() || name.chars().count() > 30 {
            return Err(refuse(45158, "tag name too long"));
        }
        if !inner.tags.contains_key(&id) {
            return Err(refuse(45159, "invalid tag id"));
        }
        if inner.tags.iter().any(|(other, n)| *other != id && n == name) {
            return Err(refuse(45157, "invalid tag name"));
        }
        inner.tags.insert(id, name.to_owned());
        Ok(ok_body())
    })
    .await
}

/// `GET /_sim/tags`: every tag, `{tags: [{id, name}]}`.
pub async fn sim_tags(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let inner = sim.lock();
    let tags: Vec<Value> = inner.tags.iter().map(|(id, name)| json!({"id": id, "name": name})).collect();
    Json(json!({ "tags": tags }))
}

pub async fn tags_get(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>) -> Response {
    call(&sim, "tags", q.access_token.as_deref(), &[], |inner, appid, _| {
        let tags: Vec<Value> = inner
            .tags
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "count": inner.users.values().filter(|u| u.appid == appid && u.tags.contains(id)).count()}))
            .collect();
        Ok(json!({ "tags": tags }))
    })
    .await
}

pub async fn tags_batchtagging(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    tagging(sim, q, body, false).await
}

pub async fn tags_batchuntagging(State(sim): State<Arc<Sim>>, Query(q): Query<TokenQuery>, body: Bytes) -> Response {
    tagging(sim, q, body, true).await
}

/// `batchtagging` / `batchuntagging`: 1 to 50 known openids and a tag that exists.
async fn tagging(sim: Arc<Sim>, q: TokenQuery, body: Bytes, untag: bool) -> Response {
    call(&sim, "tags", q.access_token.as_deref(), &body, |inner, appid, b| {
        let tag = b["tagid"].as_u64().and_then(|t| u32::try_from(t).ok()).filter(|t| inner.tags.contains_key(t));
        let Some(tag) = tag else { return Err(refuse(45159, "invalid tag id")) };
        let openids: Vec<String> = b["openid_list"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
        if openids.is_empty() || openids.len() > 50 {
            return Err(refuse(40032, "invalid openid list size"));
        }
        for openid in &openids {
            known_user(inner, appid, openid)?;
        }
        for openid in openids {
            if let Some(u) = inner.users.get_mut(&openid) {
                if untag {
                    u.tags.retain(|t| *t != tag);
                } else if !u.tags.contains(&tag) {
                    u.tags.push(tag);
                }
            }
        }
        Ok(ok_body())
    })
    .await
}

#[derive(Deserialize)]
pub struct OauthQuery {
    appid: Option<String>,
    secret: Option<String>,
    code: Option<String>,
}

/// Web OAuth codes are issued by `/_sim/users` like js_codes and are just as single-use.
pub async fn oauth_access_token(State(sim): State<Arc<Sim>>, Query(q): Query<OauthQuery>) -> Response {
    if let Err(r) = enter(&sim, "oauth2").await {
        return r;
    }
    let appid = q.appid.unwrap_or_default();
    if q.secret.is_none() || sim.config.apps.get(&appid) != q.secret.as_ref() {
        return refuse(40125, "invalid appsecret");
    }
    let code = q.code.unwrap_or_default();
    let mut inner = sim.lock();
    if inner.used_codes.contains(&code) {
        return refuse(40163, "code been used");
    }
    match inner.codes.remove(&code) {
        Some((code_app, openid, issued)) if code_app == appid && issued.elapsed() < Duration::from_secs(300) => {
            inner.used_codes.insert(code);
            let token = format!("OAUTH_{}", random_hex(16));
            inner.oauth_tokens.insert(token.clone(), openid.clone());
            Json(json!({"access_token": token, "expires_in": 7200,
                        "refresh_token": random_hex(16), "openid": openid, "scope": "snsapi_base,snsapi_userinfo"}))
            .into_response()
        }
        _ => refuse(40029, "invalid code"),
    }
}

/// Marks a user as having interacted now (opens the customer-service window).
pub fn touch(inner: &mut Inner, openid: &str) {
    if let Some(u) = inner.users.get_mut(openid) {
        u.last_interaction = Some(Instant::now());
        u.cs_sent = 0;
    }
}

#[derive(Deserialize)]
pub struct SnsUserQuery {
    access_token: Option<String>,
    openid: Option<String>,
}

/// Web OAuth `/sns/userinfo`: the user's nickname and avatar for a web access token of theirs.
pub async fn sns_userinfo(State(sim): State<Arc<Sim>>, Query(q): Query<SnsUserQuery>) -> Response {
    if let Err(r) = enter(&sim, "sns_userinfo").await {
        return r;
    }
    let inner = sim.lock();
    let openid = q.openid.unwrap_or_default();
    match q.access_token.and_then(|t| inner.oauth_tokens.get(&t).cloned()) {
        Some(owner) if owner == openid => {
            let nickname = inner.users.get(&openid).map(|u| u.nickname.clone()).unwrap_or_default();
            let avatar = inner.avatars.get(&openid).cloned().unwrap_or_default();
            Json(json!({"openid": openid, "nickname": nickname, "sex": 0, "province": "", "city": "", "country": "",
                        "headimgurl": avatar, "privilege": []}))
            .into_response()
        }
        Some(_) => refuse(40003, "invalid openid"),
        None => refuse(40001, "invalid credential, access_token is invalid or not latest"),
    }
}

#[derive(Deserialize)]
pub struct TicketQuery {
    access_token: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `/cgi-bin/ticket/getticket?type=jsapi`: a JS-SDK ticket valid 7200 s (each fetch counted).
pub async fn getticket(State(sim): State<Arc<Sim>>, Query(q): Query<TicketQuery>) -> Response {
    call(&sim, "getticket", q.access_token.as_deref(), &[], |inner, _, _| {
        if q.kind.as_deref() != Some("jsapi") {
            return Err(refuse(40097, "invalid args"));
        }
        let ticket = format!("sim_jsapi_{}", random_hex(16));
        inner.jsapi_tickets.push(ticket.clone());
        Ok(json!({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200}))
    })
    .await
}
