//! Seed 003 through the whole system (the real api and worker, the simulator as WeChat, Aliyun
//! SMS and Koala): a staff member and a visitor sign in through web OAuth and bind their phones
//! with the SMS code; the visitor applies with a companion; the host is asked and the visitor
//! told (SMS and WeChat each); the host authorizes while Koala is down and the worker registers
//! both people once Koala answers again; nobody else can read or decide the application.

use std::time::Duration;

use serde_json::{json, Value};
use yizhan_system_tests::system::System;

const HOST: &str = "13800000001";
const VISITOR: &str = "13900000002";
const FRIEND: &str = "13900000003";
const WAIT: Duration = Duration::from_secs(30);

/// Signs a new WeChat user in through web OAuth: (token, openid).
async fn sign_in(sys: &System, nickname: &str) -> (String, String) {
    let user = sys.sim_post("/_sim/users", json!({"appid": "wxsimmp", "nickname": nickname})).await;
    let (status, body) = sys.post("/v2/wechat/login", None, json!({"code": user["code"]})).await;
    assert_eq!(status, 200, "{body}");
    (body["token"].as_str().expect("token").to_owned(), user["openid"].as_str().expect("openid").to_owned())
}

async fn sms_to(sys: &System, phone: &str) -> Vec<Value> {
    let all = sys.sim_get("/_sim/sms").await;
    all["messages"].as_array().cloned().unwrap_or_default().into_iter().filter(|m| m["phone"] == phone).collect()
}

/// Asks for a code, waits for the SMS the worker sends, and binds at `path`.
async fn bind(sys: &System, token: &str, phone: &str, path: &str, name: Option<&str>) -> Value {
    let (status, body) = sys.post("/v2/wechat/binding/code", Some(token), json!({"phone": phone})).await;
    assert_eq!(status, 202, "{body}");
    let code = sys
        .eventually("the binding code by SMS", WAIT, || async {
            sms_to(sys, phone).await.iter().rev().find_map(|m| m["templateParam"]["code"].as_str().map(str::to_owned))
        })
        .await;
    let mut body = json!({"phone": phone, "code": code});
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    let (status, bound) = sys.post(path, Some(token), body).await;
    assert_eq!(status, 200, "{bound}");
    bound
}

