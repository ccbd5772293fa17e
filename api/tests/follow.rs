//! Seed 000's admin side: the QR-code list shape, followers per department, keyword rules.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{assert_error, TestApp};
use yizhan_common::follow::followers::{self, Source};
use yizhan_common::follow::{keywords, topics};
use yizhan_common::jobs::kinds::CreateDepartmentQrCode;
use yizhan_common::jobs::Job;

#[tokio::test]
async fn qrcode_list_keeps_the_seed_shape() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (_, d) = app.post("/admin/departments", Some(&admin), json!({"name": "309脊柱"})).await;
    let id = d["id"].as_i64().expect("id");
    sqlx::query("INSERT INTO department_qrcodes (department_id, scene_id, status, image_url) VALUES ($1, $1, 'ready', 'https://img/q.jpg')")
        .bind(id)
        .execute(&pool)
        .await
        .expect("code");
    let (status, v) = app.get("/api/admin/nurses/msg/wx/qrcode-list", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"], json!({"success": true}));
    assert_eq!(v["department"], json!([{"id": id, "name": "309脊柱", "qrcodeUrl": "https://img/q.jpg"}]));
    assert_eq!(v["count"], 1);

    let (status, v) = app.send(Method::PATCH, &format!("/admin/departments/{id}"), Some(&admin), Some(json!({"welcomeText": "欢迎来到{name}", "pageUrl": "https://h.example/d"}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["welcomeText"], "欢迎来到{name}");
    let (status, err) = app.send(Method::PATCH, "/admin/departments/99999", Some(&admin), Some(json!({"name": "x"}))).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn followers_are_listed_per_department_and_rebound_by_a_scan() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (_, a) = app.post("/admin/departments", Some(&admin), json!({"name": "骨科"})).await;
    let (_, b) = app.post("/admin/departments", Some(&admin), json!({"name": "眼科"})).await;
    let (a, b) = (a["id"].as_i64().expect("id"), b["id"].as_i64().expect("id"));
    let mut conn = pool.acquire().await.expect("conn");
    followers::bind(&mut conn, "wxmp", "oFollower1", Some(a), Source::QrCode).await.expect("bind");
    followers::bind(&mut conn, "wxmp", "oFollower1", Some(a), Source::QrCode).await.expect("twice is once");
    followers::bind(&mut conn, "wxmp", "oFollower2", Some(a), Source::QrCode).await.expect("bind");
    followers::bind(&mut conn, "wxmp", "oFollower2", Some(b), Source::Scan).await.expect("rebind");
    followers::unfollow(&mut conn, "wxmp", "oFollower1").await.expect("gone");

    let (status, v) = app.get(&format!("/api/admin/nurses/msg/wx/departments/{a}/followers"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 1);
    assert_eq!(v["results"][0]["openid"], "oFollower1");
    assert_eq!(v["results"][0]["status"], "gone");
    let (_, v) = app.get(&format!("/api/admin/nurses/msg/wx/departments/{b}/followers"), Some(&admin)).await;
    assert_eq!((v["count"].clone(), v["results"][0]["source"].clone()), (json!(1), json!("scan")));
    let (status, err) = app.get("/api/admin/nurses/msg/wx/departments/424242/followers", Some(&admin)).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn keyword_rules_are_managed_and_matched() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (status, v) = app.post("/api/admin/nurses/msg/wx/keywords", Some(&admin), json!({"pattern": "挂号", "replyText": "请在小程序挂号"})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().expect("id");
    let (status, err) = app.post("/api/admin/nurses/msg/wx/keywords", Some(&admin), json!({"pattern": "", "matchKind": "fuzzy", "replyText": "x"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["pattern"].is_string() && err["fields"]["matchKind"].is_string());
    let mut conn = pool.acquire().await.expect("conn");
    let reply = keywords::find_reply(&mut conn, "我要挂号").await.expect("match").expect("a rule");
    assert_eq!(reply.reply_text, "请在小程序挂号");
    let (_, list) = app.get("/api/admin/nurses/msg/wx/keywords", Some(&admin)).await;
    assert_eq!(list["count"], 1);
    let (status, _) = app.send(Method::DELETE, &format!("/api/admin/nurses/msg/wx/keywords/{id}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(keywords::find_reply(&mut conn, "我要挂号").await.expect("match").is_none());
}

#[tokio::test]
async fn counselors_run_the_robot_regex_and_news_rules_are_checked_and_topics_are_moderated() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let counselor = app.user_token("teacher", &["counselor"]).await;
    let student = app.user_token("student1", &["student"]).await;
    const RULES: &str = "/api/admin/nurses/msg/wx/keywords";

    // A regex that does not compile, one too large, bad articles: 422 per field, nothing written.
    for (body, field) in [
        (json!({"pattern": "(奖学金", "matchKind": "regex", "replyText": "x"}), "pattern"),
        (json!({"pattern": "a{1000}{1000}", "matchKind": "regex", "replyText": "x"}), "pattern"),
        (json!({"pattern": "x", "replyText": "x", "replyArticles": []}), "replyArticles"),
        (json!({"pattern": "x", "replyText": "x", "replyArticles": [{"title": "t", "url": "javascript:alert(1)"}]}), "replyArticles[0].url"),
        (json!({"pattern": "x", "replyText": "x", "replyArticles": [{"title": "", "url": "https://e.org"}]}), "replyArticles[0].title"),
    ] {
        let (status, err) = app.post(RULES, Some(&counselor), body.clone()).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{body} → {err}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM keyword_rules").fetch_one(&pool).await.expect("count");
    assert_eq!(n, 0);

    let article = json!({"title": "奖学金评定通知", "description": "2026 年度", "picUrl": "https://e.org/c.jpg", "url": "https://e.org/n/1"});
    let (status, v) = app
        .post(RULES, Some(&counselor), json!({"pattern": "^(奖|助)学金", "matchKind": "regex", "replyText": "见通知", "replyArticles": [article], "priority": 5}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, _) = app.post(RULES, Some(&counselor), json!({"pattern": "*", "matchKind": "fallback", "replyText": "没听懂，回复“帮助”看看我能做什么"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) = app.post(RULES, Some(&student), json!({"pattern": "x", "replyText": "x"})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (_, list) = app.get(RULES, Some(&counselor)).await;
    assert_eq!(list["results"][0]["replyArticles"], json!([article]), "{list}");
    assert!(list["results"][1].get("replyArticles").is_none(), "seed 000's shape for a text rule: {list}");
    let mut conn = pool.acquire().await.expect("conn");
    let hit = keywords::find_reply(&mut conn, "助学金怎么申请").await.expect("match").expect("a rule");
    assert_eq!(hit.match_kind, "regex");
    let fallback = keywords::find_reply(&mut conn, "你好").await.expect("match").expect("the fallback");
    assert_eq!(fallback.match_kind, "fallback");

    // The topic board: anyone signed in reads; counselors hide; students cannot.
    for (msg_id, topic, content) in [(1_i64, "食堂", "二楼的面很好吃"), (2, "食堂", "三楼在装修"), (3, "考研", "图书馆几点开门")] {
        let posted = topics::post(&mut conn, "gh_school", "oStudent1", msg_id, topic, content).await.expect("post");
        assert_eq!(posted, topics::Posted::Yes);
    }
    let (status, v) = app.get("/school/topics", Some(&student)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["count"].clone(), v["results"][0]["topic"].clone()), (json!(2), json!("考研")), "latest activity first: {v}");
    let (_, v) = app.get(&format!("/school/topics/{}/posts", urlencoding("食堂")), Some(&student)).await;
    assert_eq!(v["count"], 2, "{v}");
    assert_eq!(v["results"][0]["content"], "三楼在装修", "newest first");
    assert!(v["results"][0]["createdAt"].as_str().is_some_and(|t| t.ends_with("+08:00")), "service time zone: {v}");
    assert!(v["results"][0].get("openid").is_none(), "authors are not shown");
    let post = v["results"][0]["id"].as_i64().expect("id");
    let (status, err) = app.send(Method::DELETE, &format!("/school/topic-posts/{post}"), Some(&student), None).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (status, _) = app.send(Method::DELETE, &format!("/school/topic-posts/{post}"), Some(&counselor), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v) = app.get(&format!("/school/topics/{}/posts", urlencoding("食堂")), Some(&student)).await;
    assert_eq!((v["count"].clone(), v["results"][0]["content"].clone()), (json!(1), json!("二楼的面很好吃")), "{v}");
    let (status, err) = app.send(Method::DELETE, "/school/topic-posts/999999", Some(&counselor), None).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, err) = app.get(&format!("/school/topics/{}/posts", urlencoding(&"话".repeat(21))), Some(&student)).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_code_left_pending_by_a_dead_job_is_claimed_again() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let mut ids = Vec::new();
    for name in ["骨科", "眼科"] {
        let (_, d) = app.post("/admin/departments", Some(&admin), json!({"name": name})).await;
        ids.push(d["id"].as_i64().expect("id"));
    }
    let (stuck, recent) = (ids[0], ids[1]);
    // Both pending with no job running: one for an hour (its job died), one just claimed.
    for (id, age) in [(stuck, 3600), (recent, 5)] {
        sqlx::query("INSERT INTO department_qrcodes (department_id, scene_id, updated_at) VALUES ($1, $1, now() - make_interval(secs => $2))")
            .bind(id)
            .bind(f64::from(age))
            .execute(&pool)
            .await
            .expect("code");
    }
    let jobs = |id: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM outbox WHERE kind = $2 AND (payload->>'departmentId')::BIGINT = $1")
                .bind(id)
                .bind(CreateDepartmentQrCode::KIND)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    let (status, v) = app.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": stuck})).await;
    assert_eq!((status, v["status"].as_str()), (StatusCode::ACCEPTED, Some("pending")), "{v}");
    assert_eq!(jobs(stuck).await, 1, "a new creation job for the stuck code");
    let (status, _) = app.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": stuck})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(jobs(stuck).await, 1, "re-claimed once: the new claim is fresh");
    let (status, _) = app.post("/api/admin/nurses/msg/wx/qrcode", Some(&admin), json!({"departmentId": recent})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(jobs(recent).await, 0, "a code pending for seconds keeps its job");
}

#[tokio::test]
async fn qrcode_list_is_the_whole_flow_unless_a_page_is_asked() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let mut flow = Vec::new();
    for i in 0..25 {
        let (_, d) = app.post("/admin/departments", Some(&admin), json!({"name": format!("科室{i}")})).await;
        let id = d["id"].as_i64().expect("id");
        // Every fifth department never had a code asked for: it is not in the Official Account's flow.
        if i % 5 == 4 {
            continue;
        }
        let status = if i == 0 { "pending" } else { "ready" };
        sqlx::query("INSERT INTO department_qrcodes (department_id, scene_id, status, image_url) VALUES ($1, $1, $2, 'https://img/q.jpg')")
            .bind(id)
            .bind(status)
            .execute(&pool)
            .await
            .expect("code");
        flow.push(id);
    }
    let (status, v) = app.get("/api/admin/nurses/msg/wx/qrcode-list", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let listed: Vec<i64> = v["department"].as_array().expect("list").iter().map(|d| d["id"].as_i64().expect("id")).collect();
    assert_eq!(listed, flow);
    assert_eq!(v["department"][0]["qrcodeUrl"], json!(null), "a pending code is listed without a URL");
    assert_eq!(v["department"][1]["qrcodeUrl"], "https://img/q.jpg");
    assert_eq!((v["count"].clone(), v.get("page"), v.get("pageSize")), (json!(20), None, None));

    let (_, v) = app.get("/api/admin/nurses/msg/wx/qrcode-list?page=2&pageSize=15", Some(&admin)).await;
    let listed: Vec<i64> = v["department"].as_array().expect("list").iter().map(|d| d["id"].as_i64().expect("id")).collect();
    assert_eq!(listed, flow[15..]);
    assert_eq!((v["count"].clone(), v["page"].clone(), v["pageSize"].clone()), (json!(20), json!(2), json!(15)));
}
