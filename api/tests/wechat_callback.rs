//! `GET|POST /api/nurses/msg/wx/callback`: verification, plain, compat and safe mode, refusals
//! (mode, stale timestamps, replayed nonces) and de-duplication. PostgreSQL is a per-test
//! database (so effects are observable); Redis is `REDIS_URL`.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tower::ServiceExt;
use yizhan_api::{router, AppState};
use yizhan_common::wechat::callback::{
    open_envelope, parse_xml, seal_envelope, signature, CallbackCodec, CallbackMode, Limits, MessageCrypto, Reply,
};

const PATH: &str = "/api/nurses/msg/wx/callback";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";
const SAMPLE: &str = "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==";

struct App {
    state: AppState,
    prefix: String,
}

/// An app whose database is unreachable (for requests that must be refused before any effect).
fn app(codec: Option<CallbackCodec>) -> App {
    let pool = PgPoolOptions::new().connect_lazy("postgres://unused@127.0.0.1:1/unused").expect("lazy pool");
    app_with(codec, pool)
}

fn app_with(codec: Option<CallbackCodec>, pool: PgPool) -> App {
    let mut config = support::config(&support::redis_url());
    config.wechat_callback = codec;
    config.body_limit_bytes = 1024 * 1024;
    let prefix = config.core.redis_prefix.clone();
    App { state: AppState::new(config, pool), prefix }
}

fn plain_codec(token: &str) -> Option<CallbackCodec> {
    Some(CallbackCodec::new(SecretString::from(token.to_owned()), None))
}

fn safe_codec() -> Option<CallbackCodec> {
    Some(CallbackCodec::new(SecretString::from("pamtest"), Some(MessageCrypto::new(KEY, APPID).expect("key"))))
}

impl App {
    async fn call(&self, method: Method, query: &str, body: &str) -> (StatusCode, String) {
        let req = Request::builder().method(method).uri(format!("{PATH}?{query}")).body(Body::from(body.to_owned())).expect("req");
        let res = router(self.state.clone()).oneshot(req).await.expect("response");
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn redis(&self) -> yizhan_common::redis_conn::RedisConn {
        self.state.redis.get().await.expect("redis")
    }

    async fn cleanup(&self) {
        let mut conn = self.redis().await;
        yizhan_common::redis_scan::delete_matching(&mut conn, &format!("{}:*", self.prefix)).await.expect("clean up");
    }
}

fn error_code(body: &str) -> String {
    let v: Value = serde_json::from_str(body).expect("JSON envelope");
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

fn signed(token: &str, ts: &str, nonce: &str) -> String {
    format!("signature={}&timestamp={ts}&nonce={nonce}", signature(&[token, ts, nonce]))
}

/// A timestamp `offset` seconds from now.
fn ts(offset: i64) -> String {
    (chrono::Utc::now().timestamp() + offset).to_string()
}

/// Whether the follower was recorded (an effect of a subscribe).
async fn followed(pool: &PgPool, openid: &str) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM wechat_followers WHERE openid = $1)")
        .bind(openid)
        .fetch_one(pool)
        .await
        .expect("query")
}

fn subscribe_of(openid: &str) -> String {
    SUBSCRIBE.replace("oFollower1", openid)
}

const SUBSCRIBE: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oFollower1]]></FromUserName>\
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>\
<EventKey><![CDATA[qrscene_123]]></EventKey><Ticket><![CDATA[T]]></Ticket></xml>";

#[tokio::test]
async fn get_verification_echoes_only_when_signed() {
    let app = app(plain_codec("test"));
    let ok = "signature=f21891de399b4e33a1a93c9a7b8a8fffb5a443ff&timestamp=1410685589&nonce=test&echostr=e-123";
    assert_eq!(app.call(Method::GET, ok, "").await, (StatusCode::OK, "e-123".into()));
    let forged = "signature=f21891de399b4e33a1a93c9a7b8a8fffb5a443fe&timestamp=1410685589&nonce=test&echostr=e-123";
    let (status, body) = app.call(Method::GET, forged, "").await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::UNAUTHORIZED, "bad_signature"));
    let (status, body) = app.call(Method::GET, "echostr=x", "").await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::BAD_REQUEST, "bad_callback"));
}

