//! Seed 003 against the simulator: an app whose WeChat (Official Account and Mini Program),
//! Koala, SMS and storage all point at an in-process simulator, and the steps every visitor test
//! takes (sign in through web OAuth, bind a phone with the SMS code, bind as staff).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::PgPool;
use yizhan_common::koala::KoalaConfig;
use yizhan_common::sms::{SignatureVersion, SmsConfig};
use yizhan_common::storage::StorageConfig;
use yizhan_common::visitor::VisitorConfig;
use yizhan_common::wechat::client::AppCredentials;

use super::sim::Sim;
use super::{config, redis_url, TestApp};

/// Where stored avatars are said to be served (`STORAGE_PUBLIC_BASE`).
pub const CDN: &str = "https://cdn.visit.test";

pub struct Visits {
    pub sim: Sim,
    pub app: TestApp,
    dir: std::path::PathBuf,
}

impl Drop for Visits {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Visits {
    pub async fn start(pool: PgPool) -> Self {
        Self::start_with(pool, |_| {}).await
    }

    /// The same, with a last change to the API's configuration (seed 004's tests add a callback
    /// token and their settings).
    pub async fn start_with(pool: PgPool, tweak: impl FnOnce(&mut yizhan_api::ApiConfig)) -> Self {
        let sim = Sim::start().await;
        let dir = std::env::temp_dir().join(format!("yizhan-visits-{}", uuid::Uuid::new_v4().simple()));
        let mut cfg = config(&redis_url());
        let mut wechat = sim.wechat_config();
        wechat.mp = Some(AppCredentials { appid: "wxsimmp".into(), secret: SecretString::from("sim-mp-secret") });
        cfg.wechat = Some(wechat);
        cfg.koala = Some(KoalaConfig {
            base: sim.base.clone(),
            username: "sim-koala".into(),
            password: SecretString::from("sim-koala-password"),
            timeout: Duration::from_secs(2),
            purpose_cache: Duration::from_secs(300),
        });
        cfg.storage = Some(StorageConfig { public_base: Some(CDN.into()), ..StorageConfig::file(&dir) });
        let templates = [("request", "模板ID1"), ("submitted", "模板ID2"), ("authorized", "模板ID3"), ("refused", "模板ID4")];
        cfg.visitors = VisitorConfig {
            max_companions: 3,
            codes_per_ip_per_hour: 6,
            applications_per_hour: 3,
            templates: templates.iter().map(|(e, t)| ((*e).to_owned(), (*t).to_owned())).collect(),
            ..VisitorConfig::default()
        };
        tweak(&mut cfg);
        let mut app = TestApp::with_config(pool, cfg);
        let sms_templates = ["binding_code", "visit_request", "visit_submitted", "visit_authorized", "visit_refused"];
        app.sms = Some(SmsConfig {
            endpoint: format!("{}/", sim.base),
            access_key_id: "sim-sms-key".into(),
            access_key_secret: SecretString::from("sim-sms-secret"),
            sign_name: "驿站".into(),
            templates: sms_templates.iter().enumerate().map(|(i, k)| ((*k).to_owned(), format!("SMS_{}", 100 + i))).collect::<BTreeMap<_, _>>(),
            signature_version: SignatureVersion::V3,
            timeout: Duration::from_secs(2),
        });
        let visits = Self { sim, app, dir };
        visits.control("/_sim/koala/purposes", json!(["面试", "送货", "会议"])).await;
        visits
    }

    /// A simulator control call answered without a body (faults, purposes).
    pub async fn control(&self, path: &str, body: Value) {
        let res = reqwest::Client::new().post(format!("{}{path}", self.sim.base)).json(&body).send().await.expect("sim");
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }

    /// The simulator's URL of an avatar image called `name`.
    pub fn avatar(&self, name: &str) -> String {
        format!("{}/_sim/avatar/{name}.png", self.sim.base)
    }

    /// Signs a new WeChat user in through web OAuth: (token, openid).
    pub async fn sign_in(&self, nickname: &str, avatar: Option<&str>) -> (String, String) {
        let v = self.sim.post("/_sim/users", json!({"appid": "wxsimmp", "nickname": nickname, "avatar": avatar})).await;
        let (openid, code) = (v["openid"].as_str().expect("openid").to_owned(), v["code"].as_str().expect("code").to_owned());
        let (status, body) = self.app.post("/v2/wechat/login", None, json!({"code": code})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (body["token"].as_str().expect("token").to_owned(), openid)
    }

    /// Asks for a binding code from `ip`: the answer.
    pub async fn ask_code(&self, token: &str, phone: &str, ip: &str) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/v2/wechat/binding/code")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"phone": phone}).to_string()))
            .expect("request");
        let peer: SocketAddr = format!("{ip}:40000").parse().expect("peer");
        req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        self.app.raw(req).await
    }

