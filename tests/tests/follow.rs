//! Seed 000 end to end: a department's QR code is created once through a job; a follow through
//! it, delivered signed and encrypted by the simulator, binds the follower and answers the
//! department's welcome; retries of one event bind once; a SCAN of another department rebinds;
//! with an AES key configured a plain delivery is refused.

use std::time::Duration;

use serde_json::{json, Value};
use yizhan_system_tests::system::System;

const SAFE_MODE: [(&str, &str); 2] =
    [("WECHAT_MP_TOKEN", "sim-callback-token"), ("WECHAT_MP_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")];

async fn department(sys: &System, admin: &str, name: &str) -> i64 {
    let (status, d) = sys.post("/admin/departments", Some(admin), json!({"name": name})).await;
    assert_eq!(status, 201, "{d}");
    d["id"].as_i64().expect("id")
}

async fn deliver(sys: &System, fields: Value) -> Value {
    sys.sim_post("/_sim/callbacks", json!({"safeMode": true, "timeoutMs": 4000, "fields": fields})).await
}

async fn followers(sys: &System, admin: &str, department: i64) -> Value {
    let (status, v) = sys.call(reqwest::Method::GET, &format!("/api/admin/nurses/msg/wx/departments/{department}/followers"), Some(admin), None).await;
    assert_eq!(status, 200, "{v}");
    v
}

#[tokio::test]
async fn a_follow_through_a_department_code_binds_and_greets() {
    let sys = System::start_with(&SAFE_MODE).await;
    let admin = sys.login("admin", "admin-password").await;
    let spine = department(&sys, &admin, "309脊柱").await;
    let eyes = department(&sys, &admin, "眼科").await;

    let (status, v) = sys.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": spine})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["result"], json!({"success": true}));
    let url = v["qrcodeUrl"].as_str().expect("url").to_owned();
    assert!(url.starts_with("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="), "{url}");
    let (status, again) = sys.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": spine})).await;
    assert_eq!((status, again["qrcodeUrl"].as_str()), (200, Some(url.as_str())));
    assert_eq!(sys.sim_get("/_sim/stats").await["calls"]["qrcode_create"], 1, "asking again makes no WeChat call");
    let (status, missing) = sys.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": 987654})).await;
    assert_eq!((status, missing["error"]["code"].as_str()), (404, Some("not_found")));
    let (_, list) = sys.call(reqwest::Method::GET, "/api/admin/nurses/msg/wx/qrcode-list", Some(&admin), None).await;
    assert_eq!(list["department"][0], json!({"id": spine, "name": "309脊柱", "qrcodeUrl": url}));

    let follow = json!({"FromUserName": "oFollowerSpine01", "MsgType": "event", "Event": "subscribe",
                        "EventKey": format!("qrscene_{spine}"), "Ticket": "TICKET", "CreateTime": 1_700_000_000});
    let first = deliver(&sys, follow.clone()).await;
    assert_eq!(first["replyKind"], "reply", "{first}");
    assert_eq!(first["replyContent"], "欢迎关注，点击进入 309脊柱 科室");
    // Change what the effect would answer: a retry that ran it again would greet with the new text.
    let path = format!("/admin/departments/{spine}");
    let (status, v) = sys.call(reqwest::Method::PATCH, &path, Some(&admin), Some(json!({"welcomeText": "新的欢迎 {name}"}))).await;
    assert_eq!(status, 200, "{v}");
    let retry = deliver(&sys, follow).await;
    assert_eq!(retry["status"], 200, "{retry}");
    assert_eq!(retry["replyContent"], "欢迎关注，点击进入 309脊柱 科室", "the retry gets the first reply, not a second effect");
    let bound = followers(&sys, &admin, spine).await;
    assert_eq!(bound["count"], 1);
    assert_eq!(bound["results"][0]["source"], "qrcode");

    let scan = json!({"FromUserName": "oFollowerSpine01", "MsgType": "event", "Event": "SCAN", "EventKey": eyes.to_string(),
                      "Ticket": "TICKET2", "CreateTime": 1_700_000_100});
    let answered = deliver(&sys, scan).await;
    assert_eq!(answered["replyContent"], "欢迎关注，点击进入 眼科 科室");
    assert_eq!(followers(&sys, &admin, spine).await["count"], 0);
    assert_eq!(followers(&sys, &admin, eyes).await["results"][0]["source"], "scan");

    let plain = json!({"FromUserName": "oPlainFollower01", "MsgType": "event", "Event": "subscribe", "CreateTime": 1_700_000_200});
    assert_eq!(deliver(&sys, plain).await["replyContent"], "欢迎关注！");

    // With an AES key configured the mode is safe: a plain (unencrypted) delivery is refused and
    // binds nothing, however well it is signed.
    let plain_mode = json!({"FromUserName": "oPlainMode00001", "MsgType": "event", "Event": "subscribe",
                            "EventKey": format!("qrscene_{spine}"), "CreateTime": 1_700_000_300});
    let refused = sys.sim_post("/_sim/callbacks", json!({"safeMode": false, "timeoutMs": 4000, "fields": plain_mode})).await;
    assert_eq!((refused["status"].clone(), refused["replyKind"].clone()), (json!(403), json!("httpError")), "{refused}");
    assert_eq!(followers(&sys, &admin, spine).await["count"], 0);
}