#[tokio::test]
async fn plain_event_is_answered_and_claimed_once() {
    let pool = yizhan_common::testing::database().await;
    let app = app_with(plain_codec("tok"), pool.clone());
    let query = signed("tok", &ts(0), "n1");
    let (status, first) = app.call(Method::POST, &query, SUBSCRIBE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("欢迎关注！"), "{first}");
    assert!(followed(&pool, "oFollower1").await, "the first delivery acts");
    let key = format!("{}:wechat:callback:evt:oFollower1:1700000000:subscribe:qrscene_123", app.prefix);
    let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(&mut app.redis().await).await.expect("ttl");
    assert!((60..=300).contains(&ttl), "kept at least 60 s and the freshness window: {ttl}");
    // Undo the effect: a duplicate that ran it again would record the follower again.
    sqlx::query("DELETE FROM wechat_followers").execute(&pool).await.expect("delete");
    assert_eq!(app.call(Method::POST, &query, SUBSCRIBE).await, (StatusCode::OK, first), "duplicate gets the remembered reply");
    let again = signed("tok", &ts(0), "n2");
    assert_eq!(app.call(Method::POST, &again, SUBSCRIBE).await.0, StatusCode::OK, "a later retry of the same event");
    assert!(!followed(&pool, "oFollower1").await, "duplicates act on nothing");
    app.cleanup().await;
}

fn text_of(openid: &str, msg_id: u64, content: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>\
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
}

#[tokio::test]
async fn text_goes_to_the_topic_board_or_gets_the_robots_answer() {
    let pool = yizhan_common::testing::database().await;
    let app = app_with(plain_codec("tok"), pool.clone());
    sqlx::query(
        "INSERT INTO keyword_rules (pattern, match_kind, reply_text, priority, reply_articles) VALUES
           ('^(奖|助)学金', 'regex', '见通知', 5, '[{\"title\": \"奖学金评定\", \"description\": \"\", \"picUrl\": \"\", \"url\": \"https://e.org/n/1\"}]'),
           ('*', 'fallback', '没听懂', 0, NULL)",
    )
    .execute(&pool)
    .await
    .expect("rules");
    let mut nonce = 0;
    let mut send = |openid: &str, msg_id: u64, content: &str| {
        nonce += 1;
        let (query, body) = (signed("tok", &ts(0), &format!("t{nonce}")), text_of(openid, msg_id, content));
        let app = &app;
        async move { app.call(Method::POST, &query, &body).await }
    };
    let (status, reply) = send("oStudent1", 9001, "奖学金什么时候评").await;
    assert_eq!(status, StatusCode::OK);
    assert!(reply.contains("<MsgType><![CDATA[news]]></MsgType>") && reply.contains("奖学金评定"), "news: {reply}");
    let (_, reply) = send("oStudent1", 9002, "你好").await;
    assert!(reply.contains("没听懂"), "the fallback: {reply}");

    let (_, reply) = send("oStudent1", 9003, "#食堂 二楼的面很好吃").await;
    assert!(reply.contains("已发布到话题 #食堂"), "{reply}");
    let (_, reply) = send("oStudent1", 9004, "#食堂").await;
    assert!(reply.contains("发言格式"), "a topic without content is explained: {reply}");
    // WeChat delivers 9003 again with Redis' memory of it gone: it is posted once.
    app.cleanup().await;
    let (_, reply) = send("oStudent1", 9003, "#食堂 二楼的面很好吃").await;
    assert!(reply.contains("已发布到话题 #食堂"), "{reply}");
    let posts: Vec<(String, String)> = sqlx::query_as("SELECT topic, content FROM topic_posts ORDER BY id").fetch_all(&pool).await.expect("posts");
    assert_eq!(posts, vec![("食堂".to_owned(), "二楼的面很好吃".to_owned())]);

    // At most 20 posts an hour per follower: the 21st is refused and not posted.
    for i in 0..19 {
        let (_, reply) = send("oStudent1", 9100 + i, &format!("#考研 第{i}条")).await;
        assert!(reply.contains("已发布"), "{i}: {reply}");
    }
    let (_, reply) = send("oStudent1", 9200, "#考研 再来一条").await;
    assert!(reply.contains("发言太频繁"), "{reply}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM topic_posts").fetch_one(&pool).await.expect("count");
    assert_eq!(n, 20);
    app.cleanup().await;
}

