//! The console's seed 004 notices (admins every notice, a counselor their own): the list, one
//! notice's statistics with the vote's results and the non-readers, "remind the non-readers"
//! (CSRF, once a day) and the recipients' CSV; another counselor sees none of it.

mod console_client;
mod support;

use axum::http::{header, Method, StatusCode};
use console_client::Browser;
use serde_json::json;
use support::callbacks::plain_codec;
use support::school::{admin, bound_student, class, counselor};
use support::visitors::Visits;

#[tokio::test]
async fn a_counselor_reads_a_notices_statistics_and_reminds_its_non_readers() {
    let v = Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
    })
    .await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let (_, _) = counselor(app, &root, "li", "李老师").await;
    app.user_token("clerk", &["staff"]).await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (_, _, _) = bound_student(&v, &wang, "2024002", "李四", a).await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let (status, n) = app.post("/school/notices", Some(&wang), json!({"title": "补课安排", "body": "<p>周六补课</p>", "categoryId": cat["id"], "urgency": "urgent",
        "audience": {"kind": "classes", "classIds": [a]}, "vote": {"options": ["上午", "下午"], "deadline": deadline}})).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let id = n["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    app.get(&format!("/school/notices/{id}/page"), Some(&zhang)).await;
    app.send(Method::PUT, &format!("/school/notices/{id}/vote"), Some(&zhang), Some(json!({"choices": [1]}))).await;

    let mut b = Browser::signed_in(app, "wang", "password-123").await;
    let list = b.get("/admin/console/notices").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.has(&format!(r#"<a href="/admin/console/notices/{id}">补课安排</a>"#)) && list.has("紧急") && list.has("学生通知"), "{}", list.body);
    let page = b.get(&format!("/admin/console/notices/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has(r#"<td id="recipients">2</td>"#) && page.has(r#"<td id="delivered">2</td>"#) && page.has(r#"<td id="read">1</td>"#), "{}", page.body);
    assert!(page.has("<tr><td>上午</td><td>0</td></tr><tr><td>下午</td><td>1</td></tr>") && page.has("1 人已投"), "{}", page.body);
    assert!(page.has("<td data-label=\"姓名\">李四</td>") && !page.has("<td data-label=\"姓名\">张三</td>"), "only the non-reader: {}", page.body);
    assert!(page.has("<p>周六补课</p>"), "the sanitized body: {}", page.body);

    let forged = b.post(&format!("/admin/console/notices/{id}/remind"), &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let reminders = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notice_reminders").fetch_one(&app.pool).await.expect("count") };
    assert_eq!(reminders().await, 0, "a forged form reminds nobody");
    let csrf = page.csrf();
    let done = b.post(&format!("/admin/console/notices/{id}/remind"), &[("csrf", &csrf)]).await;
    assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, format!("/admin/console/notices/{id}").as_str()));
    assert!(b.get(&format!("/admin/console/notices/{id}")).await.has("已提醒 1 位未读的学生。"));
    b.post(&format!("/admin/console/notices/{id}/remind"), &[("csrf", &csrf)]).await;
    assert!(b.get(&format!("/admin/console/notices/{id}")).await.has("今天已经提醒过"));
    assert_eq!(reminders().await, 1);
    let csv = b.get(&format!("/admin/console/notices/{id}/recipients.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().expect("type").starts_with("text/csv") && csv.body.contains("学号") && csv.body.contains("2024002"), "{}", csv.body);

    // Another counselor sees neither the notice nor its page; staff without the role get 403.
    let mut li = Browser::signed_in(app, "li", "password-123").await;
    assert!(li.get("/admin/console/notices").await.has("还没有发送过通知"));
    assert_eq!(li.get(&format!("/admin/console/notices/{id}")).await.status, StatusCode::NOT_FOUND);
    let li_csrf = li.session_csrf().await;
    assert_eq!(li.post(&format!("/admin/console/notices/{id}/remind"), &[("csrf", &li_csrf)]).await.status, StatusCode::NOT_FOUND);
    let mut clerk = Browser::signed_in(app, "clerk", "password-123").await;
    assert_eq!(clerk.get("/admin/console/notices").await.status, StatusCode::FORBIDDEN);
    // An admin sees it too.
    let mut root_b = Browser::signed_in(app, "root", "root-password").await;
    assert!(root_b.get(&format!("/admin/console/notices/{id}")).await.has("补课安排"));
}

#[tokio::test]
async fn an_admin_edits_and_publishes_the_custom_menu() {
    let app = support::TestApp::new(yizhan_common::testing::database().await);
    app.user_token("root", &[]).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let page = b.get("/admin/console/menu").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("还没有保存过菜单") && page.has("公众号菜单"), "{}", page.body);
    let csrf = page.csrf();
    let menus = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM mp_menu").fetch_one(&app.pool).await.expect("count") };

    // Not JSON; JSON that breaks WeChat's rules (four buttons, a view without a URL): the editor
    // again with the reasons, nothing saved.
    let bad = b.post("/admin/console/menu", &[("csrf", &csrf), ("menu", "{buttons")]).await;
    assert!(bad.status == StatusCode::UNPROCESSABLE_ENTITY && bad.has("不是有效的菜单 JSON") && bad.has("{buttons"), "{}", bad.body);
    let four = r#"{"buttons": [{"name": "一", "type": "click", "key": "A"}, {"name": "二", "type": "click", "key": "B"}, {"name": "三", "type": "click", "key": "C"}, {"name": "四", "type": "view"}]}"#;
    let bad = b.post("/admin/console/menu", &[("csrf", &csrf), ("menu", four)]).await;
    assert!(bad.status == StatusCode::UNPROCESSABLE_ENTITY && bad.has(r#"id="menu-errors""#) && bad.has("buttons"), "{}", bad.body);
    assert_eq!(menus().await, 0);
    let forged = b.post("/admin/console/menu", &[("csrf", "forged"), ("menu", r#"{"buttons": [{"name": "绑定", "type": "click", "key": "BIND"}]}"#)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(menus().await, 0);

    let good = r#"{"buttons": [{"name": "绑定", "type": "click", "key": "BIND", "reply": "点链接绑定"}, {"name": "通知", "subButtons": [{"name": "设置", "type": "view", "url": "https://h5.school.test/h5/school/settings"}]}]}"#;
    let saved = b.post("/admin/console/menu", &[("csrf", &csrf), ("menu", good)]).await;
    assert_eq!((saved.status, saved.location()), (StatusCode::SEE_OTHER, "/admin/console/menu"));
    let page = b.get("/admin/console/menu").await;
    assert!(page.has("菜单已保存") && page.has("第 1 版，草稿（未发布）") && page.has("https://h5.school.test/h5/school/settings"), "{}", page.body);
    let published = b.post("/admin/console/menu/publish", &[("csrf", &csrf)]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    assert!(b.get("/admin/console/menu").await.has("已提交发布"));
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE kind = 'publish_menu'").fetch_one(&app.pool).await.expect("jobs");
    assert_eq!(jobs, 1, "publishing goes through the JSON route's job");
    // Counselors do not edit the menu.
    app.user_token("wang", &["counselor"]).await;
    let mut wang = Browser::signed_in(&app, "wang", "password-123").await;
    assert_eq!(wang.get("/admin/console/menu").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_counselor_composes_and_sends_a_notice_from_the_console() {
    let v = Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
    })
    .await;
    let app = &v.app;
    let s = support::school::two_classes(app).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&s.root), json!({"name": "教务"})).await;
    let cat = cat["id"].to_string();
    bound_student(&v, &s.wang, "2024001", "张三", s.a).await;
    bound_student(&v, &s.wang, "2024002", "李四", s.a).await;
    support::school::student(app, &s.li, "2024900", "李同学", s.b, None).await;
    let notices = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notices").fetch_one(&app.pool).await.expect("count") };
    let outbox = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM outbox WHERE kind IN ('send_template_message', 'send_custom_message')").fetch_one(&app.pool).await.expect("count") };

    let mut b = Browser::signed_in(app, "wang", "password-123").await;
    let page = b.get("/admin/console/notices/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("计科2401") && !page.has("计科2402") && page.has("教务"), "{}", page.body);
    let csrf = page.csrf();
    let (a, other) = (s.a.to_string(), s.b.to_string());

    // No title, another counselor's class, a vote without a deadline: every message under its
    // part, the form kept, nothing written or sent.
    let bad = b.post("/admin/console/notices/new", &[("csrf", &csrf), ("title", ""), ("body", "<p>周六补课</p>"), ("categoryId", &cat), ("urgency", "urgent"),
        ("audience", "classes"), ("classIds", &other), ("voteOptions", "上午\n下午"), ("maxChoices", "1"), ("voteDeadline", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.has(r#"data-field="vote""#) && bad.has("截止时间：须为日期时间"), "the form's own check first: {}", bad.body);
    let deadline = yizhan_common::time::local(chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M").to_string();
    let bad = b.post("/admin/console/notices/new", &[("csrf", &csrf), ("title", ""), ("body", "<p>周六补课</p>"), ("categoryId", &cat), ("urgency", "urgent"),
        ("audience", "classes"), ("classIds", &other), ("voteOptions", "上午\n上午"), ("maxChoices", "1"), ("voteDeadline", &deadline)]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.has(r#"data-field="title""#) && bad.has(r#"data-field="audience""#) && bad.has("至少选择一个，且须是你负责的"), "{}", bad.body);
    assert!(bad.has("第 2 个选项：与前面的选项重复") && bad.has("&#60;p&#62;周六补课&#60;/p&#62;"), "{}", bad.body);
    let unknown = b.post("/admin/console/notices/new", &[("csrf", &csrf), ("title", "谈话"), ("body", "请来办公室"), ("categoryId", &cat), ("urgency", "normal"),
        ("audience", "students"), ("studentNos", "2024001, 2024900")]).await;
    assert!(unknown.status == StatusCode::UNPROCESSABLE_ENTITY && unknown.has("你负责的学生中没有这些学号：2024900"), "{}", unknown.body);
    let news = b.post("/admin/console/notices/new", &[("csrf", &csrf), ("title", "谈话"), ("body", "请来办公室"), ("categoryId", &cat), ("urgency", "normal"),
        ("audience", "classes"), ("classIds", &a), ("massFormat", "news")]).await;
    assert!(news.status == StatusCode::UNPROCESSABLE_ENTITY && news.has(r#"data-field="mass.coverFileId""#), "news needs a cover, none configured: {}", news.body);
    assert_eq!((notices().await, outbox().await), (0, 0), "nothing half-written");

    let sent = b.post("/admin/console/notices/new", &[("csrf", &csrf), ("title", "补课安排"), ("body", "<p>周六补课</p><script>x</script>"), ("categoryId", &cat), ("urgency", "urgent"),
        ("requireConfirm", "1"), ("audience", "classes"), ("classIds", &a), ("voteOptions", "上午\n下午"), ("maxChoices", "1"), ("voteDeadline", &deadline)]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let shown = b.get(sent.location()).await;
    assert!(shown.has("通知已发送，共 2 位收件人") && shown.has("补课安排") && shown.has("上午"), "{}", shown.body);
    let (body, confirm, has_vote): (String, bool, bool) = sqlx::query_as("SELECT body, require_confirm, EXISTS (SELECT 1 FROM notice_votes v WHERE v.notice_id = n.id) FROM notices n")
        .fetch_one(&app.pool).await.expect("notice");
    assert!(body == "<p>周六补课</p>" && confirm && has_vote, "{body}");
    assert_eq!(outbox().await, 2, "the messages are planned with the notice");
    let one = b.post("/admin/console/notices/new", &[("csrf", &csrf), ("title", "谈话"), ("body", "请来办公室"), ("categoryId", &cat), ("urgency", "normal"),
        ("audience", "students"), ("studentNos", "2024002")]).await;
    assert_eq!(one.status, StatusCode::SEE_OTHER, "{}", one.body);
    assert!(b.get(one.location()).await.has("共 1 位收件人"));
    let forged = b.post("/admin/console/notices/new", &[("csrf", "forged"), ("title", "x"), ("body", "x"), ("categoryId", &cat), ("audience", "everyone")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(notices().await, 2);
}
