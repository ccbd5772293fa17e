//! Activities (seed 002 三.1 and the admin routes): the admin's checks (required fields, the form's
//! design named per field, period and window, the cover an uploaded image), the form rule (free
//! until the first enrollment, then only additive), capacity not below those enrolled, and the
//! staff list (`my=yes`, `search`, newest first, pages of 20) and detail with the form.

mod support;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{assert_error, TestApp};
use yizhan_common::testing::database;

fn body(title: &str, starts_in_days: i64) -> Value {
    let now = Utc::now();
    json!({
        "title": title, "description": "一年一度", "place": "体育馆",
        "starts_at": (now + Duration::days(starts_in_days)).to_rfc3339(),
        "ends_at": (now + Duration::days(starts_in_days) + Duration::hours(2)).to_rfc3339(),
        "enroll_from": (now - Duration::hours(1)).to_rfc3339(), "enroll_until": (now + Duration::days(1)).to_rfc3339(),
        "form": [
            {"id": "name", "kind": "text", "label": "姓名", "required": true},
            {"id": "size", "kind": "single_choice", "label": "尺码", "options": ["S", "M"]}
        ]
    })
}

async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    let (status, a) = app.post("/admin/activities/", Some(admin), body).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    a
}

fn field_names(err: &Value) -> Vec<String> {
    let mut names: Vec<String> = err["fields"].as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default();
    names.sort();
    names
}

async fn activities(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM activities").fetch_one(pool).await.expect("count")
}

