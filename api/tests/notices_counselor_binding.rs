//! A counselor binds their own WeChat account (issue 16): an admin issues a one-time code for the
//! counselor (the students' codes: hashed, a new one retires the earlier, tries counted); the
//! counselor's WeChat account (web OAuth sign-in) gives the phone on file and the code, gains the
//! `counselor` role and sees the counselor's classes — beside the counselor's console account —
//! and can send a notice to them; binding again is the same answer.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::callbacks::plain_codec;
use support::school::{admin, class, counselor};
use support::visitors::Visits;

#[tokio::test]
async fn a_counselor_binds_their_wechat_account_with_an_admins_code() {
    let v = Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
    })
    .await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang_console, wang) = counselor(app, &root, "wang", "王老师").await;
    let (_, li) = counselor(app, &root, "li", "李老师").await;
    let (_, console_user) = app.get("/current-user/", Some(&wang_console)).await;
    let body = json!({"name": "王老师", "phone": "13800000001", "userId": console_user["id"]});
    let (status, c) = app.send(axum::http::Method::PATCH, &format!("/school/counselors/{wang}"), Some(&root), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let a = class(app, &root, "计科2401", Some(wang)).await;
    let b = class(app, &root, "计科2402", Some(li)).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    support::school::student(app, &root, "2024001", "张三", a, None).await;

    // Only admins issue codes; a counselor without a phone on file has none to bind with.
    let (status, _) = app.post(&format!("/school/counselors/{wang}/bind-code"), Some(&wang_console), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = app.post(&format!("/school/counselors/{li}/bind-code"), Some(&root), json!({})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("no_phone_on_file")));
    let (status, first) = app.post(&format!("/school/counselors/{wang}/bind-code"), Some(&root), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["phone"], "138****0001", "the phone masked: {first}");
    let (_, issued) = app.post(&format!("/school/counselors/{wang}/bind-code"), Some(&root), json!({})).await;
    let code = issued["code"].as_str().expect("code").to_owned();
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM student_bind_codes WHERE counselor_id = $1").bind(wang).fetch_all(&app.pool).await.expect("codes");
    assert!(stored.len() == 2 && !stored.contains(&code), "kept only hashed");

    // The counselor's WeChat account: nothing before binding.
    let (me, _) = v.sign_in("王老师的微信", None).await;
    let (_, shown) = app.get("/school/counselor-binding", Some(&me)).await;
    assert_eq!(shown, json!({"bound": false}));
    assert_eq!(app.get("/school/classes", Some(&me)).await.0, StatusCode::FORBIDDEN);
    // The earlier code was retired by the newer; a wrong code counts a try.
    let earlier = first["code"].as_str().expect("code");
    if earlier != code {
        let (status, e) = app.post("/school/counselor-binding", Some(&me), json!({"phone": "13800000001", "code": earlier})).await;
        assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_code")), "{e}");
    }
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, e) = app.post("/school/counselor-binding", Some(&me), json!({"phone": "13800000001", "code": wrong})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(e["error"]["message"].as_str().unwrap_or_default().contains("tries left"), "{e}");
    let (status, e) = app.post("/school/counselor-binding", Some(&me), json!({"phone": "13900000009", "code": code})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("code_expired")), "another phone has no code: {e}");
    let (status, e) = app.post("/school/counselor-binding", Some(&me), json!({"phone": "138", "code": "12"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"]["fields"]["phone"].is_string() && e["error"]["fields"]["code"].is_string(), "{e}");

    let (status, bound) = app.post("/school/counselor-binding", Some(&me), json!({"phone": "138 0000 0001", "code": code})).await;
    assert_eq!(status, StatusCode::OK, "{bound}");
    assert_eq!(bound, json!({"bound": true, "counselorId": wang, "name": "王老师"}));
    assert_eq!(app.get("/school/counselor-binding", Some(&me)).await.1, bound, "the answer is what was committed");
    // Binding again is the same answer and spends nothing.
    let (status, again) = app.post("/school/counselor-binding", Some(&me), json!({"phone": "13800000001", "code": code})).await;
    assert_eq!((status, &again), (StatusCode::OK, &bound));

    // The WeChat account is the counselor now: their classes only, and it sends to them; the
    // console account still is too.
    let (status, classes) = app.get("/school/classes", Some(&me)).await;
    assert_eq!(status, StatusCode::OK, "{classes}");
    assert_eq!(classes["count"], 1);
    assert_eq!(classes["results"][0]["id"], a);
    let notice = |class_id: i64| json!({"title": "班会", "body": "周五班会", "categoryId": cat["id"], "urgency": "normal", "audience": {"kind": "classes", "classIds": [class_id]}});
    assert_eq!(app.post("/school/notices", Some(&me), notice(b)).await.0, StatusCode::UNPROCESSABLE_ENTITY, "not another counselor's class");
    let (status, sent) = app.post("/school/notices", Some(&me), notice(a)).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(app.get("/school/classes", Some(&wang_console)).await.1["count"], 1);
    let (_, all) = app.get("/school/counselors?q=%E7%8E%8B", Some(&root)).await;
    assert!(all["results"][0]["wechatUserId"].is_i64() && all["results"][0]["userId"].is_i64(), "{all}");

    // A new phone: the counselor binds another WeChat account with a new code; the old account
    // is no counselor any more (the console account still is).
    let (_, issued) = app.post(&format!("/school/counselors/{wang}/bind-code"), Some(&root), json!({})).await;
    let code = issued["code"].as_str().expect("code").to_owned();
    let (new_phone, _) = v.sign_in("王老师的新微信", None).await;
    let (status, rebound) = app.post("/school/counselor-binding", Some(&new_phone), json!({"phone": "13800000001", "code": code})).await;
    assert_eq!((status, &rebound), (StatusCode::OK, &bound));
    assert_eq!(app.get("/school/classes", Some(&new_phone)).await.1["count"], 1);
    assert_eq!(app.get("/school/classes", Some(&me)).await.0, StatusCode::FORBIDDEN, "the old WeChat account keeps no counselor role");
    assert_eq!(app.get("/school/counselor-binding", Some(&me)).await.1, json!({"bound": false}));
    assert_eq!(app.get("/school/classes", Some(&wang_console)).await.1["count"], 1);
}
