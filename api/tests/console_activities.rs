//! The console's activity pages, driven as a browser would: creating an activity with a form
//! designed in rows (blank rows ignored, ids filled in, 「添加一行」 saving nothing), the JSON
//! route's checks under each field and row, the list with its search, and after the first
//! enrollment a non-additive change refused on its row. A forged form changes nothing.

mod console_client;
mod support;

use axum::http::StatusCode;
use console_client::Browser;
use serde_json::json;
use sqlx::PgPool;
use support::TestApp;
use yizhan_common::testing::database;

async fn count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM activities").fetch_one(pool).await.expect("count")
}

/// A designer row's inputs.
fn row<'a>(id: &'a str, kind: &'a str, label: &'a str, required: &'a str, min: &'a str, max: &'a str, options: &'a str) -> [(&'static str, &'a str); 8] {
    [
        ("field_id", id),
        ("field_kind", kind),
        ("field_label", label),
        ("field_help", ""),
        ("field_required", required),
        ("field_min", min),
        ("field_max", max),
        ("field_options", options),
    ]
}

#[tokio::test]
async fn activities_are_designed_in_rows_with_the_json_routes_checks() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    app.user_token("root", &[]).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;

    let new = b.get("/admin/console/activities/new").await;
    assert!(new.status == StatusCode::OK && new.has("name=\"field_kind\"") && new.has("多选"), "{}", new.body);
    assert!(b.get("/admin/console/activities").await.has("href=\"/admin/console/activities\""), "a navigation entry");

    let head = [
        ("title", "迎新晚会"),
        ("place", "体育馆"),
        ("description", "一年一度"),
        ("starts_at", "2030-03-01T19:00"),
        ("ends_at", "2030-03-01T21:00"),
        ("enroll_from", "2020-01-01T00:00"),
        ("enroll_until", "2030-02-28T18:00"),
        ("capacity", "100"),
        ("cover_file_id", ""),
        ("open_to_students", "yes"),
    ];
    let mut fields: Vec<(&str, &str)> = vec![("csrf", "forged")];
    fields.extend(head);
    fields.extend(row("", "text", "姓名", "1", "", "", ""));
    fields.extend(row("", "text", "", "0", "", "", ""));
    fields.extend(row("days", "multiple_choice", "参加哪几天", "0", "1", "2", "周六\r\n周日"));
    assert_eq!(b.post("/admin/console/activities/new", &fields).await.status, StatusCode::FORBIDDEN);
    fields[0].1 = &csrf;

    // 「添加一行」 shows the rows again with one more, saving nothing.
    let mut more = fields.clone();
    more.push(("add_row", "1"));
    let page = b.post("/admin/console/activities/new", &more).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.body.matches("class=\"design-row\"").count(), 4, "{}", page.body);
    assert_eq!(count(&pool).await, 0);

    // The JSON route's checks: on the fields and on the designer's rows.
    let mut bad = fields.clone();
    bad[1].1 = "";
    bad[5].1 = "2030-03-01T18:00";
    bad.extend(row("", "single_choice", "尺码", "0", "", "", ""));
    bad.extend(row("", "number", "年龄", "0", "abc", "", ""));
    let page = b.post("/admin/console/activities/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("最小：须为数字"), "an unreadable number is named on its row: {}", page.body);
    bad.truncate(bad.len() - 8);
    let page = b.post("/admin/console/activities/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"title\">必填"), "{}", page.body);
    assert!(page.has("选项：a choice field needs at least one choice"), "{}", page.body);
    assert_eq!(count(&pool).await, 0);

    let page = b.post("/admin/console/activities/new", &fields).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/activities"), "{}", page.body);
    let (id, form, for_students): (i64, serde_json::Value, bool) = sqlx::query_as("SELECT id, form, open_to_students FROM activities").fetch_one(&pool).await.expect("activity");
    assert!(for_students, "the 面向学生开放 box was ticked");
    assert_eq!(
        form,
        json!([
            {"id": "field1", "kind": "text", "label": "姓名", "help": "", "required": true},
            {"id": "days", "kind": "multiple_choice", "label": "参加哪几天", "help": "", "required": false, "min": 1.0, "max": 2.0, "options": ["周六", "周日"]}
        ]),
        "the blank row is left out and the missing id filled in"
    );
    let list = b.get("/admin/console/activities?q=%E8%BF%8E%E6%96%B0").await;
    assert!(list.has(&format!("id=\"activity-{id}\"")) && list.has("0 / 100") && list.has("已保存活动“迎新晚会”"), "{}", list.body);
    assert!(!b.get("/admin/console/activities?q=nothing").await.has(&format!("id=\"activity-{id}\"")));

    // After the first enrollment, dropping a field is refused and shown.
    let staff = app.login_or_create("li").await;
    let (status, e) = app.post("/enrollments/", Some(&staff), json!({"activity": id, "answers": {"field1": "李", "days": ["周六"]}})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let edit = b.get(&format!("/admin/console/activities/{id}")).await;
    assert!(edit.has("value=\"field1\"") && edit.has("周六\n周日"), "{}", edit.body);
    assert!(edit.has(r#"name="open_to_students" value="yes" checked"#), "{}", edit.body);
    // The activity's check-in and enrollment-record pages are a link away, from its page and the list.
    for page in [&edit, &list] {
        for link in ["clockins", "enrollments"] {
            assert!(page.has(&format!("href=\"/admin/console/activities/{id}/{link}\"")), "a link to {link}: {}", page.body);
        }
    }
    let records = b.get(&format!("/admin/console/activities/{id}/enrollments")).await;
    assert!(records.status == StatusCode::OK && records.has("李"), "{}", records.body);
    let mut dropped: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    dropped.extend(head);
    dropped.extend(row("field1", "text", "姓名", "1", "", "", ""));
    let page = b.post(&format!("/admin/console/activities/{id}"), &dropped).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("field `days` cannot be removed after the first enrollment"), "{}", page.body);
    dropped.extend(row("days", "multiple_choice", "参加哪几天（可多选）", "0", "", "2", "周六\n周日\n都行"));
    let page = b.post(&format!("/admin/console/activities/{id}"), &dropped).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "an additive change is saved: {}", page.body);

    let staff_browser = Browser::signed_in(&app, "li", "password-123").await.get("/admin/console/activities").await;
    assert_ne!(staff_browser.status, StatusCode::OK, "staff do not open the page");
}
