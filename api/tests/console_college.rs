//! The console's seed 002 pages (college staff services), driven as a browser would: meeting
//! rooms (the JSON routes' checks under each field, archiving after a confirmation), the
//! conflict query with its moves and cancels (the owner mailed; a move into a taken period shows
//! `room_taken` and changes nothing), repairs (filters, CSV, status changes mailing the reporter,
//! categories, e-mail routing) and guides (a multipart upload behind the CSRF token, the download
//! giving back the same bytes). A forged form changes nothing; staff neither see nor open these.

mod console_client;
mod support;

use axum::http::{header, Method, StatusCode};
use console_client::Browser;
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{config, redis_url, TestApp};
use yizhan_common::jobs::kinds::SendEmail;
use yizhan_common::testing::form::{multipart, Part};
use yizhan_common::testing::{database, enqueued, MotoBucket};

async fn scalar<T>(pool: &PgPool, sql: &str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// `kind to` of every planned e-mail, oldest first (each with its `send_email` job).
async fn mails(pool: &PgPool) -> Vec<String> {
    let planned: Vec<String> =
        sqlx::query_scalar("SELECT kind || ' ' || array_to_string(recipients, ',') FROM mail_sends ORDER BY id").fetch_all(pool).await.expect("mails");
    assert_eq!(enqueued::<SendEmail>(pool).await.len(), planned.len(), "a send_email job per planned mail");
    planned
}

/// A staff user `li` with an e-mail address on their card; their token.
async fn staff_with_email(app: &TestApp) -> String {
    let staff = app.login_or_create("li").await;
    let (status, v) = app.send(Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    staff
}

#[tokio::test]
async fn rooms_are_created_changed_and_archived_with_the_json_routes_checks() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;
    let rooms = || scalar::<i64>(&pool, "SELECT count(*) FROM meeting_rooms");

    let good = [("name", "301"), ("location", "行政楼"), ("labels", "投影, 白板\n视频会议，电话"), ("capacity", "10"), ("equipment", "投影仪"), ("is_active", "1")];
    let forged: Vec<(&str, &str)> = [("csrf", "forged")].into_iter().chain(good).collect();
    assert_eq!(b.post("/admin/console/rooms/new", &forged).await.status, StatusCode::FORBIDDEN);
    assert_eq!(rooms().await, 0, "a forged form creates nothing");

    let long = "长".repeat(31);
    let bad = [("csrf", csrf.as_str()), ("name", ""), ("location", "行政楼"), ("labels", long.as_str()), ("capacity", "0")];
    let page = b.post("/admin/console/rooms/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"name\">必填") && page.has("data-field=\"capacity\">须为 1 到 10000 之间的整数"), "{}", page.body);
    assert!(page.has("data-field=\"labels\">每个标签 1 到 30 个字符") && page.has(&format!(">{long}</textarea>")), "{}", page.body);
    let page = b.post("/admin/console/rooms/new", &[("csrf", csrf.as_str()), ("name", "301"), ("location", "行政楼")]).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"capacity\">必填"), "{}", page.body);
    assert_eq!(rooms().await, 0);

    let form: Vec<(&str, &str)> = [("csrf", csrf.as_str())].into_iter().chain(good).collect();
    let page = b.post("/admin/console/rooms/new", &form).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/rooms"), "{}", page.body);
    assert!(b.get("/admin/console/rooms").await.has("已创建会议室“301”（行政楼）"));
    let (id, labels): (i64, Vec<String>) = sqlx::query_as("SELECT id, labels FROM meeting_rooms").fetch_one(&pool).await.expect("room");
    assert_eq!(labels, ["投影", "白板", "视频会议", "电话"], "commas of either width and lines separate labels");
    let (status, v) = app.get(&format!("/admin/meetingrooms/{id}/"), Some(&admin)).await;
    assert_eq!((status, &v["capacity"], &v["is_active"]), (StatusCode::OK, &json!(10), &json!(true)), "{v}");
    let page = b.post("/admin/console/rooms/new", &form).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"name\">该位置已有同名会议室"), "{}", page.body);
    assert_eq!(rooms().await, 1);

    let list = b.get("/admin/console/rooms?q=%E8%A1%8C%E6%94%BF").await;
    assert!(list.has(&format!("id=\"room-{id}\"")) && list.has("投影、白板、视频会议、电话"), "{}", list.body);
    assert!(!b.get("/admin/console/rooms?q=%E5%9B%BE%E4%B9%A6%E9%A6%86").await.has(&format!("room-{id}")), "searching 图书馆 finds no 行政楼 room");
    assert!(!b.get("/admin/console/rooms?status=archived").await.has(&format!("room-{id}")));

    let edit = format!("/admin/console/rooms/{id}");
    let form = b.get(&edit).await;
    assert!(form.has("value=\"301\"") && form.has(">投影\n白板\n视频会议\n电话</textarea>") && form.has("name=\"is_active\" value=\"1\" checked"), "{}", form.body);
    let change = [("csrf", csrf.as_str()), ("name", "301"), ("location", "行政楼"), ("labels", ""), ("capacity", "12"), ("equipment", ""), ("is_active", "1")];
    assert_eq!(b.post(&edit, &change).await.status, StatusCode::SEE_OTHER);
    let (status, v) = app.get(&format!("/admin/meetingrooms/{id}/"), Some(&admin)).await;
    assert_eq!((status, &v["capacity"], &v["labels"], &v["equipment"]), (StatusCode::OK, &json!(12), &json!([]), &json!("")), "{v}");

    let ask = b.post(&format!("{edit}/archive"), &[("csrf", &csrf)]).await;
    assert!(ask.status == StatusCode::OK && ask.has("确定要归档会议室“301”（行政楼）吗") && ask.has("name=\"confirmed\" value=\"1\""), "{}", ask.body);
    assert!(scalar::<bool>(&pool, "SELECT is_active FROM meeting_rooms").await, "asking archives nothing");
    assert_eq!(b.post(&format!("{edit}/archive"), &[("csrf", "forged"), ("confirmed", "1")]).await.status, StatusCode::FORBIDDEN);
    assert!(scalar::<bool>(&pool, "SELECT is_active FROM meeting_rooms").await);
    let page = b.post(&format!("{edit}/archive"), &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (_, listed) = app.get("/admin/meetingrooms/", Some(&admin)).await;
    assert_eq!(listed["count"], 0, "archived as DELETE archives: no longer offered {listed}");
    assert_eq!(rooms().await, 1, "never deleted");
    let archived = b.get("/admin/console/rooms?status=archived").await;
    assert!(archived.has("已归档会议室“301”") && archived.has(&format!("room-{id}")) && archived.has("已归档</span>"), "{}", archived.body);
    assert_eq!(b.get("/admin/console/rooms/4242").await.status, StatusCode::NOT_FOUND);
}