async fn templates_to(sys: &System, openid: &str) -> Vec<String> {
    let got = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
    got["messages"].as_array().cloned().unwrap_or_default().iter().filter_map(|m| m["templateId"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_visitor_applies_the_host_authorizes_and_koala_lets_both_in_once_it_is_back() {
    let sys = System::start_with(&[
        ("SMS_TEMPLATE_BINDING_CODE", "SMS_100"),
        ("SMS_TEMPLATE_VISIT_REQUEST", "SMS_101"),
        ("SMS_TEMPLATE_VISIT_SUBMITTED", "SMS_102"),
        ("SMS_TEMPLATE_VISIT_AUTHORIZED", "SMS_103"),
        ("VISIT_TEMPLATE_REQUEST", "模板ID1"),
        ("VISIT_TEMPLATE_SUBMITTED", "模板ID2"),
        ("VISIT_TEMPLATE_AUTHORIZED", "模板ID3"),
        ("KOALA_TIMEOUT_MS", "1000"),
    ])
    .await;
    sys.sim_post("/_sim/koala/staffs", json!([{"name": "王工", "phone": HOST, "department": "研发部"}])).await;
    sys.sim_post("/_sim/koala/purposes", json!(["面试"])).await;

    let (host, host_openid) = sign_in(&sys, "王工").await;
    let staff = bind(&sys, &host, HOST, "/v1/subject/binding", Some("王工")).await;
    assert_eq!((staff["name"].clone(), staff["department"].clone()), (json!("王工"), json!("研发部")), "{staff}");
    let (visitor, visitor_openid) = sign_in(&sys, "李四").await;
    bind(&sys, &visitor, VISITOR, "/v1/visitor/binding", None).await;
    let (stranger, _) = sign_in(&sys, "路人").await;
    // The binding codes are behind us: forget them and their flow-control minute.
    sys.http.delete(format!("{}/_sim/sms", sys.sim)).send().await.expect("sim");

    let from = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT09:00:00+08:00").to_string();
    let to = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT11:00:00+08:00").to_string();
    let application = json!({"visitor": {"name": "李四", "phone": VISITOR}, "companions": [{"name": "赵六", "phone": FRIEND}],
        "hostPhone": HOST, "purpose": "面试", "visitFrom": from, "visitTo": to});
    let (status, a) = sys.post("/v1/subject", Some(&visitor), application).await;
    assert_eq!((status, a["status"].as_str()), (201, Some("pending")), "{a}");
    let id = a["id"].as_i64().expect("id");

    // One SMS and one WeChat message each: the host asked, the visitor told it waits.
    sys.eventually("the host's and the visitor's notices", WAIT, || async {
        let done = sms_to(&sys, HOST).await.len() == 1
            && sms_to(&sys, VISITOR).await.len() == 1
            && templates_to(&sys, &host_openid).await == ["模板ID1"]
            && templates_to(&sys, &visitor_openid).await == ["模板ID2"];
        done.then_some(())
    })
    .await;
    assert_eq!(sms_to(&sys, HOST).await[0]["templateCode"], "SMS_101");
    assert_eq!(sms_to(&sys, VISITOR).await[0]["templateCode"], "SMS_102");

    // Nobody but the host reads or decides it.
    let (status, _) = sys.call(reqwest::Method::GET, &format!("/v1/visit/records?phone={HOST}"), Some(&stranger), None).await;
    assert_eq!(status, 409, "a stranger without a bound phone");
    let (status, _) = sys.call(reqwest::Method::GET, &format!("/v1/visit/records?phone={HOST}"), Some(&visitor), None).await;
    assert_eq!(status, 403, "the seed's phone parameter is only one's own");
    for who in [&visitor, &stranger] {
        let (status, _) = sys.call(reqwest::Method::PUT, &format!("/v1/auth/{id}"), Some(who), None).await;
        assert_eq!(status, 404);
    }
    let (status, waiting) = sys.call(reqwest::Method::GET, "/v1/visit/records", Some(&host), None).await;
    assert_eq!((status, waiting["count"].clone()), (200, json!(1)), "{waiting}");

    // Koala is down when the host authorizes: the answer does not wait for it.
    sys.sim_post("/_sim/koala/faults", json!([{"op": "create", "status": 500, "times": 2}])).await;
    let (status, a) = sys.call(reqwest::Method::PUT, &format!("/v1/auth/{id}"), Some(&host), None).await;
    assert_eq!((status, a["status"].as_str()), (200, Some("authorized")), "{a}");
    // The worker retries until Koala takes both people, each for exactly the window, once.
    let subjects = sys
        .eventually("both visitors in Koala", Duration::from_secs(60), || async {
            let got = sys.sim_get("/_sim/koala/subjects?category=visitor").await;
            (got["count"] == 2).then(|| got["subjects"].as_array().cloned().unwrap_or_default())
        })
        .await;
    let from_ts = chrono::DateTime::parse_from_rfc3339(&from).expect("from").timestamp();
    assert!(subjects.iter().all(|s| s["start_time"] == from_ts && s["interviewee"] == "王工"), "{subjects:?}");
    let stats = sys.sim_get("/_sim/koala/stats").await;
    assert!(stats["calls"]["create"].as_u64().unwrap_or(0) >= 4, "two refused, then two created: {stats}");
    // The companion hears of it (the visitor's SMS waits out the flow-control minute of the last one).
    sys.eventually("the companion's SMS", WAIT, || async { (sms_to(&sys, FRIEND).await.len() == 1).then_some(()) }).await;
    assert_eq!(templates_to(&sys, &visitor_openid).await, ["模板ID2", "模板ID3"]);
}
