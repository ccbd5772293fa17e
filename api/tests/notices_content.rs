//! Seed 004's notice content: a vote (cast and changed by recipients until the deadline, then
//! 409; results per option for the author; `voted` in the statistics), attachments (the author's
//! uploads, names kept, limits, downloaded by recipients and the author only) and rich-text
//! bodies sanitized on save.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use support::callbacks::plain_codec;
use support::school::{admin, bound_student, class, counselor};
use support::visitors::Visits;
use support::{assert_error, TestApp};
use tower::ServiceExt;

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
    })
    .await
}

/// A raw request: status, headers, body bytes.
async fn call(app: &TestApp, method: Method, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    let res = app.router.clone().oneshot(req).await.expect("response");
    let (parts, body) = res.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

/// Uploads a PDF through `POST /api/files` → its id.
async fn upload_pdf(app: &TestApp, token: &str, text: &str) -> String {
    let pdf = format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes();
    let (status, _, body) = call(app, Method::POST, "/api/files", token, "application/pdf", pdf).await;
    let file: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(status, StatusCode::CREATED, "{file}");
    file["id"].as_str().expect("id").to_owned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&app.pool).await.expect("count")
}

/// Two counselors with a class each, a category, a bound student in each class.
struct School {
    v: Visits,
    root: String,
    wang: String,
    li: String,
    /// 王老师's class (张三's), 李老师's holds 钱七.
    a: i64,
    cat: Value,
    zhang: String,
    qian: String,
}

async fn school(category: &str) -> School {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let (li, li_id) = counselor(app, &root, "li", "李老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let b = class(app, &root, "计科2402", Some(li_id)).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": category})).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (qian, _, _) = bound_student(&v, &li, "2024101", "钱七", b).await;
    School { v, root, wang, li, a, cat, zhang, qian }
}

fn in_a_day() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339()
}

