//! Seed 002's admin meeting rooms: create with labels, list by building in pages, change, archive
//! (never deleted) and bring back; bad input names its fields and changes nothing.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{assert_error, TestApp};
use yizhan_common::testing::database;

#[tokio::test]
async fn rooms_are_created_listed_changed_and_archived() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let room = json!({"name": "301", "location": "行政楼", "labels": ["多媒体", "大会议室"], "capacity": 40, "equipment": "投影仪"});
    let (status, created) = app.post("/admin/meetingrooms/", Some(&admin), room).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created, json!({"id": created["id"], "name": "301", "location": "行政楼", "labels": ["多媒体", "大会议室"], "capacity": 40, "equipment": "投影仪", "is_active": true}));
    let (status, _) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "102", "location": "图书馆", "capacity": 8})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "room_exists");

    let (_, page) = app.get("/admin/meetingrooms/", Some(&admin)).await;
    assert_eq!(page["count"], 2, "{page}");
    assert_eq!(page["results"][0]["location"], "图书馆", "by building, then name");
    let (_, one) = app.get("/admin/meetingrooms/?location=%E8%A1%8C%E6%94%BF%E6%A5%BC", Some(&admin)).await;
    assert_eq!(one["count"], 1, "{one}");

    let path = format!("/admin/meetingrooms/{}/", created["id"]);
    let (status, changed) = app.send(Method::PATCH, &path, Some(&admin), Some(json!({"capacity": 60, "labels": ["多媒体"]}))).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["capacity"].as_i64(), changed["labels"].clone(), changed["name"].as_str()), (Some(60), json!(["多媒体"]), Some("301")));

    assert_eq!(app.send(Method::DELETE, &path, Some(&admin), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/admin/meetingrooms/", Some(&admin)).await.1["count"], 1, "archived rooms are not offered");
    assert_eq!(app.get("/admin/meetingrooms/?archived=yes", Some(&admin)).await.1["count"], 2);
    assert_eq!(app.get(&path, Some(&admin)).await.1["is_active"], false, "archived, not deleted");
    let (_, back) = app.send(Method::PATCH, &path, Some(&admin), Some(json!({"is_active": true}))).await;
    assert_eq!(back["is_active"], true);
    assert_eq!(app.send(Method::DELETE, "/admin/meetingrooms/99999/", Some(&admin), None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_rooms_name_their_fields_and_only_admins_manage_rooms() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let (status, err) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "", "capacity": 0, "labels": [""]})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["name", "location", "capacity", "labels"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    let (_, room) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "A", "location": "B", "capacity": 5})).await;
    let (_, other) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "C", "location": "B", "capacity": 5})).await;
    let path = format!("/admin/meetingrooms/{}/", other["id"]);
    let (status, err) = app.send(Method::PATCH, &path, Some(&admin), Some(json!({"name": "a"}))).await;
    assert_error(status, &err, StatusCode::CONFLICT, "room_exists");
    let (status, err) = app.send(Method::PATCH, &path, Some(&admin), Some(json!({"capacity": 20000}))).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (_, unchanged) = app.get(&path, Some(&admin)).await;
    assert_eq!((unchanged["name"].as_str(), unchanged["capacity"].as_i64()), (Some("C"), Some(5)));
    let (status, err) = app.post("/admin/meetingrooms/", Some(&staff), json!({"name": "X", "location": "B", "capacity": 5})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.get(&format!("/admin/meetingrooms/{}/", room["id"]), Some(&staff)).await.0, StatusCode::FORBIDDEN);
}