#[tokio::test]
async fn a_failed_code_creation_is_reported_and_retried_on_request() {
    let sys = System::start_with(&SAFE_MODE).await;
    let admin = sys.login("admin", "admin-password").await;
    // A transient failure (-1, busy) is retried by the job within the route's wait.
    let busy = department(&sys, &admin, "口腔科").await;
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "qrcode_create", "errcode": -1, "times": 1}]})).await;
    let (status, v) = sys.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": busy})).await;
    assert_eq!(status, 200, "{v}");
    // A permanent one (48001, unauthorized) is reported; asking again retries.
    let d = department(&sys, &admin, "骨科").await;
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "qrcode_create", "errcode": 48001, "times": 1}]})).await;
    let (status, v) = sys.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": d})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (502, Some("wechat_failed")), "{v}");
    let (status, v) = sys.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": d})).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["qrcodeUrl"].as_str().expect("url").contains("showqrcode"));
}

#[tokio::test]
async fn keyword_replies_answer_text_messages() {
    let sys = System::start_with(&SAFE_MODE).await;
    let admin = sys.login("admin", "admin-password").await;
    let (status, _) = sys.post("/api/admin/nurses/msg/wx/keywords", Some(&admin), json!({"pattern": "挂号", "replyText": "请在小程序挂号"})).await;
    assert_eq!(status, 201);
    let msg = |content: &str, id: u64| json!({"FromUserName": "oTexter000001", "MsgType": "text", "Content": content, "MsgId": id});
    assert_eq!(deliver(&sys, msg("我想挂号", 1)).await["replyContent"], "请在小程序挂号");
    let none = deliver(&sys, msg("你好", 2)).await;
    assert_eq!(none["status"], 200);
    assert_ne!(none["replyKind"], "reply", "{none}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn the_custom_menu_is_checked_published_and_answers_clicks() {
    let sys = System::start_with(&SAFE_MODE).await;
    let admin = sys.login("admin", "admin-password").await;
    let (status, err) = sys.call(reqwest::Method::GET, "/school/menu", Some(&admin), None).await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("not_found")), "nothing saved yet");

    // Broken WeChat rules are named field by field and nothing is saved.
    let bad = json!({"buttons": [{"name": "名字超过五个汉字", "type": "click", "key": "A"},
                                 {"name": "通知", "subButtons": [{"name": "网页", "type": "view", "url": "ftp://x"}]}]});
    let (status, err) = sys.call(reqwest::Method::PUT, "/school/menu", Some(&admin), Some(bad)).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["fields"]["buttons[0].name"].is_string() && err["error"]["fields"]["buttons[1].subButtons[0].url"].is_string(), "{err}");
    let (status, _) = sys.call(reqwest::Method::GET, "/school/menu", Some(&admin), None).await;
    assert_eq!(status, 404);

    let menu = json!({"buttons": [
        {"name": "绑定", "type": "click", "key": "BIND", "reply": "点击链接绑定学号"},
        {"name": "通知", "subButtons": [{"name": "最新通知", "type": "view", "url": "https://h.example/notices"},
                                        {"name": "设置", "type": "click", "key": "SETTINGS", "reply": "选择关注的通知分类"}]}
    ]});
    let (status, saved) = sys.call(reqwest::Method::PUT, "/school/menu", Some(&admin), Some(menu.clone())).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!((saved["version"].clone(), saved["status"].clone(), saved["buttons"].clone()), (json!(1), json!("draft"), menu["buttons"].clone()));
    assert_eq!(sys.sim_get("/_sim/menu").await, Value::Null, "saving publishes nothing");

    let (status, v) = sys.post("/school/menu/publish", Some(&admin), json!({})).await;
    assert_eq!((status, v["status"].as_str()), (202, Some("publishing")), "{v}");
    let published = sys
        .eventually("the menu published", Duration::from_secs(10), || async {
            let (_, v) = sys.call(reqwest::Method::GET, "/school/menu", Some(&admin), None).await;
            (v["status"] == "published").then_some(v)
        })
        .await;
    assert_eq!(published["publishedVersion"], 1);
    assert!(published["publishedAt"].as_str().is_some_and(|t| t.ends_with("+08:00")), "service time zone: {published}");
    // WeChat got its own shape, without the replies.
    assert_eq!(
        sys.sim_get("/_sim/menu").await,
        json!({"button": [{"type": "click", "name": "绑定", "key": "BIND"},
                          {"name": "通知", "sub_button": [{"type": "view", "name": "最新通知", "url": "https://h.example/notices"},
                                                          {"type": "click", "name": "设置", "key": "SETTINGS"}]}]})
    );

    // A click is answered with the button's reply.
    let click = json!({"FromUserName": "oMenuClicker01", "MsgType": "event", "Event": "CLICK", "EventKey": "SETTINGS", "CreateTime": 1_700_000_400});
    assert_eq!(deliver(&sys, click).await["replyContent"], "选择关注的通知分类");

    // A save after publishing is a draft until published again; a permanent refusal is reported.
    let (_, v) = sys.call(reqwest::Method::PUT, "/school/menu", Some(&admin), Some(menu)).await;
    assert_eq!((v["version"].clone(), v["status"].clone(), v["publishedVersion"].clone()), (json!(2), json!("draft"), json!(1)));
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "menu_create", "errcode": 48001, "times": 1}]})).await;
    sys.post("/school/menu/publish", Some(&admin), json!({})).await;
    let failed = sys
        .eventually("the publish failed", Duration::from_secs(10), || async {
            let (_, v) = sys.call(reqwest::Method::GET, "/school/menu", Some(&admin), None).await;
            (v["status"] == "failed").then_some(v)
        })
        .await;
    assert!(failed["error"].as_str().is_some_and(|e| e.contains("48001")), "{failed}");
    assert_eq!(failed["publishedVersion"], 1, "WeChat still has version 1");
}
