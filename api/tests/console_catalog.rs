//! The console's catalogue pages: hospitals, departments and schedules (号源) created and changed
//! through forms with the JSON API's per-field checks and rules (nothing written until valid; a
//! booked schedule keeps its terms and never drops below its bookings), CSRF refusal, role
//! denial, the schedule list's filters, pages and CSV, and one schedule's appointments and
//! waitlist.

mod console_client;
mod support;

use axum::http::{header, StatusCode};
use console_client::Browser;
use serde_json::json;
use sqlx::PgPool;
use support::clinic::{book, clinic, future_date, patient, schedule, schedule_with};
use support::TestApp;

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.expect("count")
}

#[tokio::test]
async fn hospitals_and_departments_are_created_and_changed_with_the_api_checks() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;

    let page = b.post("/admin/console/hospitals", &[("csrf", &csrf), ("name", "  ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"name\">必填"), "{}", page.body);
    let long = "院".repeat(101);
    let page = b.post("/admin/console/hospitals", &[("csrf", &csrf), ("name", &long)]).await;
    assert!(page.has("data-field=\"name\">最多 100 个字符"), "{}", page.body);
    assert_eq!(count(&pool, "hospitals").await, 1, "nothing written");
    let forged = b.post("/admin/console/hospitals", &[("csrf", "forged"), ("name", "伪造医院")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&pool, "hospitals").await, 1, "a forged form writes nothing");

    let page = b.post("/admin/console/hospitals", &[("csrf", &csrf), ("name", "第二医院")]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/hospitals"));
    let list = b.get("/admin/console/hospitals?q=第二").await;
    assert!(list.has("已创建医院 第二医院") && list.has("<td data-label=\"名称\">第二医院</td>") && !list.has("北交大校医院"), "{}", list.body);
    assert!(list.has("共 1 条"));
    let page = b.post("/admin/console/hospitals", &[("csrf", &csrf), ("name", "第二医院")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a taken name is the field's error, not a 500: {}", page.body);
    assert!(page.has("data-field=\"name\">已有同名医院"), "{}", page.body);
    let (status, v) = app.post("/admin/hospitals", Some(&c.admin), json!({"name": "第二医院"})).await;
    support::assert_error(status, &v, StatusCode::CONFLICT, "hospital_taken");

    let page = b.post("/admin/console/departments", &[("csrf", &csrf), ("hospitalId", "999999"), ("name", "外科")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("data-field=\"hospitalId\">医院不存在") && page.has("value=\"外科\""), "{}", page.body);
    assert_eq!(count(&pool, "departments").await, 1);
    let page = b.post("/admin/console/departments", &[("csrf", &csrf), ("hospitalId", &c.hospital.to_string()), ("name", "外科")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let edit = page.location().to_owned();
    let list = b.get(&format!("/admin/console/departments?hospitalId={}&q=外", c.hospital)).await;
    assert!(list.has(">外科</a>") && !list.has(">内科</a>") && list.has("共 1 条"), "{}", list.body);

    let page = b.post(&edit, &[("csrf", &csrf), ("name", "外科"), ("welcomeText", "欢迎 {name}"), ("pageUrl", "ftp://x")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("data-field=\"pageUrl\">须为 http(s) 链接") && page.has("欢迎 {name}"), "{}", page.body);
    let welcome: Option<String> = sqlx::query_scalar("SELECT welcome_text FROM departments WHERE name = '外科'").fetch_one(&pool).await.expect("row");
    assert_eq!(welcome, None, "nothing written");
    let page = b.post(&edit, &[("csrf", &csrf), ("name", "普外科"), ("welcomeText", "欢迎 {name}"), ("pageUrl", "https://example.com/p")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (welcome, url): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT welcome_text, page_url FROM departments WHERE name = '普外科'").fetch_one(&pool).await.expect("row");
    assert_eq!((welcome.as_deref(), url.as_deref()), (Some("欢迎 {name}"), Some("https://example.com/p")));
    assert!(b.get(&edit).await.has("已保存科室 普外科"));
    assert_eq!(b.get("/admin/console/departments/999999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn schedule_forms_show_each_bad_field_and_write_nothing_until_valid() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let (_, other) = app.post("/admin/hospitals", Some(&c.admin), json!({"name": "另一医院"})).await;
    let other = other["id"].as_i64().expect("id").to_string();
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let form = b.get("/admin/console/schedules/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("北交大校医院") && form.has("内科"), "{}", form.body);
    let csrf = form.csrf();
    let (h, d) = (c.hospital.to_string(), c.department.to_string());

    let bad: [(&str, &str); 9] = [
        ("csrf", csrf.as_str()),
        ("hospitalId", &h),
        ("departmentId", &d),
        ("date", "2026-13-01"),
        ("period", "上午"),
        ("startTime", "12:00"),
        ("endTime", "08:00"),
        ("capacity", "0"),
        ("fee", "abc"),
    ];
    let page = b.post("/admin/console/schedules/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    for (field, message) in
        [("date", "须为日期"), ("endTime", "须晚于开始时间"), ("capacity", "须为 1 到 10000 之间的整数"), ("fee", "须为不小于 0、最多两位小数的金额")]
    {
        assert!(page.has(&format!("data-field=\"{field}\">{message}")), "{field} in {}", page.body);
    }
    assert!(page.has("value=\"2026-13-01\"") && page.has("value=\"abc\""), "typed values kept");
    assert_eq!(count(&pool, "schedules").await, 0);

    let date = future_date();
    let mut good: Vec<(&str, &str)> = vec![
        ("csrf", csrf.as_str()),
        ("hospitalId", other.as_str()),
        ("departmentId", &d),
        ("date", &date),
        ("period", "下午"),
        ("startTime", "13:30"),
        ("endTime", "17:00"),
        ("capacity", "3"),
        ("fee", "12.5"),
    ];
    let page = b.post("/admin/console/schedules/new", &good).await;
    assert!(page.has("data-field=\"departmentId\">该科室不属于所选医院"), "{}", page.body);
    assert_eq!(count(&pool, "schedules").await, 0);
    let forged: Vec<(&str, &str)> = good.iter().map(|&(k, v)| if k == "csrf" { (k, "forged") } else { (k, v) }).collect();
    assert_eq!(b.post("/admin/console/schedules/new", &forged).await.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&pool, "schedules").await, 0);

    good[1] = ("hospitalId", h.as_str());
    let page = b.post("/admin/console/schedules/new", &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let shown = b.get(page.location()).await;
    assert!(shown.has("已创建号源") && shown.has("下午 13:30-17:00") && shown.has("<strong id=\"remaining\">3</strong>"), "{}", shown.body);
    let page = b.post("/admin/console/schedules/new", &good).await;
    assert!(page.has("data-field=\"period\">该科室在这一天已有同名时段的号源"), "the same slot twice: {}", page.body);
    let (capacity, fee): (i32, i64) = sqlx::query_as("SELECT capacity, fee_cents FROM schedules").fetch_one(&pool).await.expect("row");
    assert_eq!((capacity, fee), (3, 1250));
}

#[tokio::test]
async fn the_schedule_list_filters_pages_shows_remaining_places_and_exports_csv() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let c = clinic(&app).await;
    let (_, d2) = app.post("/admin/departments", Some(&c.admin), json!({"hospitalId": c.hospital, "name": "儿科"})).await;
    let d2 = d2["id"].as_i64().expect("id");
    for i in 0..23 {
        schedule_with(&app, &c, json!({"capacity": 5 + i, "period": format!("第{i}段")})).await;
    }
    let full = schedule(&app, &c, "上午", 1).await;
    let user = app.user_token("zhang", &["patient"]).await;
    let p = patient(&app, &user, "张三").await;
    assert_eq!(book(&app, &user, full, p, json!({})).await.0, StatusCode::OK);
    // One date for the create and the filter below, even if the test runs across midnight UTC.
    let kids_date = future_date();
    let (_, v) = app
        .post("/admin/schedules", Some(&c.admin), json!({"hospitalId": c.hospital, "departmentId": d2, "date": kids_date, "period": "晚间",
                                                          "startTime": "18:00", "endTime": "20:00", "capacity": 9, "fee": 0}))
        .await;
    let kids = v["id"].as_i64().expect("id");

    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let all = b.get("/admin/console/schedules").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.has("共 25 条") && all.has("第 1/2 页") && all.has("rel=\"next\""), "{}", all.body);
    let dep = b.get(&format!("/admin/console/schedules?departmentId={}", c.department)).await;
    assert!(dep.has("共 24 条") && !dep.has(&format!("id=\"schedule-{kids}\"")), "{}", dep.body);
    assert!(dep.has(&format!("/admin/console/schedules?departmentId={}&#38;page=2", c.department)), "the pager keeps the filter: {}", dep.body);
    let page2 = b.get(&format!("/admin/console/schedules?departmentId={}&page=2", c.department)).await;
    assert!(page2.has("第 21–24 条") && page2.has(&format!("id=\"schedule-{full}\"")), "{}", page2.body);
    assert!(page2.has("<span class=\"bad\">已满</span>"), "a full schedule shows it: {}", page2.body);
    let kids_only = b.get(&format!("/admin/console/schedules?departmentId={d2}&date={kids_date}")).await;
    assert!(kids_only.has("共 1 条") && kids_only.has("晚间 18:00-20:00") && kids_only.has("儿科"), "{}", kids_only.body);
    assert!(b.get("/admin/console/schedules?date=2000-01-01").await.has("没有符合条件的号源"));

    let csv = b.get(&format!("/admin/console/schedules.csv?departmentId={}", c.department)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 25, "header and every filtered row, not one page");
    assert_eq!(lines[0], "\u{feff}id,医院,科室,日期,时段,号源总数,已预约,剩余,挂号费");
    let row = lines.iter().find(|l| l.starts_with(&format!("{full},"))).expect("the full schedule");
    assert!(row.ends_with(",1,1,0,10.00"), "{row}");
}

#[tokio::test]
async fn a_schedule_shows_its_appointments_and_its_waitlist() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 1).await;
    let zhang = app.user_token("zhang", &["patient"]).await;
    let p1 = patient(&app, &zhang, "张三").await;
    let (_, booked) = book(&app, &zhang, s, p1, json!({})).await;
    let li = app.user_token("li", &["patient"]).await;
    let p2 = patient(&app, &li, "李四").await;
    let (status, w) = app.post("/patient/waitlist", Some(&li), json!({"scheduleId": s, "patientId": p2})).await;
    assert_eq!(status, StatusCode::OK, "{w}");

    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let page = b.get(&format!("/admin/console/schedules/{s}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let order = booked["orderNo"].as_str().expect("order");
    assert!(page.has(order) && page.has("张三") && page.has("138****5678") && !page.has("13812345678"), "{}", page.body);
    assert!(page.has("<strong id=\"remaining\">0</strong>") && page.has("待支付"), "{}", page.body);
    let waitlist = &page.body[page.body.find("id=\"waitlist\"").expect("waitlist")..];
    assert!(waitlist.contains("李四") && waitlist.contains("<td data-label=\"当前排位\">1</td>") && waitlist.contains("候补中"), "{waitlist}");
    assert!(!page.has("取消预约"), "the JSON API lets only the patient cancel");

    let cancelled = b.get(&format!("/admin/console/schedules/{s}?status=cancelled")).await;
    assert!(!cancelled.has(order) && cancelled.has("还没有预约"), "{}", cancelled.body);
    assert_eq!(b.get("/admin/console/schedules/999999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_cannot_open_the_catalogue_pages() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let (status, _) = app.post("/admin/users", Some(&c.admin), json!({"username": "nurse", "password": "password-123", "roles": ["staff"]})).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut staff = Browser::signed_in(&app, "nurse", "password-123").await;
    let home = staff.get("/admin/console/").await;
    assert!(!home.has("号源") && !home.has("/admin/console/hospitals"), "{}", home.body);
    let csrf = home.csrf();
    for path in ["/admin/console/hospitals", "/admin/console/departments", "/admin/console/schedules", "/admin/console/schedules.csv", "/admin/console/schedules/new"]
        .into_iter()
        .map(String::from)
        .chain([
            format!("/admin/console/schedules/{s}"),
            format!("/admin/console/schedules/{s}/edit"),
            format!("/admin/console/departments/{}", c.department),
            format!("/admin/console/hospitals/{}", c.hospital),
        ])
    {
        assert_eq!(staff.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let page = staff.post("/admin/console/hospitals", &[("csrf", &csrf), ("name", "护士建的医院")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&pool, "hospitals").await, 1);
    let page = staff.post(&format!("/admin/console/hospitals/{}", c.hospital), &[("csrf", &csrf), ("name", "护士改的医院")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = staff.post(&format!("/admin/console/schedules/{s}/edit"), &[("csrf", &csrf), ("capacity", "50")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let capacity: i32 = sqlx::query_scalar("SELECT capacity FROM schedules").fetch_one(&pool).await.expect("capacity");
    assert_eq!(capacity, 5);
}

/// POSTs fields held as owned strings.
async fn post_owned(b: &mut Browser<'_>, path: &str, fields: Vec<(String, String)>) -> console_client::Page {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &pairs).await
}

#[tokio::test]
async fn a_hospital_is_renamed_from_its_form() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    app.post("/admin/hospitals", Some(&c.admin), json!({"name": "第二医院"})).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let edit = format!("/admin/console/hospitals/{}", c.hospital);
    let list = b.get("/admin/console/hospitals").await;
    assert!(list.has(&format!("href=\"{edit}\"")), "the list links each hospital's form: {}", list.body);
    let form = b.get(&edit).await;
    assert!(form.has("value=\"北交大校医院\""), "{}", form.body);
    let csrf = form.csrf();

    let page = b.post(&edit, &[("csrf", &csrf), ("name", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"name\">必填") && page.has("没有保存任何更改"), "{}", page.body);
    let page = b.post(&edit, &[("csrf", &csrf), ("name", "第二医院")]).await;
    assert!(page.has("data-field=\"name\">已有同名医院"), "{}", page.body);
    assert_eq!(b.post(&edit, &[("csrf", "forged"), ("name", "伪造")]).await.status, StatusCode::FORBIDDEN);
    let name: String = sqlx::query_scalar("SELECT name FROM hospitals WHERE id = $1").bind(c.hospital).fetch_one(&pool).await.expect("name");
    assert_eq!(name, "北交大校医院", "nothing written");

    let page = b.post(&edit, &[("csrf", &csrf), ("name", "北京交通大学校医院")]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, edit.as_str()), "{}", page.body);
    let shown = b.get(&edit).await;
    assert!(shown.has("已保存医院 北京交通大学校医院") && shown.has("value=\"北京交通大学校医院\""), "{}", shown.body);
    assert_eq!(b.get("/admin/console/hospitals/999999").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_schedule_is_changed_from_its_form_and_never_below_its_bookings() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 3).await;
    let user = app.user_token("zhang", &["patient"]).await;
    for name in ["张三", "李四"] {
        let p = patient(&app, &user, name).await;
        assert_eq!(book(&app, &user, s, p, json!({})).await.0, StatusCode::OK);
    }
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let edit = format!("/admin/console/schedules/{s}/edit");
    assert!(b.get(&format!("/admin/console/schedules/{s}")).await.has(&format!("href=\"{edit}\"")), "the schedule's page links its form");
    assert!(b.get("/admin/console/schedules").await.has(&format!("href=\"{edit}\"")), "so does the list");
    let form = b.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("已预约 <strong>2</strong>") && form.has("name=\"capacity\" type=\"number\" min=\"1\" max=\"10000\" value=\"3\""), "{}", form.body);
    assert!(form.has("value=\"10.00\"") && form.has("value=\"08:00\""), "{}", form.body);
    let csrf = form.csrf();
    let (h, d, date) = (c.hospital.to_string(), c.department.to_string(), future_date());
    let fields = |capacity: &'static str, date: &str, fee: &'static str| -> Vec<(String, String)> {
        [("csrf", csrf.as_str()), ("hospitalId", h.as_str()), ("departmentId", d.as_str()), ("date", date), ("period", "上午"), ("startTime", "08:00"),
         ("endTime", "12:00"), ("capacity", capacity), ("fee", fee)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };
    let page = post_owned(&mut b, &edit, fields("1", &date, "10.00")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"capacity\">不能少于已预约的 2 个号源") && page.has("value=\"1\""), "{}", page.body);
    let page = post_owned(&mut b, &edit, fields("3", "2030-01-02", "12")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"date\">已有预约或候补，不能修改") && page.has("data-field=\"fee\">已有预约或候补，不能修改"), "{}", page.body);
    let page = post_owned(&mut b, &edit, fields("abc", &date, "x")).await;
    assert!(page.has("data-field=\"capacity\">须为 1 到 10000 之间的整数") && page.has("data-field=\"fee\">须为不小于 0"), "{}", page.body);
    let mut forged = fields("9", &date, "10.00");
    forged[0].1 = "forged".into();
    assert_eq!(post_owned(&mut b, &edit, forged).await.status, StatusCode::FORBIDDEN);
    let stored: (i32, i64, String) =
        sqlx::query_as("SELECT capacity, fee_cents, date::text FROM schedules WHERE id = $1").bind(s).fetch_one(&pool).await.expect("row");
    assert_eq!(stored, (3, 1000, date.clone()), "nothing written");

    let page = post_owned(&mut b, &edit, fields("5", &date, "10.00")).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, format!("/admin/console/schedules/{s}").as_str()), "{}", page.body);
    let shown = b.get(page.location()).await;
    assert!(shown.has(&format!("已保存号源 #{s}")) && shown.has("<strong id=\"remaining\">3</strong>"), "{}", shown.body);
    assert_eq!(b.get("/admin/console/schedules/999999/edit").await.status, StatusCode::NOT_FOUND);
}
