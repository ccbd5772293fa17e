//! 报名记录: the admin list of an activity's live enrollments with answers and check-in state,
//! narrowed by the filter language (the seed's "签到了但未签退"), a malformed filter's 422, and
//! the streamed CSV (BOM, header, quoting, formula injection made inert, Chinese, every row).

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use serde_json::json;
use support::checkin::{self as fx, activity, enroll_at, set_name, user_id};
use support::{assert_error, TestApp};
use tower::ServiceExt;
use yizhan_common::testing::database;

fn form() -> serde_json::Value {
    json!([
        {"id": "phone", "kind": "phone", "label": "电话", "required": true},
        {"id": "days", "kind": "multiple_choice", "label": "参加哪几天", "options": ["周六", "周日"]},
        {"id": "note", "kind": "long_text", "label": "备注"}
    ])
}

struct Setup {
    app: TestApp,
    admin: String,
    activity: i64,
    sign_in: i64,
    sign_out: i64,
}

/// 张三 checked in to 签到 only, 李四 to both, 王五 to neither, 赵六 cancelled (not listed).
async fn setup() -> Setup {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let pool = app.pool.clone();
    let act = activity(&pool, "迎新晚会", form()).await;
    let now = Utc::now();
    let sign_in = fx::item(&pool, act, "签到", now - Duration::hours(2), now + Duration::hours(1)).await;
    let sign_out = fx::item(&pool, act, "签退", now - Duration::hours(1), now + Duration::hours(2)).await;
    let people = [
        ("zhang", "张三", json!({"phone": "13800000001", "days": ["周六", "周日"], "note": "=HYPERLINK(\"http://evil\")"})),
        ("li", "李四", json!({"phone": "13800000002", "days": ["周日"], "note": "说\"你好\",再见\n第二行"})),
        ("wang", "王五", json!({"phone": "+8613800000003"})),
        ("zhao", "赵六", json!({"phone": "13800000004"})),
    ];
    for (i, (username, name, answers)) in people.into_iter().enumerate() {
        app.login_or_create(username).await;
        let id = user_id(&pool, username).await;
        set_name(&pool, id, name).await;
        let enrollment = enroll_at(&pool, act, id, answers, now - Duration::minutes(60 - i64::try_from(i).expect("i"))).await;
        if username == "zhao" {
            fx::cancel(&pool, enrollment).await;
        }
    }
    let (zhang, li) = (user_id(&pool, "zhang").await, user_id(&pool, "li").await);
    fx::check_in(&pool, act, sign_in, zhang, now - Duration::minutes(30)).await;
    fx::check_in(&pool, act, sign_in, li, now - Duration::minutes(29)).await;
    fx::check_in(&pool, act, sign_out, li, now - Duration::minutes(5)).await;
    Setup { app, admin, activity: act, sign_in, sign_out }
}

fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn the_records_list_answers_and_check_ins_and_the_filter_narrows_them() {
    let s = setup().await;
    let path = format!("/admin/activities/{}/enrollments/", s.activity);
    let (status, page) = s.app.get(&path, Some(&s.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 3, "the cancelled enrollment is not listed: {page}");
    let names: Vec<&str> = page["results"].as_array().expect("results").iter().filter_map(|r| r["user"]["name"].as_str()).collect();
    assert_eq!(names, ["王五", "李四", "张三"], "newest first");
    let li = &page["results"][1];
    assert_eq!(li["user"]["username"], "li");
    assert_eq!(li["answers"]["days"], json!(["周日"]));
    assert_eq!(li["clockins"][0]["label"], "签到");
    assert_eq!(li["clockins"][0]["item_id"], s.sign_in);
    assert_eq!((li["clockins"][0]["checked_in"].clone(), li["clockins"][1]["checked_in"].clone()), (json!(true), json!(true)));
    assert!(li["clockins"][1]["at"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{li}");
    assert_eq!(page["results"][0]["clockins"][1], json!({"item_id": s.sign_out, "label": "签退", "checked_in": false, "at": null}));

    // The seed's own example: checked in to 签到 and not to 签退.
    let (status, page) = s.app.get(&format!("{path}?filter={}", enc("签到了但未签退")), Some(&s.admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 1, "{page}");
    assert_eq!(page["results"][0]["user"]["name"], "张三");
    for (filter, want) in [("未签到", vec!["王五"]), ("签到 或 签退", vec!["李四", "张三"]), ("（签到的且签退）或 未签到", vec!["王五", "李四"]), ("  ", vec!["王五", "李四", "张三"])] {
        let (status, page) = s.app.get(&format!("{path}?filter={}", enc(filter)), Some(&s.admin)).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {page}");
        let names: Vec<&str> = page["results"].as_array().expect("results").iter().filter_map(|r| r["user"]["name"].as_str()).collect();
        assert_eq!(names, want, "{filter}");
    }
}

#[tokio::test]
async fn a_malformed_filter_is_a_422_saying_where_and_what_was_expected() {
    let s = setup().await;
    let path = format!("/admin/activities/{}/enrollments/", s.activity);
    let (status, body) = s.app.get(&format!("{path}?filter={}", enc("签到签退")), Some(&s.admin)).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert_eq!(err["detail"], json!({"position": 2, "expected": "connective_or_end", "code": "unexpected"}), "{err}");
    assert_eq!(err["message"], "第3个字“签退”前缺少“且”或“或”：这里应为“且”“但”“或”或结束");
    assert_eq!(err["fields"]["filter"], err["message"]);
    let (status, body) = s.app.get(&format!("{path}?filter={}", enc("签到了但未")), Some(&s.admin)).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert_eq!(err["detail"]["position"], 5);
    assert_eq!(err["detail"]["expected"], "term");
    let (status, body) = s.app.get(&format!("{path}?filter={}", enc("报名了")), Some(&s.admin)).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("不是本活动的打卡项")), "{err}");
    let (status, body) = s.app.get(&format!("{path}?filter={}&format=csv", enc("签到签退")), Some(&s.admin)).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    let (status, body) = s.app.get(&format!("{path}?format=xml"), Some(&s.admin)).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, body) = s.app.get("/admin/activities/999999/enrollments/", Some(&s.admin)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

async fn download(app: &TestApp, path: &str, token: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).expect("request");
    let res = app.router.clone().oneshot(req).await.expect("response");
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.into_body().collect().await.expect("body").to_bytes().to_vec())
}

#[tokio::test]
async fn the_csv_has_a_bom_a_header_quoted_cells_and_no_live_formulas() {
    let s = setup().await;
    let (status, headers, bytes) = download(&s.app, &format!("/admin/activities/{}/enrollments/?format=csv", s.activity), &s.admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(headers[header::CONTENT_DISPOSITION].to_str().expect("ascii").starts_with("attachment"));
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "用户,姓名,报名时间,电话,参加哪几天,备注,签到,签退");
    assert!(lines[1].starts_with("wang,王五,"), "{text}");
    assert!(lines[1].contains(",'+8613800000003,"), "a leading + is made inert: {text}");
    assert!(lines[1].ends_with(",,,,"), "no days, no note, no check-ins: {text}");
    // 李四: a quote, a comma and a line break in one answer, so that cell is quoted.
    assert!(text.contains(",周日,\"说\"\"你好\"\",再见\n第二行\","), "{text}");
    // 张三: multiple choice joined with 、, a formula made text.
    assert!(text.contains(",周六、周日,\"'=HYPERLINK(\"\"http://evil\"\")\","), "{text}");
    assert!(!text.contains("赵六"), "cancelled enrollments are not exported");
    assert!(text.ends_with("\r\n"));
    let zhang = lines.iter().find(|l| l.starts_with("zhang,")).expect("张三's row");
    let cells: Vec<&str> = zhang.rsplitn(3, ',').collect();
    assert_eq!(cells[0], "", "张三 did not check out");
    assert_eq!(cells[1].len(), "2026-12-04 20:30:00".len(), "{zhang}");

    // The filter applies to the export too.
    let filtered = format!("/admin/activities/{}/enrollments/?format=csv&filter={}", s.activity, enc("签到了但未签退"));
    let (_, _, bytes) = download(&s.app, &filtered, &s.admin).await;
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    assert_eq!(text.matches("\r\n").count(), 2, "the header and 张三: {text}");
    assert!(text.contains("\r\nzhang,张三,"), "{text}");

    // Staff cannot export.
    let staff = s.app.login("li", "password-123").await;
    let (status, _, _) = download(&s.app, &format!("/admin/activities/{}/enrollments/?format=csv", s.activity), &staff).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_csv_holds_every_row_past_the_batch_size() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let act = activity(&app.pool, "运动会", json!([{"id": "n", "kind": "text", "label": "姓名"}])).await;
    sqlx::query("INSERT INTO users (username, name) SELECT 'bulk' || g, '同学' || g FROM generate_series(1, 1203) AS g").execute(&app.pool).await.expect("users");
    sqlx::query(
        "INSERT INTO activity_enrollments (activity_id, user_id, answers, created_at)
         SELECT $1, id, jsonb_build_object('n', name), now() - make_interval(secs => id) FROM users WHERE username LIKE 'bulk%'",
    )
    .bind(act)
    .execute(&app.pool)
    .await
    .expect("enrollments");
    let (status, _, bytes) = download(&app, &format!("/admin/activities/{act}/enrollments/?format=csv"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 1203, "the header and every enrollment");
    let distinct: std::collections::BTreeSet<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap_or("")).collect();
    assert_eq!(distinct.len(), 1203, "no row twice, none left out");
    let (_, page) = app.get(&format!("/admin/activities/{act}/enrollments/?page=61"), Some(&admin)).await;
    assert_eq!((page["count"].clone(), page["results"].as_array().map(Vec::len)), (json!(1203), Some(3)), "{page}");
}