fn at(hm: &str) -> String {
    format!("2027-03-01T{hm}:00+08:00")
}

/// The period of reservation `id` as `(from, to)` in the service zone, and its status.
async fn reservation(pool: &PgPool, id: &Value) -> (String, String, String) {
    sqlx::query_as(
        "SELECT to_char(lower(period) AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'), to_char(upper(period) AT TIME ZONE 'Asia/Shanghai', 'HH24:MI'), status
           FROM room_reservations WHERE id = $1",
    )
    .bind(id.as_i64().expect("id"))
    .fetch_one(pool)
    .await
    .expect("reservation")
}

#[tokio::test]
async fn the_conflict_query_moves_and_cancels_through_the_json_routes_code() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (_, room) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    let (_, other) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "302", "location": "行政楼", "capacity": 10})).await;
    let staff = staff_with_email(&app).await;
    let worker = app.start_worker().await;
    let mut booked = Vec::new();
    for (r, from, to) in [(&room, "09:00", "10:00"), (&room, "10:00", "11:00"), (&other, "09:30", "10:30")] {
        let body = json!({"reserve_from": at(from), "reserve_to": at(to), "description": "组会", "meetingroom": r["id"]});
        let (status, v) = app.post("/reservations/", Some(&staff), body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        booked.push(v["id"].clone());
    }
    worker.stop().await;
    let (a, b_id, c) = (&booked[0], &booked[1], &booked[2]);
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;

    let first = b.get("/admin/console/reservations").await;
    assert!(first.status == StatusCode::OK && first.has("type=\"datetime-local\"") && !first.has("id=\"conflicts\""), "{}", first.body);
    let query = "/admin/console/reservations?time_from=2027-03-01T09%3A45&time_to=2027-03-01T10%3A15&meetingroom=";
    let page = b.get(query).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let order: Vec<usize> = [a, c, b_id].iter().map(|id| page.body.find(&format!("id=\"reservation-{id}\"")).expect("row")).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by start, as the JSON route: {order:?}");
    assert!(page.has("mailto:li@example.edu") && page.has("2027-03-01 09:00") && page.has("行政楼 302"), "owners' cards: {}", page.body);
    let one_room = b.get(&format!("{query}{}", room["id"])).await;
    assert!(one_room.has(&format!("reservation-{a}")) && !one_room.has(&format!("reservation-{c}")), "{}", one_room.body);
    let page = b.get("/admin/console/reservations?time_from=2027-03-01T10%3A00&time_to=2027-03-01T09%3A00").await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"time_to\">须晚于开始时间"), "{}", page.body);
    let page = b.get("/admin/console/reservations?time_from=soon&time_to=2027-03-01T09%3A00").await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"time_from\">须为日期时间"), "{}", page.body);

    let back = "/admin/console/reservations?time_from=2027-03-01T09%3A45&time_to=2027-03-01T10%3A15&page=1";
    let moving = format!("/admin/console/reservations/{a}?back={}", back.replace('%', "%25").replace('?', "%3F").replace('&', "%26").replace('=', "%3D"));
    let form = b.get(&moving).await;
    assert!(form.has("value=\"2027-03-01T09:00\"") && form.has("value=\"2027-03-01T10:00\"") && form.has("mailto:li@example.edu"), "{}", form.body);
    let before = mails(&pool).await;
    let room_id = room["id"].to_string();
    let into_next = [("csrf", csrf.as_str()), ("reserve_from", "2027-03-01T09:00"), ("reserve_to", "2027-03-01T10:30"), ("meetingroom", room_id.as_str())];
    let page = b.post(&moving, &into_next).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"reserve_from\">该会议室在这段时间已有其他预约（2027-03-01 10:00 至 2027-03-01 11:00）"), "{}", page.body);
    assert_eq!(reservation(&pool, a).await, ("09:00".into(), "10:00".into(), "confirmed".into()), "room_taken changes nothing");
    let forged = [("csrf", "forged"), ("reserve_from", "2027-03-01T08:00"), ("reserve_to", "2027-03-01T09:30")];
    assert_eq!(b.post(&moving, &forged).await.status, StatusCode::FORBIDDEN);
    assert_eq!(reservation(&pool, a).await.0, "09:00");
    assert_eq!(mails(&pool).await, before, "nothing refused was mailed");

    let page = b.post(&moving, &[("csrf", csrf.as_str()), ("reserve_from", "2027-03-01T08:00"), ("reserve_to", "2027-03-01T09:30"), ("meetingroom", room_id.as_str())]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, back), "{}", page.body);
    assert_eq!(reservation(&pool, a).await, ("08:00".into(), "09:30".into(), "confirmed".into()));
    let planned = mails(&pool).await;
    assert_eq!(planned.len(), before.len() + 1, "{planned:?}");
    assert_eq!(planned.last().map(String::as_str), Some("reservation_changed li@example.edu"), "the owner is told, as PATCH tells them");
    assert!(b.get(back).await.has("已将预约"), "the flash on the query it came back to");

    let cancel = format!("/admin/console/reservations/{b_id}/cancel");
    let ask = b.post(&cancel, &[("csrf", &csrf)]).await;
    assert!(ask.status == StatusCode::OK && ask.has(&format!("确定要取消预约 #{b_id}")) && ask.has("name=\"confirmed\" value=\"1\""), "{}", ask.body);
    assert_eq!(reservation(&pool, b_id).await.2, "confirmed", "asking cancels nothing");
    assert_eq!(b.post(&cancel, &[("csrf", "forged"), ("confirmed", "1")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(reservation(&pool, b_id).await.2, "confirmed");
    let page = b.post(&cancel, &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/reservations"));
    assert_eq!(reservation(&pool, b_id).await.2, "cancelled");
    assert_eq!(mails(&pool).await.last().map(String::as_str), Some("reservation_cancelled li@example.edu"), "the owner is told");
    assert!(!b.get(query).await.has(&format!("reservation-{b_id}")), "a cancelled reservation is in nobody's way");
}

#[tokio::test]
async fn repairs_are_filtered_exported_and_a_status_change_mails_the_reporter() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    app.user_token("root", &[]).await;
    let staff = staff_with_email(&app).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;
    let categories = || scalar::<i64>(&pool, "SELECT count(*) FROM repair_categories");

    assert_eq!(b.post("/admin/console/repairs/categories", &[("csrf", "forged"), ("name", "水电")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(categories().await, 0);
    let page = b.post("/admin/console/repairs/categories", &[("csrf", &csrf), ("name", " ")]).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"name\">必填"), "{}", page.body);
    for name in ["水电", "网络"] {
        assert_eq!(b.post("/admin/console/repairs/categories", &[("csrf", &csrf), ("name", name)]).await.status, StatusCode::SEE_OTHER);
    }
    let page = b.post("/admin/console/repairs/categories", &[("csrf", &csrf), ("name", "水电")]).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"name\">已有同名分类"), "{}", page.body);
    assert_eq!(categories().await, 2);
    let water: i64 = scalar(&pool, "SELECT id FROM repair_categories WHERE name = '水电'").await;
    let net: i64 = scalar(&pool, "SELECT id FROM repair_categories WHERE name = '网络'").await;

    let recipients = "/admin/console/repairs/recipients";
    let page = b.get(recipients).await;
    assert!(page.has("未选择分类的邮箱接收所有类别") && page.has(&format!("name=\"categories\" value=\"{water}\"")), "{}", page.body);
    let page = b.post(recipients, &[("csrf", &csrf), ("email", "not-an-address"), ("categories", &water.to_string())]).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"email\">须为有效的电子邮件地址"), "{}", page.body);
    assert!(page.has(&format!("value=\"{water}\" checked")), "the checked box stays checked: {}", page.body);
    let page = b.post(recipients, &[("csrf", &csrf), ("email", "x@example.edu"), ("categories", "999999")]).await;
    assert!(page.has("data-field=\"categories\">包含不存在的分类"), "{}", page.body);
    assert_eq!(b.post(recipients, &[("csrf", &csrf), ("email", "water@example.edu"), ("categories", &water.to_string())]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.post(recipients, &[("csrf", &csrf), ("email", "all@example.edu")]).await.status, StatusCode::SEE_OTHER);
    let page = b.post(recipients, &[("csrf", &csrf), ("email", "ALL@example.edu")]).await;
    assert!(page.has("data-field=\"email\">该邮箱已在通知列表中"), "{}", page.body);
    let page = b.get(recipients).await;
    assert!(page.has("<td data-label=\"接收的类别\">水电</td>") && page.has("<td data-label=\"接收的类别\">所有类别</td>"), "{}", page.body);

    // The routing the page set up is the one a report follows.
    let (_, leak) = app.post("/repairs/", Some(&staff), json!({"location": "图书馆 301", "category": water, "description": "水管漏水"})).await;
    let (_, wifi) = app.post("/repairs/", Some(&staff), json!({"location": "行政楼 201", "category": net, "description": "无线网络连不上"})).await;
    let reported = mails(&pool).await;
    assert_eq!(reported.len(), 3, "the leak to both addresses, the network fault to the catch-all: {reported:?}");

    let list = b.get(&format!("/admin/console/repairs?category={water}")).await;
    assert!(list.has(&format!("id=\"repair-{}\"", leak["id"])) && !list.has(&format!("id=\"repair-{}\"", wifi["id"])), "{}", list.body);
    let today = yizhan_common::time::today();
    let tomorrow = today.succ_opt().expect("tomorrow");
    let list = b.get(&format!("/admin/console/repairs?from={today}&to={today}")).await;
    assert!(list.has(&format!("repair-{}", leak["id"])) && list.has(&format!("repair-{}", wifi["id"])), "{}", list.body);
    assert!(!b.get(&format!("/admin/console/repairs?from={tomorrow}")).await.has("id=\"repair-"), "filed today, not tomorrow");
    let csv_href = format!("/admin/console/repairs.csv?category={water}&from={today}");
    assert!(list.has("/admin/console/repairs.csv?from="), "the CSV link keeps the filters: {}", list.body);
    let csv = b.get(&csv_href).await;
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "a header and the one filtered report: {lines:?}");
    assert!(lines[0].starts_with("编号,报修时间") && lines[1].contains("图书馆 301,水电,水管漏水,") && lines[1].contains(",待处理,"), "{lines:?}");

    let detail = format!("/admin/console/repairs/{}", leak["id"]);
    let page = b.get(&detail).await;
    assert!(page.has("水管漏水") && page.has("mailto:li@example.edu") && page.has("<option value=\"pending\" selected>待处理"), "{}", page.body);
    let status = || scalar::<String>(&pool, "SELECT status FROM repairs ORDER BY id LIMIT 1");
    assert_eq!(b.post(&detail, &[("csrf", "forged"), ("status", "in_progress")]).await.status, StatusCode::FORBIDDEN);
    let page = b.post(&detail, &[("csrf", &csrf), ("status", "done")]).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"status\">须为待处理、处理中或已解决"), "{}", page.body);
    assert_eq!((status().await.as_str(), mails(&pool).await.len()), ("pending", 3), "refused changes change and mail nothing");

    let page = b.post(&detail, &[("csrf", &csrf), ("status", "in_progress")]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, detail.as_str()));
    assert_eq!(status().await, "in_progress");
    let planned = mails(&pool).await;
    assert_eq!(planned.last().map(String::as_str), Some("repair_status li@example.edu"), "the reporter is told, as PATCH tells them: {planned:?}");
    let jobs = enqueued::<SendEmail>(&pool).await;
    assert_eq!(jobs.len(), 4, "its send_email job is in the outbox");
    let page = b.get(&detail).await;
    assert!(page.has("改为“处理中”") && page.has("<dd id=\"status\">处理中</dd>"), "{}", page.body);
    b.post(&detail, &[("csrf", &csrf), ("status", "in_progress")]).await;
    assert_eq!(mails(&pool).await.len(), 4, "the same status again mails nothing");
    assert!(b.get("/admin/console/repairs?status=in_progress").await.has(&format!("repair-{}", leak["id"])));
    assert!(!b.get("/admin/console/repairs?status=pending").await.has(&format!("repair-{}\"", leak["id"])));

    let all_id: i64 = scalar(&pool, "SELECT id FROM repair_recipients WHERE email = 'all@example.edu'").await;
    let remove = format!("{recipients}/{all_id}/delete");
    let ask = b.post(&remove, &[("csrf", &csrf)]).await;
    assert!(ask.has("确定不再向 all@example.edu 发送报修通知吗"), "{}", ask.body);
    assert_eq!(scalar::<i64>(&pool, "SELECT count(*) FROM repair_recipients").await, 2, "asking removes nothing");
    assert_eq!(b.post(&remove, &[("csrf", &csrf), ("confirmed", "1")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(scalar::<i64>(&pool, "SELECT count(*) FROM repair_recipients").await, 1);
}

const MAX: u64 = 64 * 1024;

fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(len, b'x');
    bytes
}

#[tokio::test]
async fn a_guide_is_uploaded_through_the_multipart_form_and_downloads_as_the_same_bytes() {
    let pool = database().await;
    let bucket = MotoBucket::new().await;
    let mut cfg = config(&redis_url());
    cfg.storage = Some(bucket.config(MAX));
    let app = TestApp::with_config(pool.clone(), cfg);
    let admin = app.user_token("root", &[]).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let counts = || async { sqlx::query_as::<_, (i64, i64)>("SELECT (SELECT count(*) FROM guides), (SELECT count(*) FROM stored_files)").fetch_one(&pool).await.expect("counts") };

    let form = b.get("/admin/console/guides/new").await;
    assert!(form.has("enctype=\"multipart/form-data\"") && form.has("name=\"file\" type=\"file\""), "{}", form.body);
    let csrf = form.csrf();
    let at = form.body.find("name=\"csrf\"").expect("csrf");
    assert!(at < form.body.find("name=\"title\"").expect("title"), "the token is the form's first part");
    let file = pdf(3000);
    let upload = |token: &str| multipart(&[Part::Text("csrf", token), Part::Text("title", "研究生报销流程"), Part::Text("category", "财务"), Part::File("file", Some("报销/流程.pdf"), &file)]);

    let (content_type, body) = upload("forged");
    assert_eq!(b.post_raw("/admin/console/guides/new", &content_type, body).await.status, StatusCode::FORBIDDEN);
    let (content_type, body) = multipart(&[Part::Text("title", "t"), Part::Text("csrf", &csrf), Part::Text("category", "c"), Part::File("file", Some("a.pdf"), &file)]);
    assert_eq!(b.post_raw("/admin/console/guides/new", &content_type, body).await.status, StatusCode::FORBIDDEN, "the token must come first");
    assert_eq!(b.post("/admin/console/guides/new", &[("csrf", &csrf), ("title", "t")]).await.status, StatusCode::FORBIDDEN, "not a multipart form");
    assert_eq!((counts().await, bucket.keys().await.len()), ((0, 0), 0), "refused forms store nothing");

    let (content_type, body) = multipart(&[Part::Text("csrf", &csrf), Part::Text("title", "说明"), Part::Text("category", ""), Part::File("file", Some("a.txt"), b"just text")]);
    let page = b.post_raw("/admin/console/guides/new", &content_type, body).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"file\">须为 PDF、Word、Excel 或 PowerPoint 文档") && page.has("value=\"说明\""), "{}", page.body);
    let (content_type, body) = multipart(&[Part::Text("csrf", &csrf), Part::Text("title", "说明"), Part::Text("category", ""), Part::File("file", Some("a.pdf"), &file)]);
    let page = b.post_raw("/admin/console/guides/new", &content_type, body).await;
    assert!(page.status == StatusCode::UNPROCESSABLE_ENTITY && page.has("data-field=\"category\">必填"), "{}", page.body);
    assert_eq!((counts().await, bucket.keys().await.len()), ((0, 0), 0), "a refused file is deleted again");

    let (content_type, body) = upload(&csrf);
    let page = b.post_raw("/admin/console/guides/new", &content_type, body).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/guides"), "{}", page.body);
    assert_eq!((counts().await, bucket.keys().await.len()), ((1, 1), 1));
    let id: i64 = scalar(&pool, "SELECT id FROM guides").await;
    let list = b.get("/admin/console/guides?category=%E8%B4%A2%E5%8A%A1").await;
    assert!(list.has("已上传服务指南《研究生报销流程》（流程.pdf）") && list.has(&format!("href=\"/admin/console/guides/{id}/file\">流程.pdf")), "{}", list.body);
    assert!(list.has("财务（1）"), "the category choice counts its guides: {}", list.body);
    assert!(!b.get("/admin/console/guides?q=%E8%AF%B7%E5%81%87").await.has(&format!("guide-{id}")), "searching 请假 finds no 报销 guide");

    let download = b.get(&format!("/admin/console/guides/{id}/file")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, file, "the stored bytes come back");
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(download.headers[header::CONTENT_DISPOSITION].to_str().expect("ascii").contains("filename*=UTF-8''%E6%B5%81%E7%A8%8B.pdf"));
    let (status, _) = app.get(&format!("/guides/{id}"), Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "the JSON download serves the same guide");
    assert_eq!(b.get("/admin/console/guides/4242/file").await.status, StatusCode::NOT_FOUND);

    let remove = format!("/admin/console/guides/{id}/delete");
    let ask = b.post(&remove, &[("csrf", &csrf)]).await;
    assert!(ask.has("确定要删除服务指南《研究生报销流程》及其文件吗"), "{}", ask.body);
    assert_eq!(counts().await, (1, 1), "asking deletes nothing");
    assert_eq!(b.post(&remove, &[("csrf", &csrf), ("confirmed", "1")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!((counts().await, bucket.keys().await.len()), ((0, 0), 0), "the guide, its file row and its object are gone");
}

#[tokio::test]
async fn staff_neither_see_nor_open_the_college_sections() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let (status, _) = app.post("/admin/users", Some(&admin), json!({"username": "clerk", "password": "password-123", "roles": ["staff"]})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, room) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    let room = room["id"].to_string();

    let mut root = Browser::signed_in(&app, "root", "root-password").await;
    let home = root.get("/admin/console/").await;
    assert!(home.has("<span class=\"nav-group\">高校服务</span><a href=\"/admin/console/rooms\""), "the college group in the admin's navigation: {}", home.body);
    for href in ["/admin/console/reservations", "/admin/console/repairs", "/admin/console/guides"] {
        assert!(home.has(&format!("href=\"{href}\"")), "{href}");
    }

    let mut staff = Browser::signed_in(&app, "clerk", "password-123").await;
    let csrf = staff.session_csrf().await;
    let home = staff.get("/admin/console/").await;
    assert!(!home.has("高校服务") && !home.has("/admin/console/rooms") && !home.has("/admin/console/guides"), "{}", home.body);
    let pages = [
        "/admin/console/rooms".to_owned(),
        "/admin/console/rooms/new".to_owned(),
        format!("/admin/console/rooms/{room}"),
        "/admin/console/reservations?time_from=2027-03-01T09%3A00&time_to=2027-03-01T10%3A00".to_owned(),
        "/admin/console/repairs".to_owned(),
        "/admin/console/repairs.csv".to_owned(),
        "/admin/console/repairs/categories".to_owned(),
        "/admin/console/repairs/recipients".to_owned(),
        "/admin/console/guides".to_owned(),
        "/admin/console/guides/new".to_owned(),
    ];
    for path in &pages {
        assert_eq!(staff.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let page = staff.post("/admin/console/rooms/new", &[("csrf", &csrf), ("name", "302"), ("location", "行政楼"), ("capacity", "5")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post(&format!("/admin/console/rooms/{room}/archive"), &[("csrf", &csrf), ("confirmed", "1")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post("/admin/console/repairs/categories", &[("csrf", &csrf), ("name", "水电")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post("/admin/console/repairs/recipients", &[("csrf", &csrf), ("email", "x@example.edu")]).await.status, StatusCode::FORBIDDEN);
    let (content_type, body) = multipart(&[Part::Text("csrf", &csrf), Part::Text("title", "t"), Part::Text("category", "c"), Part::File("file", Some("a.pdf"), &pdf(100))]);
    assert_eq!(staff.post_raw("/admin/console/guides/new", &content_type, body).await.status, StatusCode::FORBIDDEN);
    let counts: (i64, bool, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM meeting_rooms), (SELECT bool_and(is_active) FROM meeting_rooms),
                (SELECT count(*) FROM repair_categories) + (SELECT count(*) FROM repair_recipients), (SELECT count(*) FROM guides)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!(counts, (1, true, 0, 0), "staff changed nothing");
}