#[tokio::test]
async fn a_failed_effect_releases_its_claim_and_wechats_retry_acts() {
    let pool = yizhan_common::testing::database().await;
    let app = app_with(plain_codec("tok"), pool.clone());
    let query = signed("tok", &ts(0), "n-fail");
    // The database fails the effect once (the table is briefly unavailable).
    sqlx::query("ALTER TABLE wechat_followers RENAME TO wechat_followers_away").execute(&pool).await.expect("rename");
    let (status, body) = app.call(Method::POST, &query, SUBSCRIBE).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::SERVICE_UNAVAILABLE, "unavailable"), "WeChat retries");
    sqlx::query("ALTER TABLE wechat_followers_away RENAME TO wechat_followers").execute(&pool).await.expect("rename back");
    // WeChat's retry resends the same request.
    let (status, body) = app.call(Method::POST, &query, SUBSCRIBE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("欢迎关注！"), "{body}");
    assert!(followed(&pool, "oFollower1").await, "the retry acts");
    app.cleanup().await;
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused_and_a_fresh_one_acts() {
    let pool = yizhan_common::testing::database().await;
    let app = app_with(plain_codec("tok").map(|c| c.with_max_age(std::time::Duration::from_secs(300))), pool.clone());
    for (offset, openid) in [(-86_400, "oDayOld"), (-301, "oJustStale"), (301, "oFuture"), (86_400, "oFarFuture")] {
        let (status, body) = app.call(Method::POST, &signed("tok", &ts(offset), "n"), &subscribe_of(openid)).await;
        assert_eq!((status, error_code(&body).as_str()), (StatusCode::BAD_REQUEST, "stale_callback"), "{offset}");
        assert!(!followed(&pool, openid).await, "{offset}: acts on nothing");
    }
    for (offset, openid) in [(-290, "oOldButFresh"), (290, "oSkewedClock")] {
        let (status, body) = app.call(Method::POST, &signed("tok", &ts(offset), "n"), &subscribe_of(openid)).await;
        assert_eq!(status, StatusCode::OK, "{offset}: {body}");
        assert!(followed(&pool, openid).await, "{offset}: a fresh callback acts");
    }
    // Safe mode too: a correctly signed and encrypted but day-old request.
    let safe = app_with(safe_codec(), pool.clone());
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    let old = ts(-86_400);
    let sealed = seal_envelope(&crypto, "pamtest", &subscribe_of("oSafeOld"), &old, "n");
    let query = format!("timestamp={old}&nonce=n&encrypt_type=aes&msg_signature={}", sealed.msg_signature);
    let envelope = format!("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>", sealed.encrypt);
    let (status, body) = safe.call(Method::POST, &query, &envelope).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::BAD_REQUEST, "stale_callback"));
    assert!(!followed(&pool, "oSafeOld").await);
    app.cleanup().await;
    safe.cleanup().await;
}

#[tokio::test]
async fn a_replayed_nonce_with_another_body_is_refused() {
    let pool = yizhan_common::testing::database().await;
    let app = app_with(plain_codec("tok"), pool.clone());
    let query = signed("tok", &ts(0), "n-seen");
    assert_eq!(app.call(Method::POST, &query, &subscribe_of("oReal")).await.0, StatusCode::OK);
    assert!(followed(&pool, "oReal").await);
    // The signature seen once (it covers no body) carrying a forged body.
    let (status, body) = app.call(Method::POST, &query, &subscribe_of("oForged")).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::CONFLICT, "replayed_callback"));
    assert!(!followed(&pool, "oForged").await, "acts on nothing");
    // WeChat's retry of the real request (same nonce, same body) is still answered.
    assert_eq!(app.call(Method::POST, &query, &subscribe_of("oReal")).await.0, StatusCode::OK);
    let key = format!("{}:wechat:callback:nonce:*", app.prefix);
    let keys: Vec<String> = redis::cmd("KEYS").arg(&key).query_async(&mut app.redis().await).await.expect("keys");
    let ttl: i64 = redis::cmd("TTL").arg(&keys[0]).query_async(&mut app.redis().await).await.expect("ttl");
    assert!((250..=300).contains(&ttl), "remembered for the window: {ttl}");
    app.cleanup().await;
}

