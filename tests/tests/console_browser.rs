//! The admin console in headless Chromium against the whole running system: sign in as the
//! admin, see the queues page, retry a dead job and watch it leave the dead list (the worker runs
//! it again and it succeeds); create a schedule, see its bookings, change its capacity (refused
//! below the places booked, then raised). Screenshots of the main pages go to `screenshots/` (git-ignored).

use std::path::PathBuf;
use std::time::Duration;

use yizhan_system_tests::browser::Browser;
use chrono::Utc;
use serde_json::json;
use redis::AsyncCommands;
use yizhan_common::jobs::kinds::{Probe, ProbeStep};
use yizhan_common::jobs::{Job, QueueName};
use yizhan_system_tests::system::System;

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../screenshots")
}

#[tokio::test]
async fn an_admin_signs_in_and_retries_a_dead_job_from_the_browser() {
    let sys = System::start().await;
    let stores = sys.stores().await;
    // Dies on its first run (a permanent failure), succeeds on the next.
    let probe = Probe { tag: "console-browser".into(), steps: vec![ProbeStep::Permanent] };
    stores.queue.push(&[probe.envelope("browser-dead-job", Utc::now()).expect("encode")]).await.expect("push");
    sys.eventually("the probe dead", Duration::from_secs(20), || async {
        let stats = stores.queue.stats(QueueName::Default).await.ok()?;
        (stats.dead == 1).then_some(())
    })
    .await;

    let b = Browser::start(1280, 900).await;
    let dir = screenshots();
    b.goto(&format!("{}/admin/", sys.api)).await;
    assert!(b.url().await.contains("/admin/console/login"), "{}", b.url().await);
    b.screenshot(&dir, "01-login").await;
    b.type_into("input[name=username]", "admin").await;
    b.type_into("input[name=password]", "wrong-password").await;
    b.click("button[type=submit]").await;
    b.wait_for_text("用户名或密码错误", Duration::from_secs(10)).await;
    b.type_into("input[name=password]", "admin-password").await;
    b.click("button[type=submit]").await;
    b.wait_for_text("你好", Duration::from_secs(10)).await;
    assert!(b.url().await.ends_with("/admin/console/"), "{}", b.url().await);
    b.screenshot(&dir, "02-home").await;

    b.click("nav.nav a[href='/admin/console/queues']").await;
    b.wait_for_text("最久待处理", Duration::from_secs(10)).await;
    assert_eq!(b.text("a.bad[href='/admin/console/queues/default']").await, "1");
    b.screenshot(&dir, "03-queues").await;

    b.click("a.bad[href='/admin/console/queues/default']").await;
    b.wait_for_text("browser-dead-job", Duration::from_secs(10)).await;
    assert!(b.text("#job-browser-dead-job .error-text").await.contains("probe console-browser refused"));
    b.screenshot(&dir, "04-dead-jobs").await;
    b.click("#job-browser-dead-job button[type=submit]").await;
    b.wait_for_text("任务 browser-dead-job 已重新排队", Duration::from_secs(10)).await;
    assert_eq!(b.count("#job-browser-dead-job").await, 0, "the job left the dead list");
    b.screenshot(&dir, "05-retried").await;

    let done_key = format!("{}:{}", sys.env.get("REDIS_PREFIX"), Probe::done_key("console-browser"));
    let redis = yizhan_common::redis_conn::connect(&secrecy::SecretString::from(sys.env.get("REDIS_URL")), Default::default()).await.expect("redis");
    sys.eventually("the retried job done", Duration::from_secs(20), || {
        let mut redis = redis.clone();
        let key = done_key.clone();
        async move { (redis.get::<_, Option<u64>>(&key).await.ok()?? == 1).then_some(()) }
    })
    .await;

    b.click("nav.nav a[href='/admin/console/users']").await;
    b.wait_for_text("导出 CSV", Duration::from_secs(10)).await;
    b.screenshot(&dir, "06-users").await;
    b.click("a[href='/admin/console/users/new']").await;
    b.wait_for_text("新建用户", Duration::from_secs(10)).await;
    b.type_into("input[name=username]", "bad name!").await;
    b.type_into("input[name=password]", "short").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("只能包含字母", Duration::from_secs(10)).await;
    b.screenshot(&dir, "07-user-form-errors").await;

    b.resize(390, 844).await;
    b.goto(&format!("{}/admin/console/queues", sys.api)).await;
    b.wait_for_text("最久待处理", Duration::from_secs(10)).await;
    b.screenshot(&dir, "08-queues-phone").await;

    b.click("form.signout button").await;
    b.wait_for_text("登录", Duration::from_secs(10)).await;
    assert!(b.url().await.contains("/admin/console/login"));
}

