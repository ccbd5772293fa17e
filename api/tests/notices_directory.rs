//! Seed 004's teacher directory: admins keep teachers' cards (bad fields named, nothing written),
//! counselors appear from their own cards with their classes' majors as the department, and the
//! college's people (a student included) search both by a part of a Chinese name or department.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::school::{admin, counselor};
use support::{assert_error, TestApp};

fn names(page: &Value) -> Vec<String> {
    page["results"].as_array().expect("results").iter().map(|e| format!("{}:{}", e["kind"].as_str().unwrap_or(""), e["name"].as_str().unwrap_or(""))).collect()
}

#[tokio::test]
async fn teachers_and_counselors_are_found_by_name_or_department() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let root = admin(&app).await;
    let (_, wang_id) = counselor(&app, &root, "wang", "王老师").await;
    for (name, major) in [("计科2401", "计算机科学"), ("软工2401", "软件工程")] {
        let (status, c) = app.post("/school/classes", Some(&root), json!({"name": name, "major": major, "counselorId": wang_id})).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
    }

    // Bad fields are each named and nothing is written.
    let (status, err) = app.post("/school/teachers", Some(&root), json!({"name": " ", "phone": "call me", "email": "chen@", "title": "长".repeat(51)})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["name", "phone", "email", "title"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    let (_, page) = app.get("/school/directory?kind=teacher", Some(&root)).await;
    assert_eq!(page["count"], 0, "{page}");

    let (status, chen) = app
        .post("/school/teachers", Some(&root), json!({"name": " 陈老师 ", "department": "教务处", "title": "科长", "phone": "020-85280000", "email": "chen@school.edu", "office": "行政楼 305"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{chen}");
    assert_eq!(chen, json!({"kind": "teacher", "id": chen["id"], "name": "陈老师", "department": "教务处", "title": "科长", "phone": "020-85280000", "email": "chen@school.edu", "office": "行政楼 305"}));
    let (status, _) = app.post("/school/teachers", Some(&root), json!({"name": "王建国", "department": "计算机学院"})).await;
    assert_eq!(status, StatusCode::CREATED);

    // A student searches: by a part of a name, by department (a counselor's: their majors), by kind.
    let student = app.user_token("s2024001", &["student"]).await;
    let search = |q: &'static str| {
        let (app, student) = (&app, student.clone());
        async move {
            let (status, page) = app.get(&format!("/school/directory?{q}"), Some(&student)).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page
        }
    };
    assert_eq!(names(&search("q=%E7%8E%8B").await), ["teacher:王建国", "counselor:王老师"], "q=王 (by pinyin: wáng jiàn… before wáng lǎo…)");
    assert_eq!(names(&search("q=%E8%BD%AF%E4%BB%B6").await), ["counselor:王老师"], "q=软件 (a counselor's major)");
    assert_eq!(names(&search("department=%E6%95%99%E5%8A%A1").await), ["teacher:陈老师"], "department=教务");
    assert_eq!(names(&search("q=%E7%8E%8B&kind=teacher").await), ["teacher:王建国"]);
    let page = search("kind=counselor").await;
    assert_eq!(page["results"][0]["department"], "计算机科学、软件工程", "{page}");
    assert_eq!(page["results"][0]["title"], "辅导员");
    // `%` is a literal, not a wildcard; a bad kind is named.
    assert_eq!(search("q=%25").await["count"], 0);
    let (status, err) = app.get("/school/directory?kind=dean", Some(&student)).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // By name in pinyin order (陈 chén before 王 wáng, though U+9648 comes after U+738B).
    assert_eq!(names(&search("").await)[0], "teacher:陈老师");
    // Pages.
    let page = search("pageSize=2&page=2").await;
    assert_eq!((page["count"].as_i64(), page["results"].as_array().map(Vec::len)), (Some(3), Some(1)), "{page}");

    // Admins change and delete cards; students cannot.
    let id = chen["id"].as_i64().expect("id");
    let (status, _) = app.send(Method::PATCH, &format!("/school/teachers/{id}"), Some(&student), Some(json!({"name": "改"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, changed) = app.send(Method::PATCH, &format!("/school/teachers/{id}"), Some(&root), Some(json!({"name": "陈主任", "department": "教务处"}))).await;
    assert_eq!((status, &changed["name"], &changed["phone"]), (StatusCode::OK, &json!("陈主任"), &Value::Null), "{changed}");
    let (status, _) = app.send(Method::DELETE, &format!("/school/teachers/{id}"), Some(&root), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.send(Method::DELETE, &format!("/school/teachers/{id}"), Some(&root), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(search("department=%E6%95%99%E5%8A%A1").await["count"], 0);
}