#[tokio::test]
async fn safe_mode_refuses_the_plain_downgrade_and_compat_trusts_only_the_encrypted_part() {
    let pool = yizhan_common::testing::database().await;
    // An AES key is configured, so the mode is safe unless set otherwise.
    let app = app_with(safe_codec(), pool.clone());
    let (status, body) = app.call(Method::POST, &signed("pamtest", &ts(0), "n1"), &subscribe_of("oDowngrade")).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::FORBIDDEN, "encryption_required"));
    assert!(!followed(&pool, "oDowngrade").await, "acts on nothing");

    // WeChat's compatible mode: plaintext fields beside a signed `Encrypt`.
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    let now = ts(0);
    let sealed = seal_envelope(&crypto, "pamtest", &subscribe_of("oEncrypted"), &now, "n2");
    let query = format!("signature=x&timestamp={now}&nonce=n2&encrypt_type=aes&msg_signature={}", sealed.msg_signature);
    let plaintext = subscribe_of("oPlaintext");
    let compat_body = plaintext.replace("</xml>", &format!("<Encrypt><![CDATA[{}]]></Encrypt></xml>", sealed.encrypt));
    let (status, body) = app.call(Method::POST, &query, &compat_body).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::FORBIDDEN, "encryption_required"), "safe mode");

    let compat = app_with(safe_codec().map(|c| c.with_mode(CallbackMode::Compat)), pool.clone());
    let (status, body) = compat.call(Method::POST, &signed("pamtest", &ts(0), "n3"), &subscribe_of("oDowngrade")).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::FORBIDDEN, "encryption_required"), "compat: plain");
    let (status, body) = compat.call(Method::POST, &query, &compat_body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(followed(&pool, "oEncrypted").await, "the encrypted part is used");
    assert!(!followed(&pool, "oPlaintext").await && !followed(&pool, "oDowngrade").await);
    app.cleanup().await;
    compat.cleanup().await;
}

#[tokio::test]
async fn safe_mode_sample_is_opened_and_a_duplicate_gets_the_remembered_reply_encrypted() {
    let pool = yizhan_common::testing::database().await;
    // The published sample is from 2016: a window that wide admits it (freshness is tested apart).
    let wide = std::time::Duration::from_secs(100 * 365 * 86_400);
    let app = app_with(safe_codec().map(|c| c.with_max_age(wide)), pool);
    let body = format!("<xml><ToUserName><![CDATA[asdasdasd]]></ToUserName><Encrypt><![CDATA[{SAMPLE}]]></Encrypt></xml>");
    let query = "timestamp=1458300676&nonce=260774613&encrypt_type=aes&msg_signature=4f3ad57b6989f09f4eb392acce4f9e93942ed890&signature=x";
    assert_eq!(app.call(Method::POST, query, &body).await, (StatusCode::OK, "success".into()));
    // WeChat retries while a reply is remembered for this MsgId: the same reply, sealed afresh.
    let reply = Reply::text("asdasdasdsadasd", "asdasdasd", 1458300677, "您好").to_xml();
    let key = format!("{}:wechat:callback:msg:12345", app.prefix);
    let _: () = redis::cmd("SET").arg(&key).arg(&reply).query_async(&mut app.redis().await).await.expect("set");
    let (status, answer) = app.call(Method::POST, query, &body).await;
    assert_eq!(status, StatusCode::OK);
    let env = parse_xml(answer.as_bytes(), Limits::ENVELOPE).expect("envelope");
    let (sig, ts, nonce) = (
        env.child_text("MsgSignature").unwrap_or_default(),
        env.child_text("TimeStamp").unwrap_or_default(),
        env.child_text("Nonce").unwrap_or_default(),
    );
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    assert_eq!(open_envelope(&crypto, "pamtest", ts, nonce, sig, answer.as_bytes()).expect("opens"), reply);
    let bad = query.replace("4f3ad57b", "0f3ad57b");
    let (status, err) = app.call(Method::POST, &bad, &body).await;
    assert_eq!((status, error_code(&err).as_str()), (StatusCode::UNAUTHORIZED, "bad_signature"));
    app.cleanup().await;
}

