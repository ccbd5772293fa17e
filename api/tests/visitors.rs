//! Seed 003 through the API and the simulator (WeChat web OAuth and template messages, SMS with
//! its signature and flow-control checks, Koala, storage), the jobs run in-process: sign-in and
//! phone binding by SMS code, staff binding through Koala, staff- and visitor-applied visits with
//! companions and their messages per person and channel, authorization and its Koala
//! registrations (retried while Koala is down), SMS flow control delaying without losing, and one
//! person unable to read or decide another's applications.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::assert_error;
use support::visitors::{window, Visits, CDN};
use yizhan_common::wechat::client::jsapi_signature;

const HOST: &str = "13800000001";
const VISITOR: &str = "13900000002";
const FRIEND: &str = "13900000003";
const STRANGER: &str = "13900000004";

async fn count(v: &Visits, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&v.app.pool).await.expect(sql)
}

#[tokio::test]
async fn sign_in_bind_a_phone_by_sms_code_and_sign_jssdk() {
    let v = Visits::start(yizhan_common::testing::database().await).await;
    let (token, _) = v.sign_in("小王", Some(&v.avatar("wang"))).await;
    let (status, b) = v.app.get("/v2/wechat/binding", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!((b["bound"].clone(), b["nickname"].clone()), (json!(false), json!("小王")), "{b}");

    // A code: 202, sent by SMS, stored only hashed.
    let (status, sent) = v.ask_code(&token, VISITOR, "10.0.0.1").await;
    assert_eq!((status, sent["phone"].as_str()), (StatusCode::ACCEPTED, Some("139****0002")), "{sent}");
    v.app.run_pending_jobs().await;
    let code = v.last_code(VISITOR).await;
    let hash: String = sqlx::query_scalar("SELECT code_hash FROM binding_codes").fetch_one(&v.app.pool).await.expect("code row");
    assert!(hash.len() == 64 && !hash.contains(&code), "the code is kept only as a hash");
    // Another within the minute: 429, and no second SMS.
    let (status, err) = v.ask_code(&token, VISITOR, "10.0.0.1").await;
    assert_error(status, &err, StatusCode::TOO_MANY_REQUESTS, "rate_limited");

    // A wrong code counts a try; the right one binds.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, err) = v.app.post("/v2/wechat/binding", Some(&token), json!({"phone": VISITOR, "code": wrong})).await;
    let err = assert_error(status, &err, StatusCode::BAD_REQUEST, "invalid_code");
    assert!(err["message"].as_str().unwrap_or_default().contains("4 tries left"), "{err}");
    let (status, b) = v.app.post("/v2/wechat/binding", Some(&token), json!({"phone": VISITOR, "code": code})).await;
    assert_eq!((status, b["bound"].clone(), b["phone"].clone()), (StatusCode::OK, json!(true), json!(VISITOR)), "{b}");
    // Spent: the same code again binds nothing.
    let (status, err) = v.app.post("/v2/wechat/binding", Some(&token), json!({"phone": VISITOR, "code": code})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "code_expired");

    // Five wrong tries spend a code: the right one no longer works.
    let (status, _) = v.ask_code(&token, FRIEND, "10.0.0.1").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    v.app.run_pending_jobs().await;
    let code = v.last_code(FRIEND).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (status, _) = v.app.post("/v2/wechat/binding", Some(&token), json!({"phone": FRIEND, "code": wrong})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, err) = v.app.post("/v2/wechat/binding", Some(&token), json!({"phone": FRIEND, "code": code})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "code_expired");
    // Bad input names the fields.
    let (status, err) = v.app.post("/v2/wechat/binding", Some(&token), json!({"phone": "12345", "code": "12"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["phone"].is_string() && err["fields"]["code"].is_string(), "{err}");

    // One address asks for at most VISIT_CODE_PER_IP_PER_HOUR (6 here) codes, whatever the numbers.
    let mut statuses = Vec::new();
    for n in 0..6 {
        statuses.push(v.ask_code(&token, &format!("1370000000{n}"), "10.0.0.9").await.0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::ACCEPTED).count(), 6, "{statuses:?}");
    let (status, err) = v.ask_code(&token, "13700000009", "10.0.0.9").await;
    assert_error(status, &err, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (status, _) = v.ask_code(&token, "13700000009", "10.0.0.10").await;
    assert_eq!(status, StatusCode::ACCEPTED, "another address still may");

    // The WeChat avatar is copied into storage by a job; the binding then answers the copy.
    v.app.run_pending_jobs().await;
    let (_, b) = v.app.get("/v1/visitor/binding", Some(&token)).await;
    assert!(b["avatar"].as_str().unwrap_or_default().starts_with(CDN), "{b}");
    assert_eq!(b["nickname"], "小王", "{b}");

    // JS-SDK: signed over the shared ticket, which is fetched once and cached.
    let url = "https://h5.visit.test/apply?x=1#top";
    let (status, c1) = v.app.get(&format!("/v2/wechat/jssdk?url={}", urlencoding(url)), None).await;
    assert_eq!(status, StatusCode::OK, "{c1}");
    let (_, c2) = v.app.get(&format!("/v2/wechat/jssdk?url={}", urlencoding(url)), None).await;
    let key = format!("{}:wechat:jsapi-ticket:wxsimmp", v.app.state.config.core.redis_prefix);
    let client = redis::Client::open(support::redis_url()).expect("redis");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    let ticket: String = redis::cmd("GET").arg(&key).query_async(&mut conn).await.expect("cached ticket");
    for c in [&c1, &c2] {
        let ts = c["timestamp"].as_i64().expect("timestamp");
        assert_eq!(c["signature"].as_str(), Some(jsapi_signature(&ticket, c["nonceStr"].as_str().expect("nonce"), ts, url).as_str()), "{c}");
        assert_eq!(c["appId"], "wxsimmp");
    }
    assert_eq!(v.sim.get("/_sim/stats").await["calls"]["getticket"], 1, "one ticket fetch serves both");
}

fn urlencoding(s: &str) -> String {
    let url = reqwest::Url::parse_with_params("http://x/", &[("u", s)]).expect("url");
    url.query().unwrap_or_default().trim_start_matches("u=").to_owned()
}

#[tokio::test]
async fn staff_binding_asks_koala_and_binds_nothing_when_it_cannot() {
    let v = Visits::start(yizhan_common::testing::database().await).await;
    let (token, _) = v.sign_in("王工", None).await;
    let (status, b) = v.app.get("/v1/subject/binding", Some(&token)).await;
    assert_eq!((status, b.clone()), (StatusCode::OK, json!({"bound": false})), "{b}");

    // Not an employee: 404, nothing bound, and the code still works for a later try.
    let (status, err) = v.bind_at(&token, HOST, "/v1/subject/binding", json!({"name": "王工"})).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "staff_not_found");
    assert_eq!(count(&v, "SELECT count(*) FROM phone_bindings").await, 0);
    assert_eq!(count(&v, "SELECT count(*) FROM visit_staff").await, 0);

    // Koala down: 502, nothing bound.
    v.sim.post("/_sim/koala/staffs", json!([{"name": "王工", "phone": HOST, "department": "研发部", "avatar": v.avatar("wang")}])).await;
    v.control("/_sim/koala/faults", json!([{"op": "list", "status": 500}])).await;
    let code = v.last_code(HOST).await;
    let body = json!({"name": "王工", "phone": HOST, "code": code});
    let (status, err) = v.app.post("/v1/subject/binding", Some(&token), body.clone()).await;
    assert_error(status, &err, StatusCode::BAD_GATEWAY, "koala_unavailable");
    assert_eq!(count(&v, "SELECT count(*) FROM phone_bindings").await, 0);

    // Koala back: bound, with Koala's staff id, department and avatar (Koala's URL until stored).
    let (status, b) = v.app.post("/v1/subject/binding", Some(&token), body).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!((b["bound"].clone(), b["name"].clone(), b["department"].clone()), (json!(true), json!("王工"), json!("研发部")), "{b}");
    assert!(b["staffId"].as_i64().is_some_and(|id| id > 0), "{b}");
    assert_eq!(b["avatar"].as_str(), Some(v.avatar("wang").as_str()), "{b}");
    v.app.run_pending_jobs().await;
    let (_, b) = v.app.get("/v1/subject/binding", Some(&token)).await;
    assert!(b["avatar"].as_str().unwrap_or_default().starts_with(CDN), "the stored copy: {b}");

    // Koala down on the lookup by phone: 502.
    v.control("/_sim/koala/faults", json!([{"op": "list", "status": 500}])).await;
    let (status, err) = v.app.get("/v1/subject/binding", Some(&token)).await;
    assert_error(status, &err, StatusCode::BAD_GATEWAY, "koala_unavailable");
}

/// The SMS templates (by kind) delivered to `phone`.
async fn sms_kinds(v: &Visits, phone: &str) -> Vec<String> {
    v.sms_to(phone).await.iter().map(|m| m["templateCode"].as_str().unwrap_or_default().to_owned()).collect()
}

/// The template messages delivered to `openid`.
async fn wechat_templates(v: &Visits, openid: &str) -> Vec<String> {
    v.sim.messages_to(openid).await.iter().map(|m| m["templateId"].as_str().or(m["template_id"].as_str()).unwrap_or_default().to_owned()).collect()
}

async fn openid_of(v: &Visits, phone: &str) -> String {
    sqlx::query_scalar("SELECT i.openid FROM phone_bindings b JOIN wechat_identities i ON i.user_id = b.user_id WHERE b.phone = $1")
        .bind(phone)
        .fetch_one(&v.app.pool)
        .await
        .expect("openid")
}

#[tokio::test]
async fn a_host_application_is_authorized_at_once_and_tells_everyone_visiting() {
    let v = Visits::start(yizhan_common::testing::database().await).await;
    let host = v.staff("王工", HOST).await;
    let _visitor = v.visitor("李四", VISITOR).await;
    let _friend = v.visitor("赵六", FRIEND).await;
    v.app.run_pending_jobs().await;
    v.forget_sms().await;

    // The friend without WeChat (STRANGER) gets an SMS only.
    let body = Visits::application(("李四", VISITOR), &[("赵六", FRIEND), ("钱七", STRANGER)], HOST);
    let (status, a) = v.app.post("/v1/subject", Some(&host), body).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!((a["status"].clone(), a["applicant"].clone(), a["proposer"].clone()), (json!("authorized"), json!("host"), json!(HOST)), "{a}");
    assert_eq!(a["companions"].as_array().map(Vec::len), Some(2), "{a}");
    v.app.run_pending_jobs().await;

    // One SMS and (with an openid) one WeChat message per person; nothing to the host.
    for phone in [VISITOR, FRIEND, STRANGER] {
        assert_eq!(sms_kinds(&v, phone).await, vec!["SMS_103".to_owned()], "{phone}");
    }
    assert!(v.sms_to(HOST).await.is_empty());
    assert_eq!(wechat_templates(&v, &openid_of(&v, VISITOR).await).await, vec!["模板ID3".to_owned()]);
    assert_eq!(wechat_templates(&v, &openid_of(&v, FRIEND).await).await, vec!["模板ID3".to_owned()]);
    let id = a["id"].as_i64().expect("id");
    let mut conn = v.app.pool.acquire().await.expect("conn");
    let outcomes = yizhan_common::visitor::notices::outcomes(&mut conn, id).await.expect("outcomes");
    assert_eq!(outcomes.len(), 5, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| o.status == "sent" && o.event == "authorized"), "{outcomes:?}");

    // Each person is a Koala visitor for exactly the window; the visitor with their stored avatar.
    let subjects = v.sim.get("/_sim/koala/subjects?category=visitor").await;
    let subjects = subjects["subjects"].as_array().cloned().unwrap_or_default();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    let (from, to) = window(1, 9, 2);
    let (from, to) = (chrono::DateTime::parse_from_rfc3339(&from).expect("from").timestamp(), chrono::DateTime::parse_from_rfc3339(&to).expect("to").timestamp());
    for s in &subjects {
        assert_eq!((s["start_time"].as_i64(), s["end_time"].as_i64()), (Some(from), Some(to)), "{s}");
        assert_eq!(s["interviewee"], "王工", "{s}");
    }
    let visitor = subjects.iter().find(|s| s["phone"] == VISITOR).expect("the visitor");
    assert!(visitor["avatar"].as_str().unwrap_or_default().starts_with(CDN), "{visitor}");

    // The host's own application is in their proposals, not in what waits for them.
    let (_, mine) = v.app.get("/v1/auth/records", Some(&host)).await;
    assert_eq!(mine["count"], 1, "{mine}");
    let (_, waiting) = v.app.get("/v1/visit/records", Some(&host)).await;
    assert_eq!(waiting["count"], 0, "{waiting}");
}

#[tokio::test]
async fn a_visitor_application_waits_for_its_host_whose_authorization_reaches_koala_when_it_is_back() {
    let v = Visits::start(yizhan_common::testing::database().await).await;
    let host = v.staff("王工", HOST).await;
    let other_staff = v.staff("孙工", "13800000009").await;
    let visitor = v.visitor("李四", VISITOR).await;
    v.app.run_pending_jobs().await;
    v.forget_sms().await;

    let (status, a) = v.app.post("/v1/subject", Some(&visitor), Visits::application(("李四", VISITOR), &[("赵六", FRIEND)], HOST)).await;
    assert_eq!((status, a["status"].clone(), a["applicant"].clone()), (StatusCode::CREATED, json!("pending"), json!("visitor")), "{a}");
    let id = a["id"].as_i64().expect("id");
    v.app.run_pending_jobs().await;
    // The host is asked (SMS + WeChat); the visitor told it waits (SMS + WeChat); the companion
    // hears nothing yet. Nothing goes to Koala before authorization.
    assert_eq!(sms_kinds(&v, HOST).await, vec!["SMS_101".to_owned()]);
    assert_eq!(sms_kinds(&v, VISITOR).await, vec!["SMS_102".to_owned()]);
    assert!(v.sms_to(FRIEND).await.is_empty());
    assert_eq!(wechat_templates(&v, &openid_of(&v, HOST).await).await, vec!["模板ID1".to_owned()]);
    assert_eq!(wechat_templates(&v, &openid_of(&v, VISITOR).await).await, vec!["模板ID2".to_owned()]);
    assert_eq!(count(&v, "SELECT count(*) FROM koala_visitors").await, 0);

    // Records: the host sees it to authorize; the visitor among their proposals; the seed's
    // parameters only as one's own phone.
    let (_, waiting) = v.app.get("/v1/visit/records", Some(&host)).await;
    assert_eq!((waiting["count"].clone(), waiting["results"][0]["id"].clone()), (json!(1), json!(id)), "{waiting}");
    let (status, _) = v.app.get(&format!("/v1/visit/records?phone={HOST}"), Some(&host)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = v.app.get(&format!("/v1/visit/records?phone={HOST}"), Some(&visitor)).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (status, err) = v.app.get(&format!("/v1/auth/records?proposer={VISITOR}"), Some(&host)).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (_, mine) = v.app.get(&format!("/v1/auth/records?proposer={VISITOR}"), Some(&visitor)).await;
    assert_eq!(mine["count"], 1, "{mine}");
    let (_, theirs) = v.app.get("/v1/visit/records", Some(&other_staff)).await;
    assert_eq!(theirs["count"], 0, "{theirs}");

    // Only the host decides: another staff member and the visitor find nothing.
    for who in [&other_staff, &visitor] {
        let (status, err) = v.app.send(Method::PUT, &format!("/v1/auth/{id}"), Some(who), None).await;
        assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    }

    // Koala is down when the host authorizes: the answer is immediate, the registrations wait.
    v.control("/_sim/koala/faults", json!([{"op": "create", "status": 500, "times": 2}])).await;
    let (status, a) = v.app.send(Method::PUT, &format!("/v1/auth/{id}"), Some(&host), None).await;
    assert_eq!((status, a["status"].clone()), (StatusCode::OK, json!("authorized")), "{a}");
    v.app.run_pending_jobs().await;
    assert_eq!(count(&v, "SELECT count(*) FROM koala_visitors WHERE status = 'pending'").await, 2, "both wait for Koala");
    assert_eq!(v.sim.get("/_sim/koala/subjects?category=visitor").await["count"], 0);
    // The visitor's "authorized" SMS follows their "submitted" within the minute: flow control
    // keeps it pending (not failed, not dead) and reschedules it.
    let limited: (String, Option<String>) = sqlx::query_as("SELECT status, code FROM sms_sends WHERE kind = 'visit_authorized' AND phone = $1")
        .bind(VISITOR)
        .fetch_one(&v.app.pool)
        .await
        .expect("row");
    assert_eq!(limited, ("pending".to_owned(), Some("isv.BUSINESS_LIMIT_CONTROL".to_owned())));
    assert_eq!(sms_kinds(&v, FRIEND).await, vec!["SMS_103".to_owned()], "the companion's first SMS goes out");

    // Time passes (the flow-control window, the backoff): Koala is back; everything arrives once.
    v.forget_sms().await;
    v.make_scheduled_due().await;
    v.app.run_pending_jobs().await;
    assert_eq!(count(&v, "SELECT count(*) FROM koala_visitors WHERE status = 'created'").await, 2);
    assert_eq!(v.sim.get("/_sim/koala/subjects?category=visitor").await["count"], 2);
    assert_eq!(sms_kinds(&v, VISITOR).await, vec!["SMS_103".to_owned()], "delayed, not lost");
    let mut conn = v.app.pool.acquire().await.expect("conn");
    let outcomes = yizhan_common::visitor::notices::outcomes(&mut conn, id).await.expect("outcomes");
    assert!(outcomes.iter().all(|o| o.status == "sent"), "{outcomes:?}");

    // Authorizing again is the same answer and sets nothing off; refusing now is a conflict.
    let sends = count(&v, "SELECT count(*) FROM sms_sends").await;
    let (status, again) = v.app.send(Method::PUT, &format!("/v1/auth/{id}"), Some(&host), Some(json!({"authorized": true}))).await;
    assert_eq!((status, again["status"].clone()), (StatusCode::OK, json!("authorized")), "{again}");
    assert_eq!(count(&v, "SELECT count(*) FROM sms_sends").await, sends);
    assert_eq!(count(&v, "SELECT count(*) FROM koala_visitors").await, 2);
    let (status, err) = v.app.send(Method::PUT, &format!("/v1/auth/{id}"), Some(&host), Some(json!({"authorized": false, "reason": "出差"}))).await;
    assert_error(status, &err, StatusCode::CONFLICT, "already_decided");
}

#[tokio::test]
async fn a_refusal_tells_the_visitors_and_registers_nobody() {
    let v = Visits::start(yizhan_common::testing::database().await).await;
    let host = v.staff("王工", HOST).await;
    let visitor = v.visitor("李四", VISITOR).await;
    let (_, a) = v.app.post("/v1/subject", Some(&visitor), Visits::application(("李四", VISITOR), &[], HOST)).await;
    let id = a["id"].as_i64().expect("id");
    let (status, a) = v.app.send(Method::PUT, &format!("/v1/auth/{id}"), Some(&host), Some(json!({"authorized": false, "reason": "当天不在公司"}))).await;
    assert_eq!((status, a["status"].clone(), a["refusalReason"].clone()), (StatusCode::OK, json!("refused"), json!("当天不在公司")), "{a}");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM sms_sends WHERE phone = $1 AND kind LIKE 'visit_%' ORDER BY id").bind(VISITOR).fetch_all(&v.app.pool).await.expect("kinds");
    assert_eq!(kinds, ["visit_submitted", "visit_refused"]);
    assert_eq!(count(&v, "SELECT count(*) FROM koala_visitors").await, 0);
    let (status, err) = v.app.send(Method::PUT, &format!("/v1/auth/{id}"), Some(&host), None).await;
    assert_error(status, &err, StatusCode::CONFLICT, "already_decided");
}

#[tokio::test]
async fn applications_check_who_applies_and_what_and_write_nothing_when_refused() {
    let v = Visits::start(yizhan_common::testing::database().await).await;
    let (unbound, _) = v.sign_in("路人", None).await;
    let visitor = v.visitor("李四", VISITOR).await;
    let not_staff_host = v.visitor("假冒", HOST).await;
    let body = Visits::application(("李四", VISITOR), &[], HOST);

    let (status, err) = v.app.post("/v1/subject", Some(&unbound), body.clone()).await;
    assert_error(status, &err, StatusCode::CONFLICT, "not_bound");
    let (status, err) = v.app.get("/v1/auth/records", Some(&unbound)).await;
    assert_error(status, &err, StatusCode::CONFLICT, "not_bound");
    let mut forged = body.clone();
    forged["proposer"] = json!(HOST);
    let (status, err) = v.app.post("/v1/subject", Some(&visitor), forged).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    // Neither the host nor the visitor.
    let (status, err) = v.app.post("/v1/subject", Some(&visitor), Visits::application(("赵六", FRIEND), &[], HOST)).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    // Whoever holds the host's phone but is not staff Koala confirmed cannot authorize by applying.
    let (status, err) = v.app.post("/v1/subject", Some(&not_staff_host), body.clone()).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");

    let (from, _) = window(1, 9, 2);
    let (_, long_to) = window(1, 9, 30);
    let (past_from, past_to) = window(-1, 9, 2);
    let cases = [
        (json!({"visitor": {"name": "", "phone": "123"}}), vec!["visitor.name", "visitor.phone"]),
        (json!({"companions": [{"name": "a", "phone": "13900000011"}, {"name": "b", "phone": "13900000012"}, {"name": "c", "phone": "13900000013"}, {"name": "d", "phone": "13900000014"}]}), vec!["companions"]),
        (json!({"companions": [{"name": "a", "phone": VISITOR}]}), vec!["companions[0].phone"]),
        (json!({"hostPhone": VISITOR}), vec!["hostPhone"]),
        (json!({"purpose": "参观"}), vec!["purpose"]),
        (json!({"visitFrom": past_from, "visitTo": past_to}), vec!["visitFrom"]),
        (json!({"visitFrom": from, "visitTo": long_to}), vec!["visitTo"]),
        (json!({"visitTo": from}), vec!["visitTo"]),
    ];
    for (patch, fields) in cases {
        let mut b = body.clone();
        for (k, val) in patch.as_object().cloned().unwrap_or_default() {
            b[k] = val;
        }
        let (status, err) = v.app.post("/v1/subject", Some(&visitor), b).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        for f in fields {
            assert!(err["fields"][f].is_string(), "{f}: {err}");
        }
    }
    assert_eq!(count(&v, "SELECT count(*) FROM visit_applications").await, 0);
    assert_eq!(count(&v, "SELECT count(*) FROM sms_sends WHERE kind LIKE 'visit_%'").await, 0);

    // A proposer files at most VISIT_APPLICATIONS_PER_HOUR (3 here) an hour: each messages people.
    for _ in 0..3 {
        let (status, a) = v.app.post("/v1/subject", Some(&visitor), body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
    }
    let (status, err) = v.app.post("/v1/subject", Some(&visitor), body.clone()).await;
    assert_error(status, &err, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(count(&v, "SELECT count(*) FROM visit_applications").await, 3);

    // Koala's purposes, cached: a second read does not ask Koala again.
    let (status, p) = v.app.get("/v1/subject/purpose", Some(&visitor)).await;
    assert_eq!((status, p[0]["name"].clone()), (StatusCode::OK, json!("面试")), "{p}");
    let before = v.sim.get("/_sim/koala/stats").await["calls"]["purposes"].clone();
    v.app.get("/v1/subject/purpose", Some(&visitor)).await;
    assert_eq!(v.sim.get("/_sim/koala/stats").await["calls"]["purposes"], before);
}
