//! The console's seed 004 people pages: students (search, pages, create, edit, delete), classes,
//! groups with members and roles (an empty group kept), counselors, notice categories, and the CSV
//! import with its dry run. A counselor sees and changes only their classes' students, through the
//! JSON handlers' scope; admins see all.

mod console_client;
mod support;

use axum::http::StatusCode;
use console_client::Browser;
use support::school::{student, two_classes};
use support::TestApp;
use yizhan_common::testing::form::{multipart, Part};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.expect("count")
}

#[tokio::test]
async fn a_counselor_manages_only_their_own_students() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let s = two_classes(&app).await;
    let other = student(&app, &s.li, "2024900", "李同学", s.b, None).await["id"].as_i64().expect("id");
    let mut b = Browser::signed_in(&app, "wang", "password-123").await;

    let page = b.get("/admin/console/students/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("计科2401") && !page.has("计科2402"), "only their own classes to choose: {}", page.body);
    let csrf = page.csrf();
    // A bad number and another counselor's class: the form again, each message under its field, nothing written.
    let bad = b.post("/admin/console/students/new", &[("csrf", &csrf), ("studentNo", "no good!"), ("name", "张三"), ("classId", &s.b.to_string())]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.has(r#"data-field="studentNo""#) && bad.has(r#"data-field="classId""#) && bad.has("value=\"张三\""), "{}", bad.body);
    assert_eq!(count(&app, "SELECT count(*) FROM students").await, 1, "nothing written");
    let forged = b.post("/admin/console/students/new", &[("csrf", "forged"), ("studentNo", "2024001"), ("name", "张三"), ("classId", &s.a.to_string())]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let made = b.post("/admin/console/students/new", &[("csrf", &csrf), ("studentNo", "2024001"), ("name", "张三"), ("classId", &s.a.to_string()), ("phone", "13900000001")]).await;
    assert_eq!((made.status, made.location()), (StatusCode::SEE_OTHER, "/admin/console/students"), "{}", made.body);
    for n in 2..=25 {
        student(&app, &s.wang, &format!("20240{n:02}"), &format!("学生{n}"), s.a, None).await;
    }
    let list = b.get("/admin/console/students").await;
    assert!(list.has("已添加学生 2024001 张三") && list.has("共 25 条") && list.has("下一页"), "{}", list.body);
    assert!(!list.has("李同学"), "another counselor's student is not listed: {}", list.body);
    let found = b.get("/admin/console/students?q=%E5%BC%A0").await;
    assert!(found.has("共 1 条") && found.has("13900000001"), "{}", found.body);
    let second = b.get(&format!("/admin/console/students?classId={}&page=2", s.a)).await;
    assert!(second.has("第 21–25 条") && second.has(&format!("classId={}&#38;page=1", s.a)), "the pager keeps the filter: {}", second.body);

    // Another counselor's student: 404 to read, change or delete.
    assert_eq!(b.get(&format!("/admin/console/students/{other}")).await.status, StatusCode::NOT_FOUND);
    let changed = b.post(&format!("/admin/console/students/{other}"), &[("csrf", &csrf), ("studentNo", "2024900"), ("name", "改名"), ("classId", &s.a.to_string())]).await;
    assert_eq!(changed.status, StatusCode::NOT_FOUND);
    let deleted = b.post(&format!("/admin/console/students/{other}/delete"), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "SELECT count(*) FROM students WHERE name = '李同学'").await, 1);

    // Their own: edit, then delete after the confirmation.
    let zhang: i64 = sqlx::query_scalar("SELECT id FROM students WHERE student_no = '2024001'").fetch_one(&app.pool).await.expect("id");
    let edit = b.get(&format!("/admin/console/students/{zhang}")).await;
    assert!(edit.has("value=\"13900000001\"") && edit.has("删除学生"), "{}", edit.body);
    let saved = b.post(&format!("/admin/console/students/{zhang}"), &[("csrf", &csrf), ("studentNo", "2024001"), ("name", "张三丰"), ("classId", &s.a.to_string()), ("phone", "")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(count(&app, "SELECT count(*) FROM students WHERE name = '张三丰' AND phone IS NULL").await, 1);
    let asks = b.post(&format!("/admin/console/students/{zhang}/delete"), &[("csrf", &csrf)]).await;
    assert!(asks.status == StatusCode::OK && asks.has("确定要删除学生 2024001 张三丰 吗"), "{}", asks.body);
    assert_eq!(count(&app, "SELECT count(*) FROM students WHERE name = '张三丰'").await, 1, "asking deletes nothing");
    b.post(&format!("/admin/console/students/{zhang}/delete"), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(count(&app, "SELECT count(*) FROM students WHERE name = '张三丰'").await, 0);

    // The classes page shows a counselor their classes only, without the admin's form; the
    // admin-only pages are 403.
    let classes = b.get("/admin/console/classes").await;
    assert!(classes.has("计科2401") && !classes.has("计科2402") && !classes.has("添加班级"), "{}", classes.body);
    assert_eq!(b.get("/admin/console/counselors").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/admin/console/notice-categories").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.post("/admin/console/classes", &[("csrf", &csrf), ("name", "偷建的班")]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn groups_keep_their_members_roles_and_stay_when_empty() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let s = two_classes(&app).await;
    student(&app, &s.wang, "2024001", "张三", s.a, None).await;
    student(&app, &s.li, "2024900", "李同学", s.b, None).await;
    let mut b = Browser::signed_in(&app, "wang", "password-123").await;
    let csrf = b.session_csrf().await;

    let made = b.post("/admin/console/groups", &[("csrf", &csrf), ("name", "计科2401班委"), ("kind", "班干部")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let group = made.location().to_owned();
    let taken = b.post("/admin/console/groups", &[("csrf", &csrf), ("name", "计科2401班委")]).await;
    assert!(taken.status == StatusCode::UNPROCESSABLE_ENTITY && taken.has("已有同名分组"), "{}", taken.body);

    let added = b.post(&format!("{group}/members"), &[("csrf", &csrf), ("studentNo", "2024001"), ("role", "班长")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = b.get(&group).await;
    assert!(page.has("<td data-label=\"职务\">班长</td>") && page.has("成员（1）"), "{}", page.body);
    // Another counselor's student is not found by number; nothing is added.
    let refused = b.post(&format!("{group}/members"), &[("csrf", &csrf), ("studentNo", "2024900"), ("role", "")]).await;
    assert!(refused.status == StatusCode::UNPROCESSABLE_ENTITY && refused.has("你负责的学生中没有这个学号"), "{}", refused.body);
    assert_eq!(count(&app, "SELECT count(*) FROM student_group_members").await, 1);

    let zhang: i64 = sqlx::query_scalar("SELECT id FROM students WHERE student_no = '2024001'").fetch_one(&app.pool).await.expect("id");
    let removed = b.post(&format!("{group}/members/{zhang}/remove"), &[("csrf", &csrf)]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let page = b.get(&group).await;
    assert!(page.status == StatusCode::OK && page.has("成员（0）") && page.has("分组会保留"), "the empty group is kept: {}", page.body);
    assert_eq!(count(&app, "SELECT count(*) FROM student_groups").await, 1);

    // Another counselor does not see it.
    let mut li = Browser::signed_in(&app, "li", "password-123").await;
    assert_eq!(li.get(&group).await.status, StatusCode::NOT_FOUND);
    assert!(!li.get("/admin/console/groups").await.has("计科2401班委"));

    // Deleted only when asked, after the confirmation.
    let asks = b.post(&format!("{group}/delete"), &[("csrf", &csrf)]).await;
    assert!(asks.has("确定要删除分组"), "{}", asks.body);
    assert_eq!(count(&app, "SELECT count(*) FROM student_groups").await, 1);
    b.post(&format!("{group}/delete"), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(count(&app, "SELECT count(*) FROM student_groups").await, 0);
}

#[tokio::test]
async fn the_csv_import_shows_a_dry_run_then_writes_all_rows_or_none() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let s = two_classes(&app).await;
    let mut b = Browser::signed_in(&app, "wang", "password-123").await;
    let page = b.get("/admin/console/students/import").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    let post = |step: &'static str, csv: String, csrf: String| {
        let (ct, body) = multipart(&[Part::Text("csrf", &csrf), Part::Text("step", step), Part::Text("csv", &csv)]);
        (ct, body)
    };

    // Line 3 has a bad phone, line 4 names another counselor's class: both listed, nothing written
    // (not by the dry run, not by a commit of the same file).
    let bad = "学号,姓名,班级,手机\n2024001,张三,计科2401,13900000001\n2024002,李四,计科2401,123\n2024003,王五,计科2402,\n".to_owned();
    for step in ["check", "commit"] {
        let (ct, body) = post(step, bad.clone(), csrf.clone());
        let answer = b.post_raw("/admin/console/students/import", &ct, body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert!(answer.has("id=\"import-errors\"") && answer.has("<td data-label=\"行\">3</td><td data-label=\"字段\">手机</td>"), "{}", answer.body);
        assert!(answer.has("<td data-label=\"行\">4</td><td data-label=\"字段\">班级</td>") && answer.has("没有导入任何一行"), "{}", answer.body);
        assert_eq!(count(&app, "SELECT count(*) FROM students").await, 0, "a bad row changes nothing ({step})");
    }
    let (ct, body) = post("check", bad.clone(), "forged".into());
    assert_eq!(b.post_raw("/admin/console/students/import", &ct, body).await.status, StatusCode::FORBIDDEN);

    // A good file: the dry run counts and writes nothing; the commit step writes every row.
    student(&app, &s.wang, "2024001", "旧名", s.a, None).await;
    let good = "学号,姓名,班级,手机\n2024001,张三,计科2401,13900000001\n2024002,李四,计科2401,\n".to_owned();
    let (ct, body) = post("check", good.clone(), csrf.clone());
    let dry = b.post_raw("/admin/console/students/import", &ct, body).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(dry.has(r#"<span id="dry-rows">2</span>"#) && dry.has(r#"<span id="dry-created">1</span>"#) && dry.has(r#"<span id="dry-updated">1</span>"#), "{}", dry.body);
    assert!(dry.has("id=\"commit-import\"") && dry.has("2024002,李四"), "the commit step carries the text: {}", dry.body);
    assert_eq!(count(&app, "SELECT count(*) FROM students").await, 1, "a dry run writes nothing");
    let (ct, body) = post("commit", good, csrf.clone());
    let done = b.post_raw("/admin/console/students/import", &ct, body).await;
    assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/admin/console/students"), "{}", done.body);
    assert!(b.get("/admin/console/students").await.has("已导入 2 行：新增 1 位，更新 1 位学生"));
    assert_eq!(count(&app, "SELECT count(*) FROM students WHERE name IN ('张三', '李四')").await, 2);
}

#[tokio::test]
async fn an_admin_manages_classes_counselors_and_categories() {
    let app = TestApp::new(yizhan_common::testing::database().await);
    let s = two_classes(&app).await;
    let _ = &s;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;
    let wang: i64 = sqlx::query_scalar("SELECT id FROM counselors WHERE name = '王老师'").fetch_one(&app.pool).await.expect("id");

    let page = b.get("/admin/console/classes").await;
    assert!(page.has("计科2401") && page.has("计科2402") && page.has("添加班级"), "{}", page.body);
    let taken = b.post("/admin/console/classes", &[("csrf", &csrf), ("name", "计科2401")]).await;
    assert!(taken.status == StatusCode::UNPROCESSABLE_ENTITY && taken.has("已有同名班级"), "{}", taken.body);
    let made = b.post("/admin/console/classes", &[("csrf", &csrf), ("name", "计科2403"), ("grade", "2024"), ("major", "计算机"), ("counselorId", &wang.to_string())]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let c: i64 = sqlx::query_scalar("SELECT id FROM school_classes WHERE name = '计科2403'").fetch_one(&app.pool).await.expect("id");
    let renamed = b.post(&format!("/admin/console/classes/{c}"), &[("csrf", &csrf), ("name", "计科2403班"), ("counselorId", &wang.to_string())]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);

    let counselors = b.get("/admin/console/counselors").await;
    assert!(counselors.has("计科2401、计科2403班") || counselors.has("计科2403班、计科2401"), "their classes by name: {}", counselors.body);
    let bad = b.post("/admin/console/counselors/new", &[("csrf", &csrf), ("name", "赵老师"), ("phone", "12345"), ("userId", "999999")]).await;
    assert!(bad.status == StatusCode::UNPROCESSABLE_ENTITY && bad.has(r#"data-field="phone""#) && bad.has(r#"data-field="userId""#), "{}", bad.body);
    let made = b.post("/admin/console/counselors/new", &[("csrf", &csrf), ("name", "赵老师"), ("phone", "13800000009"), ("office", "学工楼 301")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert!(b.get("/admin/console/counselors?q=%E8%B5%B5").await.has("学工楼 301"));
    // The counselor's WeChat binding code, shown once on their page; without a phone on file, said so.
    let zhao: i64 = sqlx::query_scalar("SELECT id FROM counselors WHERE name = '赵老师'").fetch_one(&app.pool).await.expect("id");
    let page = b.get(&format!("/admin/console/counselors/{zhao}")).await;
    assert!(page.has("未绑定") && page.has("生成微信绑定码"), "{}", page.body);
    let issued = b.post(&format!("/admin/console/counselors/{zhao}/bind-code"), &[("csrf", &csrf)]).await;
    assert!(issued.status == StatusCode::OK && issued.has(r#"id="bind-code""#) && issued.has("138****0009"), "{}", issued.body);
    assert_eq!(count(&app, &format!("SELECT count(*) FROM student_bind_codes WHERE counselor_id = {zhao}")).await, 1);
    assert_eq!(b.post(&format!("/admin/console/counselors/{zhao}/bind-code"), &[("csrf", "forged")]).await.status, StatusCode::FORBIDDEN);
    let no_phone = b.post(&format!("/admin/console/counselors/{wang}/bind-code"), &[("csrf", &csrf)]).await;
    assert_eq!((no_phone.status, no_phone.location()), (StatusCode::SEE_OTHER, format!("/admin/console/counselors/{wang}").as_str()), "{}", no_phone.body);
    assert!(b.get(&format!("/admin/console/counselors/{wang}")).await.has("请先填写辅导员的手机号"));

    let cats = b.get("/admin/console/notice-categories").await;
    assert_eq!(cats.status, StatusCode::OK);
    assert_eq!(b.post("/admin/console/notice-categories", &[("csrf", &csrf), ("name", "就业信息")]).await.status, StatusCode::SEE_OTHER);
    let again = b.post("/admin/console/notice-categories", &[("csrf", &csrf), ("name", "就业信息")]).await;
    assert!(again.status == StatusCode::UNPROCESSABLE_ENTITY && again.has("已有同名分类"), "{}", again.body);
    assert_eq!(count(&app, "SELECT count(*) FROM notice_categories WHERE name = '就业信息'").await, 1);

    // A class with students is not deleted; an empty one is, after the confirmation.
    student(&app, &s.root, "2024001", "张三", s.a, None).await;
    b.post(&format!("/admin/console/classes/{}/delete", s.a), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert!(b.get("/admin/console/classes").await.has("还有 1 位学生"));
    b.post(&format!("/admin/console/classes/{c}/delete"), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(count(&app, "SELECT count(*) FROM school_classes").await, 2);
}
