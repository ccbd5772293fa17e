//! Seed 004's people through the API: counselors, classes, students and groups, what a counselor
//! sees (only their classes, their students, their groups), the CSV import of students (dry run,
//! per-row errors, a bad row changes nothing), and empty groups that stay.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use support::school::{admin, class, counselor, student};
use support::{assert_error, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&app.pool).await.expect(sql)
}

async fn import(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/school/students/import?dryRun={dry_run}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv.to_owned()))
        .expect("request");
    app.raw(req).await
}

fn numbers(page: &Value) -> Vec<String> {
    page["results"].as_array().expect("results").iter().map(|s| s["studentNo"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn a_counselor_sees_only_their_classes_and_students() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let root = admin(&app).await;
    let (wang, wang_id) = counselor(&app, &root, "wang", "王老师").await;
    let (li, li_id) = counselor(&app, &root, "li", "李老师").await;
    let a = class(&app, &root, "计科2401", Some(wang_id)).await;
    let b = class(&app, &root, "计科2402", Some(li_id)).await;
    student(&app, &wang, "2024001", "张三", a, Some("13900000001")).await;
    student(&app, &wang, "2024002", "张四", a, None).await;
    let other = student(&app, &li, "2024101", "赵五", b, None).await;
    let other_id = other["id"].as_i64().expect("id");

    // Wang sees his class and its students only; the admin sees all.
    let (status, classes) = app.get("/school/classes", Some(&wang)).await;
    assert_eq!((status, classes["count"].as_i64()), (StatusCode::OK, Some(1)), "{classes}");
    assert_eq!(classes["results"][0]["name"], "计科2401");
    let (_, page) = app.get("/school/students", Some(&wang)).await;
    assert_eq!(numbers(&page), ["2024001", "2024002"], "{page}");
    let (_, page) = app.get("/school/students?pageSize=2", Some(&root)).await;
    assert_eq!((page["count"].as_i64(), numbers(&page).len()), (Some(3), 2), "{page}");
    // Search by a part of the name or number, filter by class.
    let (_, page) = app.get("/school/students?q=%E5%BC%A0%E5%9B%9B", Some(&root)).await;
    assert_eq!(numbers(&page), ["2024002"], "{page}");
    let (_, page) = app.get(&format!("/school/students?classId={b}"), Some(&root)).await;
    assert_eq!(numbers(&page), ["2024101"], "{page}");

    // Li's student is not there for Wang: 404 to read, change or delete; no student into Li's class.
    let path = format!("/school/students/{other_id}");
    let (status, err) = app.get(&path, Some(&wang)).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let body = json!({"studentNo": "2024101", "name": "改名", "classId": a});
    let (status, err) = app.send(Method::PATCH, &path, Some(&wang), Some(body)).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, err) = app.send(Method::DELETE, &path, Some(&wang), None).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, err) = app.post("/school/students", Some(&wang), json!({"studentNo": "2024999", "name": "越界", "classId": b})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["classId"].is_string(), "{err}");
    let (_, s) = app.get(&path, Some(&li)).await;
    assert_eq!(s["name"], "赵五", "{s}");
    // Counselors do not manage counselors or classes.
    let (status, _) = app.get("/school/counselors", Some(&wang)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad input names every bad field and writes nothing; a taken number is 409.
    let before = count(&app, "SELECT count(*) FROM students").await;
    let (status, err) = app.post("/school/students", Some(&root), json!({"studentNo": "20 24", "name": " ", "classId": a, "phone": "123"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["studentNo", "name", "phone"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    let (status, err) = app.post("/school/students", Some(&root), json!({"studentNo": "2024001", "name": "重号", "classId": a})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "student_no_taken");
    assert_eq!(count(&app, "SELECT count(*) FROM students").await, before);
    // A class with students stays.
    let (status, err) = app.send(Method::DELETE, &format!("/school/classes/{b}"), Some(&root), None).await;
    assert_error(status, &err, StatusCode::CONFLICT, "class_not_empty");
}

#[tokio::test]
async fn csv_import_checks_every_row_first_and_a_bad_row_changes_nothing() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let root = admin(&app).await;
    let (wang, wang_id) = counselor(&app, &root, "wang", "王老师").await;
    let (_, li_id) = counselor(&app, &root, "li", "李老师").await;
    class(&app, &root, "计科2401", Some(wang_id)).await;
    class(&app, &root, "计科2402", Some(li_id)).await;

    let good = "\u{feff}学号,姓名,班级,手机\r\n2024001,张三,计科2401,13900000001\r\n2024002,\"李,四\",计科2401,\r\n2024003,王五,计科2401,139 0000 0003\r\n";
    // A dry run counts and writes nothing.
    let (status, r) = import(&app, &wang, good, true).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r, json!({"dryRun": true, "rows": 3, "created": 3, "updated": 0}));
    assert_eq!(count(&app, "SELECT count(*) FROM students").await, 0);

    // One bad row: every problem named by line and field, nothing written, dry run or not.
    let bad = "学号,姓名,班级,手机\n2024001,张三,计科2401,13900000001\n2024002,李四,计科2401,12345\n2024003,王五,计科9999,\n2024001,重复,计科2401,\n";
    for dry_run in [true, false] {
        let (status, err) = import(&app, &wang, bad, dry_run).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let fields: Vec<&str> = err["fields"].as_object().expect("fields").keys().map(String::as_str).collect();
        assert_eq!(fields, ["line 3.phone", "line 4.class", "line 5.studentNo"], "{err}");
        assert_eq!(count(&app, "SELECT count(*) FROM students").await, 0, "a bad row changes nothing");
    }
    // A counselor cannot import into someone else's class.
    let (status, err) = import(&app, &wang, "学号,姓名,班级\n2024009,越界,计科2402\n", false).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["line 2.class"].is_string(), "{err}");
    // A file without the needed columns, or with a broken quote.
    let (status, err) = import(&app, &wang, "学号,名字\n1,2\n", false).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["line 1.header"].is_string(), "{err}");
    let (status, err) = import(&app, &wang, "学号,姓名,班级\n1,\"2,计科2401\n", false).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["line 2.file"].is_string(), "{err}");

    // The good file imports; again with a change updates by student number.
    let (status, r) = import(&app, &wang, good, false).await;
    assert_eq!((status, r["created"].as_i64()), (StatusCode::OK, Some(3)), "{r}");
    let (status, r) = import(&app, &wang, "studentNo,name,class,major\n2024002,李四,计科2401,软件工程\n2024004,新生,计科2401,\n", false).await;
    assert_eq!((status, r["created"].as_i64(), r["updated"].as_i64()), (StatusCode::OK, Some(1), Some(1)), "{r}");
    let row: (String, String, Option<String>) =
        sqlx::query_as("SELECT name, major, phone FROM students WHERE student_no = '2024002'").fetch_one(&app.pool).await.expect("row");
    assert_eq!(row, ("李四".into(), "软件工程".into(), None));
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM students WHERE student_no = '2024003'").fetch_one(&app.pool).await.expect("row");
    assert_eq!(phone.as_deref(), Some("13900000003"), "numbers are normalised");
    // Li's student cannot be overwritten by Wang's import.
    sqlx::query("INSERT INTO students (student_no, name, class_id) SELECT '2024100', '李的学生', id FROM school_classes WHERE name = '计科2402'")
        .execute(&app.pool)
        .await
        .expect("li's student");
    let (status, err) = import(&app, &wang, "学号,姓名,班级\n2024100,抢走,计科2401\n", false).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["line 2.studentNo"].is_string(), "{err}");
    assert_eq!(count(&app, "SELECT count(*) FROM students WHERE name = '李的学生'").await, 1);
}