#[tokio::test]
async fn votes_are_cast_changed_until_the_deadline_and_counted_for_the_author() {
    let School { v, wang, li, a, cat, zhang, qian, .. } = school("教务").await;
    let app = &v.app;
    let (lisi, _, _) = bound_student(&v, &wang, "2024002", "李四", a).await;
    let notice = |vote: Value| json!({"title": "补课时间", "body": "选择补课时间", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}, "vote": vote});

    // A bad vote names each field and sends nothing.
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let (status, err) = app.post("/school/notices", Some(&wang), notice(json!({"options": ["周三", ""], "maxChoices": 3, "deadline": past}))).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["vote.options[1]", "vote.maxChoices", "vote.deadline"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    let (status, err) = app.post("/school/notices", Some(&wang), notice(json!({"options": ["周三"], "deadline": in_a_day()}))).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["vote.options"].is_string(), "{err}");
    let too_many: Vec<String> = (0..21).map(|i| format!("选项{i}")).collect();
    let (status, err) = app.post("/school/notices", Some(&wang), notice(json!({"options": too_many, "deadline": in_a_day()}))).await;
    assert!(assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["fields"]["vote.options"].is_string());
    assert_eq!(count(app, "SELECT count(*) FROM notices").await, 0);

    // Multiple choice, at most two of three.
    let (status, n) = app.post("/school/notices", Some(&wang), notice(json!({"options": ["周三下午", "周四下午", "周五上午"], "maxChoices": 2, "deadline": in_a_day()}))).await;
    assert_eq!((status, n["hasVote"].as_bool()), (StatusCode::CREATED, Some(true)), "{n}");
    let id = n["id"].as_i64().expect("id");
    let (status, page) = app.get(&format!("/school/notices/{id}/page"), Some(&zhang)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["vote"]["maxChoices"].as_i64(), page["vote"]["closed"].as_bool(), page["vote"]["myChoices"].clone()), (Some(2), Some(false), json!([])), "{page}");
    assert_eq!(page["vote"]["options"], json!(["周三下午", "周四下午", "周五上午"]));

    let vote = |token: &str, choices: Value| {
        let path = format!("/school/notices/{id}/vote");
        let token = token.to_owned();
        async move { app.send(Method::PUT, &path, Some(&token), Some(json!({"choices": choices}))).await }
    };
    for bad in [json!([]), json!([3]), json!([-1]), json!([0, 1, 2]), json!([1, 1]), json!([70000])] {
        let (status, err) = vote(&zhang, bad.clone()).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"]["choices"].is_string(), "{bad}: {err}");
    }
    let (status, cast) = vote(&zhang, json!([2, 0])).await;
    assert_eq!((status, cast["myChoices"].clone()), (StatusCode::OK, json!([0, 2])), "{cast}");
    let (status, cast) = vote(&zhang, json!([1])).await;
    assert_eq!((status, cast["myChoices"].clone()), (StatusCode::OK, json!([1])), "a new ballot replaces the earlier: {cast}");
    let (status, _) = vote(&lisi, json!([1, 2])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = vote(&qian, json!([0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a recipient");

    let (status, r) = app.get(&format!("/school/notices/{id}/vote-results"), Some(&wang)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["options"], json!([{"label": "周三下午", "votes": 0}, {"label": "周四下午", "votes": 2}, {"label": "周五上午", "votes": 1}]), "{r}");
    assert_eq!((r["voted"].as_i64(), r["recipients"].as_i64()), (Some(2), Some(2)), "{r}");
    let (status, _) = app.get(&format!("/school/notices/{id}/vote-results"), Some(&li)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another counselor's notice");
    let (_, s) = app.get(&format!("/school/notices/{id}/stats"), Some(&wang)).await;
    assert_eq!(s["voted"].as_i64(), Some(2), "{s}");

    // After the deadline a ballot is refused and the earlier one stays.
    sqlx::query("UPDATE notice_votes SET deadline = now() - interval '1 second' WHERE notice_id = $1").bind(id).execute(&app.pool).await.expect("close");
    let (status, err) = vote(&zhang, json!([0])).await;
    assert_error(status, &err, StatusCode::CONFLICT, "vote_closed");
    let (_, page) = app.get(&format!("/school/notices/{id}/page"), Some(&zhang)).await;
    assert_eq!((page["vote"]["closed"].as_bool(), page["vote"]["myChoices"].clone()), (Some(true), json!([1])), "{page}");

    // Single choice by default; a notice without a vote has none.
    let (_, single) = app.post("/school/notices", Some(&wang), notice(json!({"options": ["是", "否"], "deadline": in_a_day()}))).await;
    let path = format!("/school/notices/{}/vote", single["id"]);
    let (status, err) = app.send(Method::PUT, &path, Some(&zhang), Some(json!({"choices": [0, 1]}))).await;
    assert!(assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["fields"]["choices"].is_string());
    let (_, plain) = app.post("/school/notices", Some(&wang), json!({"title": "无投票", "body": "x", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}})).await;
    assert_eq!(plain["hasVote"].as_bool(), Some(false));
    let (status, _) = app.send(Method::PUT, &format!("/school/notices/{}/vote", plain["id"]), Some(&zhang), Some(json!({"choices": [0]}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = app.get(&format!("/school/notices/{}/page", plain["id"]), Some(&zhang)).await;
    assert!(page["vote"].is_null(), "{page}");
}

#[tokio::test]
async fn attachments_are_kept_with_their_names_and_served_to_recipients_and_the_author_only() {
    let School { v, root, wang, li, a, cat, zhang, qian } = school("奖助学金").await;
    let app = &v.app;
    let form = upload_pdf(app, &wang, "申请表").await;
    let rules = upload_pdf(app, &wang, "评定办法").await;
    let lis = upload_pdf(app, &li, "李老师的").await;
    let notice = |files: Value| json!({"title": "奖学金", "body": "见附件", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}, "attachments": files});

    // Someone else's upload, an unknown id, the same file twice, a long name, too many files: 422, nothing sent.
    let files = json!([{"fileId": form}, {"fileId": lis}, {"fileId": "0".repeat(32)}, {"fileId": form}, {"fileId": rules, "name": "长".repeat(101)}]);
    let (status, err) = app.post("/school/notices", Some(&wang), notice(files)).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["attachments[1].fileId", "attachments[2].fileId", "attachments[3].fileId", "attachments[4].name"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    assert!(err["fields"]["attachments[0].fileId"].is_null(), "{err}");
    let eleven: Vec<Value> = (0..11).map(|_| json!({"fileId": form})).collect();
    let (status, err) = app.post("/school/notices", Some(&wang), notice(json!(eleven))).await;
    assert!(assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["fields"]["attachments"].is_string());
    assert_eq!(count(app, "SELECT count(*) FROM notices").await + count(app, "SELECT count(*) FROM notice_attachments").await, 0);

    // Names kept (folders dropped, the real type's extension added), in the order given.
    let (status, n) = app.post("/school/notices", Some(&wang), notice(json!([{"fileId": rules, "name": "../评定办法.pdf"}, {"fileId": form, "name": "申请表.exe"}]))).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let id = n["id"].as_i64().expect("id");
    let names: Vec<&str> = n["attachments"].as_array().expect("attachments").iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, ["评定办法.pdf", "申请表.exe.pdf"], "{n}");
    let (_, page) = app.get(&format!("/school/notices/{id}/page"), Some(&zhang)).await;
    assert_eq!(page["attachments"], n["attachments"], "{page}");
    let url = page["attachments"][1]["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("/school/notices/{id}/attachments/{form}"));

    // Its recipient, its author and admins download it; another class's student and counselor do not.
    for (who, want) in [(&zhang, StatusCode::OK), (&wang, StatusCode::OK), (&root, StatusCode::OK), (&qian, StatusCode::NOT_FOUND), (&li, StatusCode::NOT_FOUND)] {
        let (status, headers, body) = call(app, Method::GET, &url, who, "text/plain", Vec::new()).await;
        assert_eq!(status, want, "{}", String::from_utf8_lossy(&body));
        if want == StatusCode::OK {
            assert!(body.starts_with(b"%PDF-1.4\n% \xe7\x94\xb3"), "the file itself");
            let disposition = headers[header::CONTENT_DISPOSITION].to_str().expect("ascii");
            assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.exe.pdf"), "{disposition}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
        }
    }
    // A file not attached to this notice is not served through it.
    let (status, _, _) = call(app, Method::GET, &format!("/school/notices/{id}/attachments/{lis}"), &root, "text/plain", Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rich_text_bodies_are_sanitized_on_save() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let body = concat!(
        r#"<h3 onclick="x()">考试安排</h3><p style="color:red">请<strong>按时</strong>到场，<a href="javascript:alert(1)">坏链接</a>"#,
        r#"<a href="https://jw.school.test/exam">考场</a></p><script>steal(document.cookie)</script><img src=x onerror=alert(1)>"#,
        r#"<img src="https://jw.school.test/map.png"><iframe src="https://evil.test"></iframe><ul><li>带笔</li></ul>"#
    );
    let (status, n) = app.post("/school/notices", Some(&wang), json!({"title": "考试", "body": body, "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}})).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let want = concat!(
        r#"<h3>考试安排</h3><p>请<strong>按时</strong>到场，<a rel="noopener noreferrer nofollow">坏链接</a>"#,
        r#"<a href="https://jw.school.test/exam" rel="noopener noreferrer nofollow">考场</a></p><img>"#,
        r#"<img src="https://jw.school.test/map.png"><ul><li>带笔</li></ul>"#
    );
    assert_eq!(n["body"], want);
    let stored: String = sqlx::query_scalar("SELECT body FROM notices WHERE id = $1").bind(n["id"].as_i64()).fetch_one(&app.pool).await.expect("body");
    assert_eq!(stored, want, "sanitized before it is stored");
    let (_, page) = app.get(&format!("/school/notices/{}/page", n["id"]), Some(&zhang)).await;
    assert_eq!(page["body"], want);
    // Plain text stays text.
    let (_, n) = app.post("/school/notices", Some(&wang), json!({"title": "t", "body": "成绩 < 60 & 缺考者补考", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}})).await;
    assert_eq!(n["body"], "成绩 &lt; 60 &amp; 缺考者补考");
}