#[tokio::test]
async fn the_admin_creates_activities_with_checked_fields_and_forms() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;

    let (status, err) = app.post("/admin/activities/", Some(&admin), json!({})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(field_names(&err), ["ends_at", "enroll_from", "enroll_until", "starts_at", "title"], "{err}");

    let mut bad = body("迎新晚会", 7);
    bad["form"] = json!([
        {"id": "name", "kind": "text", "label": "姓名"},
        {"id": "name", "kind": "text", "label": ""},
        {"id": "pick", "kind": "multiple_choice", "label": "选", "options": [], "min": 2, "max": 1},
        {"id": "n", "kind": "number", "label": "数", "min": 5, "max": 1},
        {"id": "t", "kind": "text", "label": "文", "options": ["x"]}
    ]);
    bad["capacity"] = json!(0);
    let (status, err) = app.post("/admin/activities/", Some(&admin), bad).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        field_names(&err),
        ["capacity", "form[1].id", "form[1].label", "form[2].max", "form[2].min", "form[2].options", "form[3].max", "form[4].options"],
        "{err}"
    );
    let mut unknown_kind = body("迎新晚会", 7);
    unknown_kind["form"][0]["kind"] = json!("signature");
    let (status, err) = app.post("/admin/activities/", Some(&admin), unknown_kind).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut backwards = body("迎新晚会", 7);
    backwards["ends_at"] = backwards["starts_at"].clone();
    backwards["enroll_until"] = backwards["enroll_from"].clone();
    let (status, err) = app.post("/admin/activities/", Some(&admin), backwards).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(field_names(&err), ["ends_at", "enroll_until"], "{err}");

    // The cover is the id of an uploaded image.
    for (id, kind) in [("a".repeat(32), "image/png"), ("b".repeat(32), "application/pdf")] {
        sqlx::query("INSERT INTO stored_files (id, key, content_type, size) VALUES ($1, $1, $2, 10)").bind(id).bind(kind).execute(&pool).await.expect("file");
    }
    for not_image in ["b".repeat(32), "c".repeat(32), "../x".to_owned()] {
        let mut with_cover = body("迎新晚会", 7);
        with_cover["cover_file_id"] = json!(not_image);
        let (status, err) = app.post("/admin/activities/", Some(&admin), with_cover).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(field_names(&err), ["cover_file_id"], "{err}");
    }
    assert_eq!(activities(&pool).await, 0, "nothing refused was written");

    let mut good = body(" 迎新晚会 ", 7);
    good["cover_file_id"] = json!("a".repeat(32));
    let a = create(&app, &admin, good).await;
    assert_eq!(a["title"], "迎新晚会");
    assert_eq!((a["capacity"].is_null(), a["enrolled"].as_i64()), (true, Some(0)), "no capacity is no limit: {a}");
    assert_eq!(a["cover_url"], format!("/api/files/{}", "a".repeat(32)));
    // A cover is shown to everyone who sees the activity: it becomes public, nothing else does.
    let public = |id: String| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, bool>("SELECT public FROM stored_files WHERE id = $1").bind(id).fetch_one(&pool).await.expect("file") }
    };
    assert_eq!((public("a".repeat(32)).await, public("b".repeat(32)).await), (true, false));
    assert_eq!(a["form"][1]["options"], json!(["S", "M"]));
    assert!(a["starts_at"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{a}");
    let id = a["id"].as_i64().expect("id");

    let (status, shown) = app.get(&format!("/admin/activities/{id}/"), Some(&admin)).await;
    assert_eq!((status, &shown["form"]), (StatusCode::OK, &a["form"]));
    let (status, patched) = app.send(Method::PATCH, &format!("/admin/activities/{id}/"), Some(&admin), Some(json!({"capacity": 30, "cover_file_id": null}))).await;
    assert_eq!((status, patched["capacity"].as_i64(), patched["cover_url"].is_null()), (StatusCode::OK, Some(30), true), "{patched}");
    assert_eq!(patched["title"], "迎新晚会", "fields not sent stay");
    sqlx::query("INSERT INTO stored_files (id, key, content_type, size) VALUES ($1, $1, 'image/jpeg', 10)").bind("d".repeat(32)).execute(&pool).await.expect("file");
    let (status, _) = app.send(Method::PATCH, &format!("/admin/activities/{id}/"), Some(&admin), Some(json!({"cover_file_id": "d".repeat(32)}))).await;
    assert_eq!((status, public("d".repeat(32)).await), (StatusCode::OK, true), "a new cover set by PATCH is public too");
    let (status, err) = app.send(Method::PATCH, &format!("/admin/activities/{id}/"), Some(&admin), Some(json!({"ends_at": "2000-01-01T00:00:00+08:00"}))).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(field_names(&err), ["ends_at"], "the merged period is checked: {err}");
    let (status, _) = app.send(Method::PATCH, "/admin/activities/999999/", Some(&admin), Some(json!({"title": "x"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, page) = app.get("/admin/activities/?search=%E8%BF%8E%E6%96%B0", Some(&admin)).await;
    assert_eq!((status, page["count"].as_i64()), (StatusCode::OK, Some(1)), "{page}");
}

/// A form as the API gives it back: `help` and `required` always there.
fn stored(form: &Value) -> Value {
    let mut form = form.clone();
    for f in form.as_array_mut().expect("form") {
        let f = f.as_object_mut().expect("field");
        f.entry("help").or_insert(json!(""));
        f.entry("required").or_insert(json!(false));
    }
    form
}

async fn patch_form(app: &TestApp, admin: &str, id: i64, form: Value) -> (StatusCode, Value) {
    app.send(Method::PATCH, &format!("/admin/activities/{id}/"), Some(admin), Some(json!({"form": form}))).await
}

#[tokio::test]
async fn the_form_changes_freely_until_the_first_enrollment_then_only_additively() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let id = create(&app, &admin, body("迎新晚会", 7)).await["id"].as_i64().expect("id");

    // Before anyone enrolls: anything valid, even removing fields and changing kinds.
    let free = json!([
        {"id": "name", "kind": "long_text", "label": "姓名"},
        {"id": "size", "kind": "single_choice", "label": "尺码", "options": ["M", "L"], "required": true}
    ]);
    let (status, a) = patch_form(&app, &admin, id, free.clone()).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (status, e) = app.post("/enrollments/", Some(&staff), json!({"activity": id, "answers": {"size": "M"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    // A cancelled enrollment still counts: its answers are kept.
    let (status, _) = app.send(Method::DELETE, &format!("/enrollments/{}/", e["id"]), Some(&staff), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let refused = [
        (json!([free[1].clone()]), "form"),
        (json!([{"id": "name", "kind": "text", "label": "姓名"}, free[1].clone()]), "form[0].kind"),
        (json!([free[0].clone(), {"id": "size", "kind": "single_choice", "label": "尺码", "options": ["L", "M"], "required": true}]), "form[1].options"),
        (json!([{"id": "name", "kind": "long_text", "label": "姓名", "required": true}, free[1].clone()]), "form[0].required"),
        (json!([free[0].clone(), free[1].clone(), {"id": "new", "kind": "text", "label": "新", "required": true}]), "form[2].required"),
    ];
    for (form, field) in refused {
        let (status, err) = patch_form(&app, &admin, id, form.clone()).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(field_names(&err), [field], "{form}: {err}");
    }
    let (_, shown) = app.get(&format!("/admin/activities/{id}/"), Some(&admin)).await;
    assert_eq!(shown["form"], stored(&free), "refused changes change nothing");

    let additive = json!([
        {"id": "size", "kind": "single_choice", "label": "T 恤尺码", "help": "按平时穿的选", "options": ["M", "L", "XL"]},
        {"id": "name", "kind": "long_text", "label": "姓名"},
        {"id": "phone", "kind": "phone", "label": "手机"}
    ]);
    let (status, a) = patch_form(&app, &admin, id, additive.clone()).await;
    assert_eq!((status, &a["form"]), (StatusCode::OK, &stored(&additive)), "{a}");
}

#[tokio::test]
async fn capacity_cannot_go_below_those_enrolled() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let mut b = body("讲座", 3);
    b["capacity"] = json!(5);
    let id = create(&app, &admin, b).await["id"].as_i64().expect("id");
    for name in ["li", "wang"] {
        let token = app.login_or_create(name).await;
        let (status, e) = app.post("/enrollments/", Some(&token), json!({"activity": id, "answers": {"name": name}})).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
    }
    let (status, err) = app.send(Method::PATCH, &format!("/admin/activities/{id}/"), Some(&admin), Some(json!({"capacity": 1}))).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["capacity"], "cannot be below the 2 already enrolled");
    let (status, a) = app.send(Method::PATCH, &format!("/admin/activities/{id}/"), Some(&admin), Some(json!({"capacity": 2}))).await;
    assert_eq!((status, a["capacity"].as_i64(), a["enrolled"].as_i64()), (StatusCode::OK, Some(2), Some(2)), "{a}");
}

#[tokio::test]
async fn staff_list_activities_newest_first_with_my_and_search() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let party = create(&app, &admin, body("迎新晚会", 7)).await["id"].as_i64().expect("id");
    let talk = create(&app, &admin, body("学术讲座", 3)).await["id"].as_i64().expect("id");
    // 20 more, starting earlier, to fill a second page.
    sqlx::query(
        "INSERT INTO activities (title, starts_at, ends_at, enroll_from, enroll_until)
         SELECT '往期活动 ' || g, now() - make_interval(days => g), now() - make_interval(days => g) + interval '1 hour',
                now() - interval '60 days', now() - interval '59 days'
           FROM generate_series(1, 20) g",
    )
    .execute(&pool)
    .await
    .expect("past activities");

    let (status, page) = app.get("/activities/", Some(&staff)).await;
    assert_eq!((status, page["count"].as_i64()), (StatusCode::OK, Some(22)), "{page}");
    let ids: Vec<i64> = page["results"].as_array().expect("results").iter().map(|a| a["id"].as_i64().expect("id")).collect();
    assert_eq!((ids.len(), ids[0], ids[1]), (20, party, talk), "the latest start first, 20 per page");
    assert_eq!(page["next"], "/activities/?page=2");
    assert!(page["results"][0].get("form").is_none(), "the list leaves the form out");
    assert_eq!(page["results"][0]["enrollment_open"], true);
    let (_, second) = app.get("/activities/?page=2", Some(&staff)).await;
    assert_eq!(second["results"].as_array().map(Vec::len), Some(2), "{second}");

    let (status, e) = app.post("/enrollments/", Some(&staff), json!({"activity": talk, "answers": {"name": "李"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let (_, mine) = app.get("/activities/?my=yes", Some(&staff)).await;
    assert_eq!((mine["count"].as_i64(), mine["results"][0]["id"].as_i64()), (Some(1), Some(talk)), "{mine}");
    let (_, none) = app.get("/activities/?my=yes", Some(&admin)).await;
    assert_eq!(none["count"].as_i64(), Some(0), "{none}");
    let (_, found) = app.get("/activities/?search=%E8%AE%B2%E5%BA%A7&my=no", Some(&staff)).await;
    assert_eq!((found["count"].as_i64(), found["results"][0]["id"].as_i64()), (Some(1), Some(talk)), "{found}");
    let (_, found) = app.get("/activities/?search=%E5%BE%80%E6%9C%9F", Some(&staff)).await;
    assert_eq!(found["count"].as_i64(), Some(20), "{found}");
    let (status, err) = app.get("/activities/?my=maybe", Some(&staff)).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    for path in [format!("/activities/{talk}"), format!("/activities/{talk}/")] {
        let (status, a) = app.get(&path, Some(&staff)).await;
        assert_eq!(status, StatusCode::OK, "{a}");
        assert_eq!((a["title"].as_str(), a["form"][0]["id"].as_str()), (Some("学术讲座"), Some("name")), "{a}");
        assert_eq!((a["my_enrollment"]["id"].clone(), a["enrolled"].as_i64()), (e["id"].clone(), Some(1)), "{a}");
    }
    let (_, other) = app.get(&format!("/activities/{party}"), Some(&staff)).await;
    assert!(other["my_enrollment"].is_null(), "{other}");
    for missing in ["/activities/999999", "/activities/abc", "/activities/999999/"] {
        let (status, _) = app.get(missing, Some(&staff)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}