#[tokio::test]
async fn groups_keep_their_members_roles_and_stay_when_empty() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let root = admin(&app).await;
    let (wang, wang_id) = counselor(&app, &root, "wang", "王老师").await;
    let (li, _) = counselor(&app, &root, "li", "李老师").await;
    let a = class(&app, &root, "计科2401", Some(wang_id)).await;
    let s1 = student(&app, &wang, "2024001", "张三", a, None).await["id"].as_i64().expect("id");
    let s2 = student(&app, &wang, "2024002", "李四", a, None).await["id"].as_i64().expect("id");

    let (status, g) = app.post("/school/groups", Some(&wang), json!({"name": "计科2401班委", "kind": "班干部"})).await;
    assert_eq!((status, g["counselorId"].as_i64()), (StatusCode::CREATED, Some(wang_id)), "{g}");
    let group = format!("/school/groups/{}", g["id"]);
    let (status, g) = app.send(Method::PUT, &format!("{group}/members/{s1}"), Some(&wang), Some(json!({"role": "班长"}))).await;
    assert_eq!((status, g["memberCount"].as_i64()), (StatusCode::OK, Some(1)), "{g}");
    let (_, g) = app.send(Method::PUT, &format!("{group}/members/{s2}"), Some(&wang), None).await;
    assert_eq!(g["members"].as_array().map(Vec::len), Some(2), "{g}");
    // Putting again changes the role, not the count.
    let (_, g) = app.send(Method::PUT, &format!("{group}/members/{s1}"), Some(&wang), Some(json!({"role": "团支书"}))).await;
    assert_eq!((g["memberCount"].as_i64(), g["members"][0]["role"].as_str()), (Some(2), Some("团支书")), "{g}");

    // Another counselor neither sees nor changes it.
    let (status, _) = app.get(&group, Some(&li)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.send(Method::PUT, &format!("{group}/members/{s1}"), Some(&li), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = app.get("/school/groups", Some(&li)).await;
    assert_eq!(page["count"], 0, "{page}");

    // The last members leave (one removed, one deleted as a student): the group stays, empty.
    let (status, g) = app.send(Method::DELETE, &format!("{group}/members/{s2}"), Some(&wang), None).await;
    assert_eq!((status, g["memberCount"].as_i64()), (StatusCode::OK, Some(1)), "{g}");
    let (status, _) = app.send(Method::DELETE, &format!("/school/students/{s1}"), Some(&wang), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, g) = app.get(&group, Some(&wang)).await;
    assert_eq!((status, g["memberCount"].as_i64()), (StatusCode::OK, Some(0)), "an empty group is kept: {g}");
    let (_, page) = app.get("/school/groups?q=%E7%8F%AD%E5%A7%94", Some(&root)).await;
    assert_eq!(page["count"], 1, "{page}");
    // Only a request deletes it.
    let (status, _) = app.send(Method::DELETE, &group, Some(&wang), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&group, Some(&root)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
