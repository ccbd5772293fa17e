//! Seed 004's binding against the simulator (WeChat web OAuth, SMS): a follow is recorded and
//! answered with the bind link; a student binds with their number and a counselor's one-time code
//! or an SMS code to the phone on file; wrong codes are counted and throttled; binding again is
//! the same answer; the answer is the truth; unfollowing suspends the binding and following
//! again restores it; the 绑定 menu item answers the link.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::callbacks::{event, plain_codec};
use support::school::{admin, class, counselor, student};
use support::assert_error;
use support::visitors::Visits;

const BIND_URL: &str = "https://h5.school.test/bind";

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.bind_url = Some(BIND_URL.into());
        cfg.notices.bind_attempts_per_hour = 4;
    })
    .await
}

async fn active(v: &Visits, openid: &str) -> Option<bool> {
    sqlx::query_scalar("SELECT active FROM student_bindings WHERE openid = $1").bind(openid).fetch_optional(&v.app.pool).await.expect("binding")
}

#[tokio::test]
async fn follow_bind_with_a_counselors_code_unfollow_and_follow_again() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let (li, _) = counselor(app, &root, "li", "李老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let zhang = student(app, &wang, "2024001", "张三", a, Some("13900000001")).await;
    let zhang_id = zhang["id"].as_i64().expect("id");

    // A follow is recorded and answered with the bind link.
    let (token, openid) = v.sign_in("张三", None).await;
    let reply = event(app, &openid, "subscribe", None).await;
    assert!(reply.contains(BIND_URL) && reply.contains("欢迎关注"), "{reply}");
    let following: String = sqlx::query_scalar("SELECT status FROM wechat_followers WHERE openid = $1").bind(&openid).fetch_one(&app.pool).await.expect("follower");
    assert_eq!(following, "following");
    let (status, b) = app.get("/school/binding", Some(&token)).await;
    assert_eq!((status, b), (StatusCode::OK, json!({"bound": false})));

    // The counselor issues a code (only for their own students).
    let (status, err) = app.post(&format!("/school/students/{zhang_id}/bind-code"), Some(&li), json!({})).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, issued) = app.post(&format!("/school/students/{zhang_id}/bind-code"), Some(&wang), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let code = issued["code"].as_str().expect("code").to_owned();
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM student_bind_codes").fetch_one(&app.pool).await.expect("code row");
    assert!(stored.len() == 64 && !stored.contains(&code), "kept only as a hash");

    // A wrong code counts a try and binds nothing; bad input names the fields.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, err) = app.post("/school/binding", Some(&token), json!({"studentNo": "2024001", "code": wrong})).await;
    let err = assert_error(status, &err, StatusCode::BAD_REQUEST, "invalid_code");
    assert!(err["message"].as_str().unwrap_or_default().contains("4 tries left"), "{err}");
    assert_eq!(active(&v, &openid).await, None);
    let (status, err) = app.post("/school/binding", Some(&token), json!({"studentNo": "", "code": "12", "method": "fax"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["studentNo", "code", "method"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }

    // The right code binds, and the answer is what was committed.
    let (status, b) = app.post("/school/binding", Some(&token), json!({"studentNo": "2024001", "code": code})).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"bound": true, "active": true, "studentNo": "2024001", "name": "张三", "className": "计科2401"}));
    assert_eq!(active(&v, &openid).await, Some(true));
    let (_, me) = app.get("/current-user/", Some(&token)).await;
    assert!(me["roles"].as_array().is_some_and(|r| r.contains(&json!("student"))), "{me}");
    // Binding again (the code is spent) is the same answer and changes nothing.
    let (status, again) = app.post("/school/binding", Some(&token), json!({"studentNo": "2024001", "code": code})).await;
    assert_eq!((status, &again), (StatusCode::OK, &b));
    let (_, shown) = app.get("/school/binding", Some(&token)).await;
    assert_eq!(shown, b);
    // A spent code binds no one else.
    let (other, _) = v.sign_in("冒充者", None).await;
    let (status, err) = app.post("/school/binding", Some(&other), json!({"studentNo": "2024001", "code": code})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "code_expired");

    // A bound follower is welcomed back; unfollowing suspends the binding, following restores it.
    let reply = event(app, &openid, "unsubscribe", None).await;
    assert_eq!(reply, "success");
    assert_eq!(active(&v, &openid).await, Some(false));
    let (_, shown) = app.get("/school/binding", Some(&token)).await;
    assert_eq!(shown["active"], false, "{shown}");
    let reply = event(app, &openid, "subscribe", None).await;
    assert!(reply.contains("欢迎回来，张三同学") && !reply.contains(BIND_URL), "{reply}");
    assert_eq!(active(&v, &openid).await, Some(true));
    // The 绑定 menu item answers the link.
    let reply = event(app, &openid, "CLICK", Some("BIND")).await;
    assert!(reply.contains(BIND_URL), "{reply}");
}

#[tokio::test]
async fn sms_code_to_the_phone_on_file_and_wrong_codes_throttled() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    student(app, &wang, "2024001", "张三", a, Some("13900000001")).await;
    student(app, &wang, "2024002", "李四", a, None).await;

    let (token, openid) = v.sign_in("张三", None).await;
    let (status, sent) = app.post("/school/binding/sms-code", Some(&token), json!({"studentNo": "2024001"})).await;
    assert_eq!((status, sent["phone"].as_str()), (StatusCode::ACCEPTED, Some("139****0001")), "{sent}");
    app.run_pending_jobs().await;
    let code = v.last_code("13900000001").await;
    // The counselor's way is not the SMS way: the SMS code is not a counselor's code.
    let (status, _) = app.post("/school/binding", Some(&token), json!({"studentNo": "2024001", "code": code})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, b) = app.post("/school/binding", Some(&token), json!({"studentNo": "2024001", "code": code, "method": "sms"})).await;
    assert_eq!((status, b["studentNo"].as_str()), (StatusCode::OK, Some("2024001")), "{b}");
    assert_eq!(active(&v, &openid).await, Some(true));
    // No phone on file: the counselor's code is the way.
    let (status, err) = app.post("/school/binding/sms-code", Some(&token), json!({"studentNo": "2024002"})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "no_phone_on_file");

    // Guessing across student numbers: NOTICE_BIND_ATTEMPTS_PER_HOUR (4 here) attempts, then 429.
    let (guesser, _) = v.sign_in("猜码者", None).await;
    let mut statuses = Vec::new();
    for no in ["2024002", "2024003", "2024002", "2024001", "2024002"] {
        statuses.push(app.post("/school/binding", Some(&guesser), json!({"studentNo": no, "code": "123456"})).await.0);
    }
    assert_eq!(statuses[..4], [StatusCode::BAD_REQUEST; 4], "{statuses:?}");
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");

    // An account that did not come through the Official Account has no openid to bind.
    let (status, err) = app.send(Method::GET, "/school/binding", Some(&wang), None).await;
    assert_error(status, &err, StatusCode::CONFLICT, "no_openid");
}
