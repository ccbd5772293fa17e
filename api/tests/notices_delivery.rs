//! Seed 004's main flow against the simulator, the jobs run in-process: students follow and bind,
//! choose categories (or unfollow); a counselor sends a notice to a class — frozen recipients,
//! template messages only to those WeChat can reach and who follow the category, an urgent one
//! to every bound follower whatever they follow — the sends counted (a failure by its errcode),
//! reads and confirmations counted, non-readers listed and reminded (only them, once a day),
//! recipients exported as CSV; another counselor sees none of it.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::assert_error;
use support::callbacks::{event, plain_codec};
use support::school::{admin, bound_student, class, counselor, student};
use support::visitors::Visits;

const TEMPLATE: &str = "模板ID5";

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some(TEMPLATE.into());
        cfg.notices.page_url = Some("https://h5.school.test/notices/{id}".into());
        // Template messages here (`notices_mass.rs` has the customer-service window and mass sends).
        cfg.notices.custom_window = std::time::Duration::ZERO;
    })
    .await
}

/// The notice messages the simulator delivered to `openid` (reminders: `first` says 提醒).
async fn delivered(v: &Visits, openid: &str) -> (usize, usize) {
    let all = v.sim.messages_to(openid).await;
    let notices: Vec<&Value> = all.iter().filter(|m| m["templateId"] == TEMPLATE || m["template_id"] == TEMPLATE).collect();
    let reminders = notices.iter().filter(|m| m["data"]["first"]["value"].as_str().unwrap_or_default().starts_with("提醒")).count();
    (notices.len() - reminders, reminders)
}

