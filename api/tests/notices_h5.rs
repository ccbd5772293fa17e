//! Seed 004's student H5 pages beyond the notice itself, over HTTP with the `yz_h5` cookie: the
//! notice list (newest first, ten a page, search in Chinese, a category filter; only what the
//! student received), comments and the private thread with the counselor on the notice page (the
//! JSON routes' limits, hidden comments not shown), the topic board fed by `#话题` messages, and
//! the teacher directory. Each page refuses whom its JSON route refuses, on the error page.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::callbacks::text;
use support::h5::{self, page, start};
use support::school::{bound_student, two_classes, TwoClasses};
use support::TestApp;

async fn category(app: &TestApp, root: &str, name: &str) -> i64 {
    let (status, c) = app.post("/school/notice-categories", Some(root), json!({"name": name})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_i64().expect("id")
}

async fn notice(app: &TestApp, token: &str, title: &str, category: i64, class: i64) -> i64 {
    let (status, n) = app.post("/school/notices", Some(token), json!({"title": title, "body": "<p>详见正文</p>", "categoryId": category, "audience": {"kind": "classes", "classIds": [class]}})).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    n["id"].as_i64().expect("id")
}

#[tokio::test]
async fn the_notice_list_is_the_students_own_newest_first_searchable_and_paged() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let exams = category(app, &root, "教务").await;
    let grants = category(app, &root, "奖助学金").await;
    notice(app, &wang, "期末考试安排", exams, a).await;
    notice(app, &wang, "2026年奖学金评定通知", grants, a).await;
    notice(app, &wang, "<script>alert(1)</script>宿舍检查", exams, a).await;
    notice(app, &li, "别班的通知", exams, b).await;
    app.run_pending_jobs().await;

    let (status, html) = h5::get(app, &zhang, "/h5/school/notices").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("共 3 条") && !html.contains("别班的通知"), "only what 张三 received: {html}");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;宿舍检查") && !html.contains("<script>alert"), "escaped: {html}");
    let (newest, oldest) = (html.find("宿舍检查").expect("newest"), html.find("期末考试安排").expect("oldest"));
    assert!(newest < oldest, "newest first: {html}");
    // Search in Chinese (a part of the title), and a category.
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/notices?q={}", enc("奖学金"))).await;
    assert!(html.contains("2026年奖学金评定通知") && html.contains("共 1 条") && !html.contains("期末考试安排"), "{html}");
    assert!(html.contains(r#"value="奖学金""#), "the search is kept in the box: {html}");
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/notices?categoryId={grants}")).await;
    assert!(html.contains("2026年奖学金评定通知") && !html.contains("宿舍检查") && html.contains(&format!(r#"value="{grants}" selected"#)), "{html}");
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/notices?q={}", enc("没有这个"))).await;
    assert!(html.contains(r#"id="none""#) && html.contains("没有找到相关通知"), "{html}");

    // Ten a page: the eleventh is on page 2, the links keep the filter.
    for i in 0..9 {
        notice(app, &wang, &format!("考试补充说明{i}"), exams, a).await;
    }
    app.run_pending_jobs().await;
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/notices?categoryId={exams}")).await;
    assert!(html.contains("共 11 条") && html.contains("第 1/2 页") && !html.contains("期末考试安排"), "{html}");
    let next = format!(r#"href="/h5/school/notices?categoryId={exams}&#38;page=2" rel="next""#);
    assert!(html.contains(&next), "{html}");
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/notices?categoryId={exams}&page=2")).await;
    assert!(html.contains("期末考试安排") && html.contains("第 2/2 页") && html.contains(r#"rel="prev""#), "{html}");

    // Not bound: the error page says so; no cookie: WeChat's sign-in first.
    let (stranger, _) = v.sign_in("路人", None).await;
    let (status, html) = h5::get(app, &stranger, "/h5/school/notices").await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("请先绑定学号") && !html.contains("共 "), "{html}");
    let (status, _, _) = page(app, Method::GET, "/h5/school/notices", "", &[]).await;
    assert!(status.is_redirection(), "{status}");
}

#[tokio::test]
async fn students_comment_and_ask_their_counselor_on_the_notice_page() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (zhang, _, zhang_id) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (lisi, _, _) = bound_student(&v, &wang, "2024002", "李四", a).await;
    let (zhao, _, _) = bound_student(&v, &li, "2024101", "赵六", b).await;
    let exams = category(app, &root, "教务").await;
    let id = notice(app, &wang, "期末考试安排", exams, a).await;
    app.run_pending_jobs().await;
    let path = format!("/h5/school/notices/{id}");

    // A comment through the form, escaped, seen by the other recipients.
    let (status, html) = h5::get(app, &zhang, &path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("还没有评论") && html.contains("还没有提问"), "{html}");
    let (status, html) = h5::post(app, &zhang, &format!("{path}/comments"), Some(&html), &[("body", "请问<b>截止时间</b>可以延后吗？")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("评论已发表") && html.contains("评论（1）") && html.contains("请问&#60;b&#62;截止时间&#60;/b&#62;可以延后吗？"), "{html}");
    let (_, html) = h5::get(app, &lisi, &path).await;
    assert!(html.contains("截止时间") && html.contains("<strong>张同学</strong>"), "{html}");
    let (_, html) = h5::post(app, &lisi, &format!("{path}/comments"), Some(&html), &[("body", "不合适的话")]).await;
    assert!(html.contains("评论（2）"), "{html}");

    // The counselor hides 李四's: no longer shown to students.
    let (_, listed) = app.get(&format!("/school/notices/{id}/comments"), Some(&wang)).await;
    let hidden = listed["results"].as_array().expect("comments").iter().find(|c| c["body"] == "不合适的话").expect("李四's")["id"].clone();
    let (status, _) = app.post(&format!("/school/notice-comments/{hidden}/hide"), Some(&wang), json!({"hidden": true})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = h5::get(app, &zhang, &path).await;
    assert!(!html.contains("不合适的话") && html.contains("评论（1）"), "{html}");

    // Too long, blank: said above the form, the text kept, nothing written; then the hourly limit.
    let long = "长".repeat(501);
    let (status, html) = h5::post(app, &zhang, &format!("{path}/comments"), Some(&html), &[("body", &long)]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="problem""#) && html.contains("评论需 1–500 字") && html.contains(&format!(">{long}</textarea>")), "{html}");
    let (_, html) = h5::post(app, &zhang, &format!("{path}/comments"), Some(&html), &[("body", "  ")]).await;
    assert!(html.contains("评论需 1–500 字") && html.contains("评论（1）"), "{html}");
    let mut html = html;
    for i in 0..9 {
        html = h5::post(app, &zhang, &format!("{path}/comments"), Some(&html), &[("body", &format!("第{i}条"))]).await.1;
    }
    assert!(html.contains("评论已发表"), "ten an hour: {html}");
    let (_, html) = h5::post(app, &zhang, &format!("{path}/comments"), Some(&html), &[("body", "第十一条")]).await;
    assert!(html.contains("每小时最多 10 条评论") && !html.contains("<p>第十一条</p>") && html.contains(">第十一条</textarea>"), "{html}");
    // Ten a page, oldest first.
    let (_, other) = h5::get(app, &lisi, &path).await;
    h5::post(app, &lisi, &format!("{path}/comments"), Some(&other), &[("body", "李四的第二条")]).await;
    let (_, html) = h5::get(app, &zhang, &path).await;
    assert!(html.contains("评论（11）") && html.contains("第 1/2 页") && !html.contains("李四的第二条"), "{html}");
    let (_, html) = h5::get(app, &zhang, &format!("{path}?page=2")).await;
    assert!(html.contains("李四的第二条") && html.contains("第 2/2 页") && !html.contains("第8条"), "{html}");

    // A question to the counselor; the answer shows; 李四 sees none of it.
    let (_, html) = h5::post(app, &zhang, &format!("{path}/thread"), Some(&html), &[("body", "材料交到哪里？")]).await;
    assert!(html.contains("已发送给辅导员") && html.contains("材料交到哪里？"), "{html}");
    let (status, t) = app.post(&format!("/school/notices/{id}/threads/{zhang_id}"), Some(&wang), json!({"body": "交到辅导员办公室"})).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let (_, html) = h5::get(app, &zhang, &path).await;
    let thread = &html[html.find(r#"id="thread""#).expect("thread")..html.find(r#"id="comments""#).expect("comments")];
    assert!(thread.contains("<strong>我</strong>") && thread.contains("材料交到哪里？") && thread.contains("<strong>王老师</strong>") && thread.contains("交到辅导员办公室"), "{thread}");
    let (_, html) = h5::get(app, &lisi, &path).await;
    assert!(!html.contains("材料交到哪里？") && !html.contains("交到辅导员办公室"), "{html}");
    let (_, mine) = h5::get(app, &zhang, &path).await;
    let (_, html) = h5::post(app, &zhang, &format!("{path}/thread"), Some(&mine), &[("body", "")]).await;
    assert!(html.contains(r#"id="problem""#) && html.contains("提问需 1–1000 字"), "{html}");

    // Not a recipient: the error page, nothing written; a forged form: refused.
    let (status, html) = h5::get(app, &zhao, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    let (_, own) = h5::get(app, &zhao, "/h5/school/settings").await;
    let (status, _) = h5::post(app, &zhao, &format!("{path}/comments"), Some(&own), &[("body", "我也来")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = h5::post(app, &zhang, &format!("{path}/comments"), None, &[("body", "伪造"), ("csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM notice_comments WHERE body IN ('我也来', '伪造')").fetch_one(&app.pool).await.expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_topic_board_is_readable_on_h5() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { wang, a, .. } = two_classes(app).await;
    let (zhang, zhang_oid, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    for content in ["#食堂 二楼的面很好吃", "#食堂 三楼在装修", "#考研 图书馆几点开门<b>？</b>"] {
        text(app, &zhang_oid, content).await;
    }
    let (status, html) = h5::get(app, &zhang, "/h5/school/topics").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (kaoyan, canteen) = (html.find("#考研").expect("考研"), html.find("#食堂").expect("食堂"));
    assert!(kaoyan < canteen && html.contains("2 条"), "latest activity first: {html}");
    let link = format!("/h5/school/topics/{}", enc("食堂"));
    assert!(html.contains(&format!(r#"href="{link}""#)), "{html}");
    let (status, html) = h5::get(app, &zhang, &link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("共 2 条") && html.find("三楼在装修") < html.find("二楼的面很好吃") && !html.contains("图书馆"), "newest first: {html}");
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/topics/{}", enc("考研"))).await;
    assert!(html.contains("图书馆几点开门&#60;b&#62;？&#60;/b&#62;"), "escaped: {html}");
    // A hidden post is gone; a name too long is refused on the error page; no cookie: sign in.
    let (_, posts) = app.get(&format!("/school/topics/{}/posts", enc("食堂")), Some(&wang)).await;
    let post = posts["results"][0]["id"].clone();
    assert_eq!(app.send(Method::DELETE, &format!("/school/topic-posts/{post}"), Some(&wang), None).await.0, StatusCode::NO_CONTENT);
    let (_, html) = h5::get(app, &zhang, &link).await;
    assert!(html.contains("共 1 条") && !html.contains("三楼在装修"), "{html}");
    let (status, html) = h5::get(app, &zhang, &format!("/h5/school/topics/{}", enc(&"话".repeat(21)))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("填写有误"), "{html}");
    let (status, _, _) = page(app, Method::GET, "/h5/school/topics", "", &[]).await;
    assert!(status.is_redirection(), "{status}");
}

#[tokio::test]
async fn the_teacher_directory_is_searchable_on_h5() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, a, .. } = two_classes(app).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    for t in [
        json!({"name": "陈老师", "department": "教务处", "title": "科长", "phone": "020-85280000", "email": "chen@school.edu", "office": "行政楼 305"}),
        json!({"name": "林老师", "department": "学生工作处", "title": "<i>干事</i>"}),
    ] {
        let (status, made) = app.post("/school/teachers", Some(&root), t).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
    }
    let (status, html) = h5::get(app, &zhang, &format!("/h5/school/directory?q={}", enc("教务"))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("陈老师") && html.contains(r#"href="tel:020-85280000""#) && html.contains("chen@school.edu") && html.contains("行政楼 305") && !html.contains("林老师"), "{html}");
    let (_, html) = h5::get(app, &zhang, "/h5/school/directory").await;
    assert!(html.contains("林老师") && html.contains("&#60;i&#62;干事&#60;/i&#62;") && html.contains("王老师") && html.contains("辅导员"), "{html}");
    let (_, html) = h5::get(app, &zhang, "/h5/school/directory?kind=teacher").await;
    assert!(html.contains("陈老师") && !html.contains("王老师") && html.contains(r#"value="teacher" selected"#), "{html}");
    let (_, html) = h5::get(app, &zhang, &format!("/h5/school/directory?q={}", enc("没有这个人"))).await;
    assert!(html.contains(r#"id="none""#), "{html}");
    // Signed in but not one of the college's people: refused on the error page.
    let (stranger, _) = v.sign_in("路人", None).await;
    let (status, html) = h5::get(app, &stranger, "/h5/school/directory").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("通讯录只对本校师生开放") && !html.contains("陈老师"), "{html}");
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