/// The schedule `days` ahead, as the form takes it.
fn ahead(days: i64) -> String {
    (Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn an_admin_creates_a_schedule_sees_its_booking_and_makes_a_department_code() {
    let sys = System::start().await;
    let dir = screenshots();
    let b = Browser::start(1280, 900).await;
    b.goto(&format!("{}/admin/console/login", sys.api)).await;
    b.type_into("input[name=username]", "admin").await;
    b.type_into("input[name=password]", "admin-password").await;
    b.click("button[type=submit]").await;
    b.wait_for_text("你好", Duration::from_secs(10)).await;

    // A hospital and its department, through their forms.
    b.click("nav.nav a[href='/admin/console/hospitals']").await;
    b.wait_for_text("新建医院", Duration::from_secs(10)).await;
    b.type_into("#new-hospital input[name=name]", "北交大校医院").await;
    b.click("#new-hospital button[type=submit]").await;
    b.wait_for_text("已创建医院 北交大校医院", Duration::from_secs(10)).await;
    b.click("nav.nav a[href='/admin/console/departments']").await;
    b.wait_for_text("新建科室", Duration::from_secs(10)).await;
    b.click("#new-department select[name=hospitalId] option[value='1']").await;
    b.type_into("#new-department input[name=name]", "内科").await;
    b.click("#new-department button[type=submit]").await;
    b.wait_for_text("已创建科室 内科", Duration::from_secs(10)).await;

    // A schedule: first with a bad field (shown beside it, nothing saved), then right.
    b.goto(&format!("{}/admin/console/schedules/new", sys.api)).await;
    b.wait_for_text("号源数量", Duration::from_secs(10)).await;
    b.click("select[name=hospitalId] option[value='1']").await;
    b.click("select[name=departmentId] option[value='1']").await;
    b.type_into("input[name=date]", "2026-13-40").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("须为日期", Duration::from_secs(10)).await;
    b.screenshot(&dir, "09-schedule-form-errors").await;
    b.goto(&format!("{}/admin/console/schedules/new", sys.api)).await;
    b.wait_for_text("号源数量", Duration::from_secs(10)).await;
    b.click("select[name=hospitalId] option[value='1']").await;
    b.click("select[name=departmentId] option[value='1']").await;
    b.type_into("input[name=date]", &ahead(7)).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("已创建号源", Duration::from_secs(10)).await;
    assert_eq!(b.text("#remaining").await, "20");
    let schedule_page = b.url().await;
    let schedule: i64 = schedule_page.rsplit('/').next().and_then(|id| id.parse().ok()).expect("schedule id in the URL");

    // A patient books it through the JSON API; the booking shows on the schedule's page.
    let admin = sys.login("admin", "admin-password").await;
    let patient = sys.user(&admin, "zhang", &["patient"]).await;
    let (status, p) = sys.post("/patient/patients", Some(&patient), json!({"name": "张三", "phone": "13812345678"})).await;
    assert_eq!(status, 201, "{p}");
    let (status, booked) = sys.post("/patient/appointments", Some(&patient), json!({"scheduleId": schedule, "patientId": p["id"]})).await;
    assert_eq!(status, 200, "{booked}");
    b.goto(&schedule_page).await;
    b.wait_for_text(booked["orderNo"].as_str().expect("order"), Duration::from_secs(10)).await;
    assert!(b.text("#appointments").await.contains("张三"));
    assert_eq!(b.text("#remaining").await, "19");
    b.screenshot(&dir, "10-schedule-appointments").await;

    // A second booking, then the capacity changed from the schedule's form: refused below the two
    // places booked (shown beside the field, nothing saved), then raised.
    let (status, p2) = sys.post("/patient/patients", Some(&patient), json!({"name": "李四", "phone": "13912345678"})).await;
    assert_eq!(status, 201, "{p2}");
    let (status, second) = sys.post("/patient/appointments", Some(&patient), json!({"scheduleId": schedule, "patientId": p2["id"]})).await;
    assert_eq!(status, 200, "{second}");
    b.goto(&schedule_page).await;
    b.wait_for_text(second["orderNo"].as_str().expect("order"), Duration::from_secs(10)).await;
    b.click("#edit-schedule").await;
    b.wait_for_text("号源数量不能少于已预约数", Duration::from_secs(10)).await;
    assert_eq!(b.text("#booked-note strong").await, "2");
    b.clear("input[name=capacity]").await;
    b.type_into("input[name=capacity]", "1").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("不能少于已预约的 2 个号源", Duration::from_secs(10)).await;
    b.execute("document.querySelector('[data-field=capacity]').scrollIntoView({block: 'center'}); return true;").await;
    b.screenshot(&dir, "18-schedule-edit-refused").await;
    b.goto(&schedule_page).await;
    b.wait_for_text("修改号源", Duration::from_secs(10)).await;
    assert_eq!(b.text("#remaining").await, "18", "the refused change saved nothing");
    b.click("#edit-schedule").await;
    b.wait_for_text("号源数量不能少于已预约数", Duration::from_secs(10)).await;
    b.clear("input[name=capacity]").await;
    b.type_into("input[name=capacity]", "25").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("已保存号源", Duration::from_secs(10)).await;
    assert_eq!(b.text("#remaining").await, "23");
    b.screenshot(&dir, "19-schedule-edited").await;
    b.click("nav.nav a[href='/admin/console/schedules']").await;
    b.wait_for_text("导出 CSV", Duration::from_secs(10)).await;
    b.screenshot(&dir, "11-schedules").await;

    // The department's QR code: created by the worker's job (against the simulator), then shown.
    b.click("nav.nav a[href='/admin/console/qrcodes']").await;
    b.wait_for_text("为科室生成二维码", Duration::from_secs(10)).await;
    b.click("#new-qrcode select[name=departmentId] option[value='1']").await;
    b.click("#new-qrcode button[type=submit]").await;
    b.wait_for_text("id=\"qr-image\"", Duration::from_secs(20)).await;
    let loaded = b.execute("const img = document.getElementById('qr-image'); return img.complete && img.naturalWidth > 0;").await;
    assert_eq!(loaded, json!(true), "the image loads under the console's CSP");
    b.screenshot(&dir, "12-qrcode").await;
    b.click("a[href='/admin/console/qrcodes/1/print']").await;
    b.wait_for_text("微信扫码关注", Duration::from_secs(10)).await;
    b.screenshot(&dir, "13-qrcode-print").await;
    assert_eq!(sys.sim_get("/_sim/stats").await["calls"]["qrcode_create"], 1);

    // A keyword reply, deleted after the confirmation dialog.
    b.goto(&format!("{}/admin/console/keywords/new", sys.api)).await;
    b.wait_for_text("回复文字", Duration::from_secs(10)).await;
    b.type_into("input[name=pattern]", "挂号").await;
    b.type_into("textarea[name=replyText]", "请在小程序“预约挂号”中挂号").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("已创建关键词规则", Duration::from_secs(10)).await;
    b.screenshot(&dir, "14-keywords").await;

    // A meeting room in the college group (seed 002), through its form.
    b.click("nav.nav a[href='/admin/console/rooms']").await;
    b.wait_for_text("新建会议室", Duration::from_secs(10)).await;
    b.click("a[href='/admin/console/rooms/new']").await;
    b.wait_for_text("容纳人数", Duration::from_secs(10)).await;
    b.type_into("input[name=name]", "301").await;
    b.type_into("input[name=location]", "行政楼").await;
    b.type_into("textarea[name=labels]", "投影, 白板").await;
    b.type_into("input[name=capacity]", "12").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("已创建会议室“301”（行政楼）", Duration::from_secs(10)).await;
    assert!(b.text("#room-1").await.contains("投影、白板"));
    b.screenshot(&dir, "17-rooms").await;

    for (path, text, shot) in [("sends", "全部模板", "15-sends"), ("facts", "主调度器", "16-facts")] {
        b.goto(&format!("{}/admin/console/{path}", sys.api)).await;
        b.wait_for_text(text, Duration::from_secs(10)).await;
        b.screenshot(&dir, shot).await;
    }
    assert!(b.text("#tokens").await.contains("wxsimmp"), "the token state of each configured appid");
}

/// Seed 004's H5 pages in a phone-sized Chromium: a WeChat user comes back from web OAuth signed
/// in (the round trip's redirect to WeChat is done here over HTTP: the browser cannot reach
/// open.weixin.qq.com), binds with the counselor's code, opens a notice with a vote and an
/// attachment (read), votes and confirms; a counselor made from a WeChat account composes a notice
/// to their class and sees its statistics.
#[tokio::test]
async fn the_h5_pages_bind_read_vote_confirm_and_compose() {
    let storage = std::env::temp_dir().join(format!("yizhan-h5-browser-{}", std::process::id()));
    let storage_url = format!("file://{}", storage.display());
    let sys = System::start_with(&[("NOTICE_H5_BASE_URL", "http://h5.school.test"), ("NOTICE_TEMPLATE", "模板ID5"), ("STORAGE_URL", &storage_url)]).await;
    let admin = sys.login("admin", "admin-password").await;
    let (_, cat) = sys.post("/school/notice-categories", Some(&admin), json!({"name": "奖助学金"})).await;

    // A WeChat user signed in through the OAuth return; the session cookie's value.
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let oauth = |nickname: &'static str| {
        let (sys, http) = (&sys, &no_redirects);
        async move {
            let res = http.get(format!("{}/h5/school/bind", sys.api)).send().await.expect("h5");
            assert!(res.status().is_redirection(), "{}", res.status());
            let cookie_of = |res: &reqwest::Response, name: &str| {
                res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap_or_default().to_owned()))
            };
            let nonce = cookie_of(&res, "yz_h5_state").expect("state");
            let user = sys.sim_post("/_sim/users", json!({"appid": "wxsimmp", "nickname": nickname})).await;
            let back = format!("{}/h5/school/oauth?code={}&state={nonce}&next=%2Fh5%2Fschool%2Fbind", sys.api, user["code"].as_str().expect("code"));
            let res = http.get(back).header("cookie", format!("yz_h5_state={nonce}")).send().await.expect("oauth");
            assert!(res.status().is_redirection(), "{}", res.status());
            (cookie_of(&res, "yz_h5").expect("session"), user["openid"].as_str().expect("openid").to_owned())
        }
    };

    // 王老师: a WeChat account an admin made a counselor looking after 计科2401.
    let (wang_cookie, wang_openid) = oauth("王老师").await;
    let stores = sys.stores().await;
    let wang_id: i64 = sqlx::query_scalar("SELECT user_id FROM wechat_identities WHERE openid = $1").bind(&wang_openid).fetch_one(&stores.pool).await.expect("user");
    let (status, _) = sys.call(reqwest::Method::PATCH, &format!("/admin/users/{wang_id}"), Some(&admin), Some(json!({"roles": ["counselor"]}))).await;
    assert_eq!(status, 200);
    let (_, c) = sys.post("/school/counselors", Some(&admin), json!({"name": "王老师", "userId": wang_id})).await;
    let (_, k) = sys.post("/school/classes", Some(&admin), json!({"name": "计科2401", "grade": "2024", "major": "计算机", "counselorId": c["id"]})).await;
    let (_, s) = sys.post("/school/students", Some(&admin), json!({"studentNo": "2024001", "name": "张三", "classId": k["id"]})).await;
    let (_, code) = sys.post(&format!("/school/students/{}/bind-code", s["id"]), Some(&admin), json!({})).await;

    let b = Browser::start(390, 844).await;
    let dir = screenshots();
    let (zhang_cookie, _) = oauth("张三").await;
    b.goto(&format!("{}/admin/console/static/h5.css", sys.api)).await;
    b.add_cookie("yz_h5", &zhang_cookie, "/h5").await;
    b.goto(&format!("{}/h5/school/bind", sys.api)).await;
    b.wait_for_text("绑定学号", Duration::from_secs(10)).await;
    b.type_into("input[name=studentNo]", "2024001").await;
    b.type_into("input[name=code]", code["code"].as_str().expect("code")).await;
    b.screenshot(&dir, "h5-01-bind").await;
    b.click("button[type=submit]").await;
    b.wait_for_text("已绑定：张三（2024001，计科2401）", Duration::from_secs(10)).await;

    // A notice with a vote, an attachment and a confirmation, sent through the JSON API.
    let pdf = sys.http.post(format!("{}/api/files", sys.api)).bearer_auth(&admin).header("content-type", "application/pdf").body("%PDF-1.4\n% 申请表\n%%EOF\n").send().await.expect("upload");
    assert_eq!(pdf.status(), 201);
    let file: serde_json::Value = pdf.json().await.expect("file");
    let deadline = (Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (status, n) = sys.post("/school/notices", Some(&admin), json!({"title": "奖学金评定", "body": "<p>请于<b>周五</b>前确认并投票。</p><ul><li>材料见附件</li></ul>",
        "categoryId": cat["id"], "urgency": "important", "requireConfirm": true, "audience": {"kind": "classes", "classIds": [k["id"]]},
        "vote": {"options": ["参加答辩", "不参加"], "deadline": deadline}, "attachments": [{"fileId": file["id"], "name": "申请表.pdf"}]})).await;
    assert_eq!(status, 201, "{n}");
    b.goto(&format!("{}/h5/school/notices/{}", sys.api, n["id"])).await;
    b.wait_for_text("奖学金评定", Duration::from_secs(10)).await;
    assert_eq!(b.text("ul.files a").await, "申请表.pdf");
    b.screenshot(&dir, "h5-02-notice").await;
    b.click("input[name=choice][value='0']").await;
    b.click("form.vote button[type=submit]").await;
    b.wait_for_text("投票已记录", Duration::from_secs(10)).await;
    b.click("#confirm").await;
    b.wait_for_text("已确认收到", Duration::from_secs(10)).await;
    b.screenshot(&dir, "h5-03-voted-confirmed").await;
    b.goto(&format!("{}/h5/school/settings", sys.api)).await;
    b.wait_for_text("关注的通知分类", Duration::from_secs(10)).await;

    // 王老师 composes from WeChat and sees the statistics.
    b.add_cookie("yz_h5", &wang_cookie, "/h5").await;
    b.goto(&format!("{}/h5/school/compose", sys.api)).await;
    b.wait_for_text("发给班级", Duration::from_secs(10)).await;
    b.type_into("input[name=title]", "明天停课").await;
    b.type_into("textarea[name=body]", "明天全天停课，后天照常。").await;
    b.click("input[name=class]").await;
    b.screenshot(&dir, "h5-04-compose").await;
    b.click("button[type=submit]").await;
    b.wait_for_text("收件人", Duration::from_secs(10)).await;
    assert_eq!(b.text("#recipients").await, "1");
    b.screenshot(&dir, "h5-05-sent").await;
    let _ = std::fs::remove_dir_all(&storage);
}