async fn stats(v: &Visits, token: &str, id: i64) -> Value {
    let (status, s) = v.app.get(&format!("/school/notices/{id}/stats"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s
}

#[tokio::test]
async fn a_notice_to_a_class_with_subscriptions_an_urgent_override_reads_and_reminders() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let (li, li_id) = counselor(app, &root, "li", "李老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let b = class(app, &root, "计科2402", Some(li_id)).await;
    let (_, jobs) = app.post("/school/notice-categories", Some(&root), json!({"name": "就业信息"})).await;
    let (_, grants) = app.post("/school/notice-categories", Some(&root), json!({"name": "奖助学金"})).await;

    let (zhang, zhang_oid, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (lisi, lisi_oid, _) = bound_student(&v, &wang, "2024002", "李四", a).await;
    student(app, &wang, "2024003", "王五", a, None).await; // never binds
    let (_, zhao_oid, _) = bound_student(&v, &wang, "2024004", "赵六", a).await;
    let (other, other_oid, _) = bound_student(&v, &li, "2024101", "钱七", b).await;
    // 李四 follows only 奖助学金; 赵六 unfollows the Official Account.
    let (status, s) = app.send(Method::PUT, "/school/notice-settings", Some(&lisi), Some(json!({"categoryIds": [grants["id"]]}))).await;
    assert_eq!((status, s["categoryIds"].clone()), (StatusCode::OK, json!([grants["id"]])), "{s}");
    let (_, s) = app.get("/school/notice-settings", Some(&zhang)).await;
    assert_eq!(s["categoryIds"].as_array().map(Vec::len), Some(2), "no choice yet: every category: {s}");
    event(app, &zhao_oid, "unsubscribe", None).await;

    // A counselor writes only to their own classes.
    let (status, err) = app.post("/school/notices", Some(&wang), json!({"title": "越界", "body": "x", "categoryId": jobs["id"], "audience": {"kind": "classes", "classIds": [b]}})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["audience.classIds"].is_string(), "{err}");
    let (status, err) = app.post("/school/notices", Some(&wang), json!({"title": "", "body": "x", "categoryId": 999, "urgency": "soon", "audience": {"kind": "nobody"}})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["title", "categoryId", "urgency", "audience"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notices").fetch_one(&app.pool).await.expect("count"), 0);

    // A normal notice in 就业信息 to class A: four recipients frozen, one reachable by WeChat.
    let body = json!({"title": "招聘会", "body": "周五下午体育馆", "categoryId": jobs["id"], "urgency": "normal", "requireConfirm": true, "audience": {"kind": "classes", "classIds": [a]}});
    let (status, n1) = app.post("/school/notices", Some(&wang), body).await;
    assert_eq!((status, n1["recipients"].as_i64()), (StatusCode::CREATED, Some(4)), "{n1}");
    let n1 = n1["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    let s = stats(&v, &wang, n1).await;
    assert_eq!((s["recipients"].as_i64(), s["wechat"].as_i64(), s["muted"].as_i64(), s["unbound"].as_i64()), (Some(4), Some(1), Some(1), Some(2)), "{s}");
    assert_eq!((s["delivered"].as_i64(), s["pending"].as_i64(), s["failed"].as_i64()), (Some(1), Some(0), Some(0)), "{s}");
    assert_eq!(s["progress"], json!({"planned": 1, "sent": 1, "failed": 0, "pending": 0}), "the author's progress figure: {s}");
    assert_eq!((delivered(&v, &zhang_oid).await, delivered(&v, &lisi_oid).await), ((1, 0), (0, 0)));
    assert_eq!(delivered(&v, &zhao_oid).await, (0, 0), "an unfollowed student gets nothing");
    // Each message carried its send's client_msg_id (WeChat drops a repeat of one), as the simulator saw it.
    let send_id: i64 = sqlx::query_scalar("SELECT template_send_id FROM notice_recipients WHERE notice_id = $1 AND template_send_id IS NOT NULL")
        .bind(n1)
        .fetch_one(&app.pool)
        .await
        .expect("send");
    let seen = v.sim.messages_to(&zhang_oid).await;
    assert_eq!(seen.last().map(|m| m["clientMsgId"].clone()), Some(json!(format!("tpl-{send_id}"))), "{seen:?}");

    // An urgent one reaches 李四 too, whatever she follows; still not 赵六 (unfollowed).
    let body = json!({"title": "停课通知", "body": "明天停课", "categoryId": jobs["id"], "urgency": "urgent", "audience": {"kind": "classes", "classIds": [a]}});
    let (_, n2) = app.post("/school/notices", Some(&wang), body).await;
    let n2 = n2["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    let s = stats(&v, &wang, n2).await;
    assert_eq!((s["wechat"].as_i64(), s["delivered"].as_i64(), s["muted"].as_i64()), (Some(2), Some(2), Some(0)), "{s}");
    assert_eq!((delivered(&v, &zhang_oid).await, delivered(&v, &lisi_oid).await), ((2, 0), (1, 0)));
    assert_eq!(delivered(&v, &other_oid).await, (0, 0), "another class gets nothing");

    // Reading and confirming are counted; someone else's notice is 404 to a student.
    let (status, page) = app.get(&format!("/school/notices/{n1}/page"), Some(&zhang)).await;
    assert_eq!((status, page["title"].as_str(), page["readAt"].is_string()), (StatusCode::OK, Some("招聘会"), true), "{page}");
    let (status, page) = app.post(&format!("/school/notices/{n1}/confirm"), Some(&zhang), json!({})).await;
    assert_eq!((status, page["confirmedAt"].is_string()), (StatusCode::OK, true), "{page}");
    let (status, _) = app.get(&format!("/school/notices/{n1}/page"), Some(&other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, err) = app.post(&format!("/school/notices/{n2}/confirm"), Some(&zhang), json!({})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "no_confirmation_asked");
    let (_, _) = app.get(&format!("/school/notices/{n2}/page"), Some(&zhang)).await;
    let s = stats(&v, &wang, n1).await;
    assert_eq!((s["read"].as_i64(), s["confirmed"].as_i64()), (Some(1), Some(1)), "{s}");
    assert_eq!(s["classes"], json!([{"className": "计科2401", "recipients": 4, "read": 1, "confirmed": 1}]), "{s}");

    // The non-readers of the urgent notice; reminding them reaches only the unread and reachable.
    let (_, page) = app.get(&format!("/school/notices/{n2}/non-readers"), Some(&wang)).await;
    let names: Vec<&str> = page["results"].as_array().expect("results").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["李四", "王五", "赵六"], "{page}");
    let (status, r) = app.post(&format!("/school/notices/{n2}/remind"), Some(&wang), json!({})).await;
    assert_eq!((status, r["reminded"].as_i64()), (StatusCode::OK, Some(1)), "{r}");
    app.run_pending_jobs().await;
    assert_eq!((delivered(&v, &zhang_oid).await, delivered(&v, &lisi_oid).await), ((2, 0), (1, 1)), "only the non-reader is reminded");
    let (status, err) = app.post(&format!("/school/notices/{n2}/remind"), Some(&wang), json!({})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "already_reminded");

    // Another counselor sees none of it.
    for path in [format!("/school/notices/{n1}/stats"), format!("/school/notices/{n1}/non-readers"), format!("/school/notices/{n1}")] {
        let (status, _) = app.get(&path, Some(&li)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, list) = app.get("/school/notices", Some(&li)).await;
    assert_eq!(list["count"], 0, "{list}");

    // A send WeChat refuses is counted by its errcode.
    v.control("/_sim/faults", json!({"rules": [{"op": "template_send", "errcode": 43004, "times": 1}]})).await;
    let ids = json!([sqlx::query_scalar::<_, i64>("SELECT id FROM students WHERE student_no = '2024001'").fetch_one(&app.pool).await.expect("id")]);
    let body = json!({"title": "个别通知", "body": "请来办公室", "categoryId": grants["id"], "audience": {"kind": "students", "studentIds": ids}});
    let (status, n3) = app.post("/school/notices", Some(&wang), body).await;
    assert_eq!((status, n3["recipients"].as_i64()), (StatusCode::CREATED, Some(1)), "{n3}");
    app.run_pending_jobs().await;
    let s = stats(&v, &wang, n3["id"].as_i64().expect("id")).await;
    assert_eq!((s["failed"].as_i64(), s["failedByErrcode"].clone()), (Some(1), json!({"43004": 1})), "{s}");
    assert_eq!(s["progress"], json!({"planned": 1, "sent": 0, "failed": 1, "pending": 0}), "{s}");

    // Every recipient as CSV.
    let (status, csv) = app.get(&format!("/school/notices/{n1}/recipients.csv"), Some(&wang)).await;
    let csv = csv.as_str().unwrap_or_default().to_owned();
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("学号,姓名,班级") && csv.lines().count() == 5, "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("2024001,张三,计科2401,wechat,sent,20")), "{csv}");
}