#[tokio::test]
async fn hostile_oversized_and_unconfigured_are_refused_with_envelopes() {
    let app = app(plain_codec("tok"));
    let query = signed("tok", &ts(0), "n");
    let hostile = "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>";
    let (status, body) = app.call(Method::POST, &query, hostile).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::BAD_REQUEST, "bad_callback"));
    let deep = format!("<xml>{}</xml>", "<a>".repeat(10_000));
    let (status, body) = app.call(Method::POST, &query, &deep).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::BAD_REQUEST, "bad_callback"));
    let huge = format!("<xml><Content>{}</Content></xml>", "x".repeat(200 * 1024));
    let (status, body) = app.call(Method::POST, &query, &huge).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::BAD_REQUEST, "callback_too_large"));
    let off = self::app(None);
    let (status, body) = off.call(Method::POST, &query, SUBSCRIBE).await;
    assert_eq!((status, error_code(&body).as_str()), (StatusCode::SERVICE_UNAVAILABLE, "unavailable"));
    app.cleanup().await;
}

/// The whole path: the simulator plays WeChat and delivers over a socket to the real router.
mod through_the_simulator {
    use super::*;
    use serde_json::json;
    use yizhan_sim::config::{DEFAULT_CALLBACK_AES_KEY, DEFAULT_CALLBACK_TOKEN};
    use yizhan_sim::{SimConfig, SimServer};

    async fn serve(app: &App) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind api");
        let url = format!("http://{}{PATH}", listener.local_addr().expect("addr"));
        let routes = router(app.state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });
        url
    }

    async fn sim() -> (String, tokio::sync::oneshot::Sender<()>) {
        let server = SimServer::bind(SimConfig::for_tests()).await.expect("bind sim");
        let base = format!("http://{}", server.addr);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run_until(async move {
            let _ = rx.await;
        }));
        (base, tx)
    }

    async fn deliver(sim: &str, body: Value) -> Value {
        let res = reqwest::Client::new().post(format!("{sim}/_sim/callbacks")).json(&body).send().await.expect("post");
        res.json().await.expect("json")
    }

    #[tokio::test]
    async fn plain_and_safe_deliveries_are_accepted_once() {
        let pool = yizhan_common::testing::database().await;
        let codec = CallbackCodec::new(
            SecretString::from(DEFAULT_CALLBACK_TOKEN),
            Some(MessageCrypto::new(DEFAULT_CALLBACK_AES_KEY, "wxsimmp").expect("key")),
        )
        .with_mode(CallbackMode::Plain);
        let app = app_with(Some(codec), pool);
        let url = serve(&app).await;
        let (sim, _stop) = sim().await;
        let fields = json!({"FromUserName": "oScan1", "CreateTime": 1700000100, "MsgType": "event", "Event": "SCAN", "EventKey": "123", "Ticket": "T"});
        let record = deliver(&sim, json!({"url": url, "fields": fields})).await;
        assert_eq!((record["status"].clone(), record["replyKind"].clone()), (json!(200), json!("success")), "{record}");
        assert_eq!(record["attempts"], 1);
        // Make the first delivery's reply known, then let WeChat retry it in safe mode: the retry
        // is recognised as the same event and gets that reply, encrypted, without a second effect.
        let key = format!("{}:wechat:callback:evt:oScan1:1700000100:SCAN:123", app.prefix);
        let reply = Reply::text("oScan1", "gh_sim_account", 1700000101, "欢迎回来").to_xml();
        let _: () = redis::cmd("SET").arg(&key).arg(&reply).arg("XX").query_async(&mut app.redis().await).await.expect("seed");
        let record = deliver(&sim, json!({"url": url, "fields": fields, "safeMode": true})).await;
        assert_eq!((record["replyKind"].clone(), record["replyContent"].clone()), (json!("reply"), json!("欢迎回来")), "{record}");
        let hostile = deliver(&sim, json!({"url": url, "xml": "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>"})).await;
        assert_eq!(hostile["status"], 400);
        app.cleanup().await;
    }
}
