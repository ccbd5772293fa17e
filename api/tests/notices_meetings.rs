//! Seed 004's 会议签到 and 签到统计: a counselor calls a meeting for their classes (not another
//! counselor's), shows its rotating code, and the invited students check in once each — through
//! the JSON route or the H5 page the QR code opens; a code that is forged, expired, an activity's
//! or outside the check-in window is refused, a student of another class too. The statistics per
//! class come from the list frozen when the meeting was called; the absent and the CSV; the
//! console's display page; another counselor sees none of it.

mod console_client;
mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{Duration, Utc};
use console_client::Browser;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use support::callbacks::plain_codec;
use support::school::{admin, bound_student, class, counselor};
use support::visitors::Visits;
use support::{assert_error, TestApp};
use tower::ServiceExt;
use yizhan_common::college::activities::checkin_token::CheckinKeys;

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.h5_base = Some("https://h5.school.test".into());
    })
    .await
}

/// An H5 page opened with the student's `yz_h5` cookie (which holds their API token): status, text.
async fn h5(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let req = Request::builder().uri(path).header(header::COOKIE, format!("yz_h5={token}")).body(Body::empty()).expect("request");
    let res = app.router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    (status, String::from_utf8_lossy(&res.into_body().collect().await.expect("body").to_bytes()).into_owned())
}

fn meeting_body(title: &str, starts_in: Duration, class_ids: &[i64]) -> Value {
    let starts = Utc::now() + starts_in;
    json!({"title": title, "place": "第一教学楼 101", "startsAt": starts.to_rfc3339(), "endsAt": (starts + Duration::hours(1)).to_rfc3339(), "classIds": class_ids})
}