    /// The last code the simulator delivered to `phone`.
    pub async fn last_code(&self, phone: &str) -> String {
        let sent = self.sms_to(phone).await;
        let last = sent.iter().rev().find(|m| m["templateParam"]["code"].is_string()).unwrap_or_else(|| panic!("no code to {phone}: {sent:?}"));
        last["templateParam"]["code"].as_str().expect("code").to_owned()
    }

    /// Asks for a code, delivers it, and posts it with `extra` fields to `path`.
    pub async fn bind_at(&self, token: &str, phone: &str, path: &str, extra: Value) -> (StatusCode, Value) {
        let (status, body) = self.ask_code(token, phone, "10.0.0.1").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        self.app.run_pending_jobs().await;
        let code = self.last_code(phone).await;
        let mut body = json!({"phone": phone, "code": code});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        self.app.post(path, Some(token), body).await
    }

    /// A visitor: signed in (with an avatar) and bound to `phone`; their token.
    pub async fn visitor(&self, nickname: &str, phone: &str) -> String {
        let (token, _) = self.sign_in(nickname, Some(&self.avatar(nickname))).await;
        let (status, body) = self.bind_at(&token, phone, "/v1/visitor/binding", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token
    }

    /// A staff member Koala knows, signed in and bound as staff; their token.
    pub async fn staff(&self, name: &str, phone: &str) -> String {
        self.sim.post("/_sim/koala/staffs", json!([{"name": name, "phone": phone, "department": "研发部", "avatar": self.avatar(name)}])).await;
        let (token, _) = self.sign_in(name, None).await;
        let (status, body) = self.bind_at(&token, phone, "/v1/subject/binding", json!({"name": name})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token
    }

    /// What the simulator delivered by SMS to `phone`.
    pub async fn sms_to(&self, phone: &str) -> Vec<Value> {
        let all = self.sim.get("/_sim/sms").await;
        all["messages"].as_array().cloned().unwrap_or_default().into_iter().filter(|m| m["phone"] == phone).collect()
    }

    /// Forgets delivered SMS and the simulator's flow-control history (as if the windows passed).
    pub async fn forget_sms(&self) {
        reqwest::Client::new().delete(format!("{}/_sim/sms", self.sim.base)).send().await.expect("sim");
    }

    /// Makes every job scheduled for later on every queue due now and ready (time passing, as
    /// far as the queue can tell).
    pub async fn make_scheduled_due(&self) {
        let cfg = &self.app.state.config;
        let prefix = cfg.core.redis_prefix.clone();
        let keys = yizhan_common::queue::Keys::new(prefix.clone());
        let redis = yizhan_common::redis_conn::connect(&cfg.core.redis_url, Default::default()).await.expect("redis");
        let queue = yizhan_common::queue::RedisQueue::new(redis.clone(), &prefix, cfg.queue.clone());
        let mut conn = redis.clone();
        for name in yizhan_common::jobs::QueueName::ALL {
            let ids: Vec<String> = redis::cmd("ZRANGE").arg(keys.scheduled(name)).arg(0).arg(-1).query_async(&mut conn).await.expect("zrange");
            for id in ids {
                let _: () = redis::cmd("ZADD").arg(keys.scheduled(name)).arg(0).arg(&id).query_async(&mut conn).await.expect("zadd");
            }
            queue.promote_due(name).await.expect("promote");
        }
    }

    /// A visit application body: the visitor, companions, host, tomorrow 09:00–11:00 (Shanghai).
    pub fn application(visitor: (&str, &str), companions: &[(&str, &str)], host: &str) -> Value {
        let (from, to) = window(1, 9, 2);
        json!({
            "visitor": {"name": visitor.0, "phone": visitor.1},
            "companions": companions.iter().map(|(n, p)| json!({"name": n, "phone": p})).collect::<Vec<_>>(),
            "hostPhone": host,
            "purpose": "面试",
            "visitFrom": from,
            "visitTo": to,
            "note": "带笔记本",
        })
    }
}

/// A window `days` from today at `hour`:00 Shanghai time, `hours` long, as RFC 3339.
pub fn window(days: i64, hour: u32, hours: i64) -> (String, String) {
    use chrono::TimeZone;
    let tz = chrono_tz::Asia::Shanghai;
    let day = chrono::Utc::now().with_timezone(&tz).date_naive() + chrono::Duration::days(days);
    let from = tz.from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("time")).single().expect("local time");
    let to = from + chrono::Duration::hours(hours);
    (from.to_rfc3339(), to.to_rfc3339())
}