async fn code(app: &TestApp, token: &str, id: i64) -> String {
    let (status, c) = app.get(&format!("/school/meetings/{id}/code"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["url"], format!("https://h5.school.test/h5/school/meetings/{id}/checkin?code={}", c["code"].as_str().expect("code")), "{c}");
    c["code"].as_str().expect("code").to_owned()
}

async fn scan(app: &TestApp, token: &str, id: i64, code: &str) -> (StatusCode, Value) {
    app.post(&format!("/school/meetings/{id}/checkin"), Some(token), json!({"code": code})).await
}

#[tokio::test]
async fn invited_students_check_in_once_with_the_live_code_and_are_counted_per_class() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let (li, li_id) = counselor(app, &root, "li", "李老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let a2 = class(app, &root, "计科2402", Some(wang_id)).await;
    let b = class(app, &root, "软件2401", Some(li_id)).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (_, _, qian_id) = bound_student(&v, &wang, "2024002", "钱二", a).await;
    let (sun, _, _) = bound_student(&v, &wang, "2024101", "孙五", a2).await;
    let (zhao, _, _) = bound_student(&v, &li, "2025001", "赵六", b).await;

    // Bad input names its fields and writes nothing; another counselor's class is refused.
    let (status, e) = app.post("/school/meetings", Some(&wang), meeting_body("年级大会", Duration::minutes(10), &[a, b])).await;
    let e = assert_error(status, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(e["fields"]["classIds"].as_str().is_some_and(|m| m.contains("not one of yours")), "{e}");
    let mut backwards = meeting_body("年级大会", Duration::minutes(10), &[a]);
    backwards["endsAt"] = json!((Utc::now() - Duration::hours(1)).to_rfc3339());
    backwards["title"] = json!(" ");
    let (status, e) = app.post("/school/meetings", Some(&wang), backwards).await;
    let e = assert_error(status, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(e["fields"]["endsAt"].is_string() && e["fields"]["title"].is_string(), "{e}");
    let (status, e) = app.post("/school/meetings", Some(&wang), meeting_body("年级大会", Duration::minutes(10), &[])).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && e["error"]["fields"]["classIds"].is_string(), "{e}");
    let meetings: i64 = sqlx::query_scalar("SELECT count(*) FROM school_meetings").fetch_one(&app.pool).await.expect("count");
    assert_eq!(meetings, 0);

    // Called for both of 王老师's classes, starting in ten minutes: check-in is open now.
    let (status, m) = app.post("/school/meetings", Some(&wang), meeting_body("年级大会", Duration::minutes(10), &[a, a2, a])).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!((&m["invited"], &m["checkedIn"], &m["place"]), (&json!(3), &json!(0), &json!("第一教学楼 101")), "{m}");
    let id = m["id"].as_i64().expect("id");

    let live = code(app, &wang, id).await;
    let (status, first) = scan(app, &zhang, id, &live).await;
    assert_eq!((status, &first["already"], &first["title"]), (StatusCode::OK, &json!(false), &json!("年级大会")), "{first}");
    let (status, again) = scan(app, &zhang, id, &live).await;
    assert_eq!((status, &again["already"], &again["checkedInAt"]), (StatusCode::OK, &json!(true), &first["checkedInAt"]), "{again}");

    // Refused: a student of a class not called; a forged code; last minute's code; an activity's
    // code for the same id; another meeting's code.
    let (status, e) = scan(app, &zhao, id, &live).await;
    assert_error(status, &e, StatusCode::FORBIDDEN, "not_invited");
    let mut forged = live.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let (status, e) = scan(app, &sun, id, &String::from_utf8(forged).expect("ascii")).await;
    assert_error(status, &e, StatusCode::CONFLICT, "code_invalid");
    let keys = CheckinKeys::development();
    let (status, e) = scan(app, &sun, id, &keys.sign_meeting(id, Utc::now() - Duration::seconds(60))).await;
    assert_error(status, &e, StatusCode::CONFLICT, "code_expired");
    let (status, e) = scan(app, &sun, id, &keys.sign(id, 0, Utc::now())).await;
    assert_error(status, &e, StatusCode::CONFLICT, "code_invalid");
    let (status, e) = scan(app, &sun, id, &keys.sign_meeting(id + 1, Utc::now())).await;
    assert_error(status, &e, StatusCode::CONFLICT, "wrong_meeting");

    // The H5 page the QR code opens checks the student in, once, and says so in Chinese.
    let path = format!("/h5/school/meetings/{id}/checkin?code={live}");
    let (status, html) = h5(app, &sun, &path).await;
    assert!(status == StatusCode::OK && html.contains("签到成功"), "{status} {html}");
    let (status, html) = h5(app, &sun, &path).await;
    assert!(status == StatusCode::OK && html.contains("你已签到"), "{status} {html}");
    let (status, html) = h5(app, &zhao, &path).await;
    assert!(status == StatusCode::FORBIDDEN && html.contains("不在本次会议的名单中"), "{status} {html}");

    // Statistics per class from the frozen list: a student who moves class later changes nothing.
    sqlx::query("UPDATE students SET class_id = $1 WHERE id = $2").bind(b).bind(qian_id).execute(&app.pool).await.expect("move");
    let (status, s) = app.get(&format!("/school/meetings/{id}"), Some(&wang)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!((&s["meeting"]["invited"], &s["meeting"]["checkedIn"]), (&json!(3), &json!(2)), "{s}");
    assert_eq!(
        s["classes"],
        json!([{"classId": a, "className": "计科2401", "invited": 2, "checkedIn": 1}, {"classId": a2, "className": "计科2402", "invited": 1, "checkedIn": 1}])
    );
    let (_, absent) = app.get(&format!("/school/meetings/{id}/attendees?checkedIn=false"), Some(&wang)).await;
    assert_eq!((&absent["count"], &absent["results"][0]["name"], &absent["results"][0]["checkedInAt"]), (&json!(1), &json!("钱二"), &Value::Null), "{absent}");
    let (_, present) = app.get(&format!("/school/meetings/{id}/attendees?checkedIn=true"), Some(&wang)).await;
    assert_eq!(present["count"], 2, "{present}");
    let (status, csv) = app.get(&format!("/school/meetings/{id}/attendees.csv"), Some(&wang)).await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().expect("a CSV").to_owned();
    assert!(csv.contains("学号,姓名,班级,签到时间") && csv.contains("2024002,钱二,计科2401,\r\n") && csv.lines().count() == 4, "{csv}");

    // Another counselor sees none of it, nor gets its code; an admin sees it; a student may not list.
    assert_eq!(app.get(&format!("/school/meetings/{id}"), Some(&li)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/school/meetings/{id}/code"), Some(&li)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/school/meetings", Some(&li)).await.1["count"], 0);
    assert_eq!(app.get("/school/meetings", Some(&root)).await.1["count"], 1);
    assert_eq!(app.get("/school/meetings", Some(&zhang)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.send(Method::DELETE, &format!("/school/meetings/{id}"), Some(&li), None).await.0, StatusCode::NOT_FOUND);

    // A meeting whose check-in opens later refuses a live code until then.
    let (_, later) = app.post("/school/meetings", Some(&wang), meeting_body("班会", Duration::hours(3), &[a])).await;
    let later_id = later["id"].as_i64().expect("id");
    let (status, e) = scan(app, &zhang, later_id, &code(app, &wang, later_id).await).await;
    assert_error(status, &e, StatusCode::CONFLICT, "checkin_closed");

    // The console's display for the projector: the QR of the check-in link, for its counselor only.
    let mut b_wang = Browser::signed_in(app, "wang", "password-123").await;
    let page = b_wang.get(&format!("/admin/console/meetings/{id}/display")).await;
    assert!(page.status == StatusCode::OK && page.has("请用微信扫一扫签到") && page.has("<svg") && page.has("年级大会"), "{}", page.body);
    let list = b_wang.get("/admin/console/meetings").await;
    assert!(list.has(&format!(r#"<tr id="meeting-{id}">"#)) && list.has("2 / 3") && list.has("会议签到"), "{}", list.body);
    let csv = b_wang.get(&format!("/admin/console/meetings/{id}/attendees.csv")).await;
    assert!(csv.status == StatusCode::OK && csv.has("2024002,钱二,计科2401,"), "{}", csv.body);
    let mut b_li = Browser::signed_in(app, "li", "password-123").await;
    assert_eq!(b_li.get(&format!("/admin/console/meetings/{id}/display")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b_li.get(&format!("/admin/console/meetings/{id}/attendees.csv")).await.status, StatusCode::NOT_FOUND);
    assert!(b_li.get("/admin/console/meetings").await.has("还没有会议。"));

    assert_eq!(app.send(Method::DELETE, &format!("/school/meetings/{id}"), Some(&wang), None).await.0, StatusCode::NO_CONTENT);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM school_meeting_attendees WHERE meeting_id = $1").bind(id).fetch_one(&app.pool).await.expect("count");
    assert_eq!(left, 0);
}
