//! Seed 004's delivery channels against the simulator, the jobs run in-process: class tags kept
//! in sync with bindings (tagged, then untagged on an unfollow); a large notice mass-sent by tag
//! as text or as news built from permanent material, `MASSSENDJOBFINISH` recorded and counted
//! (a redelivered event counted once); a recipient whose 48-hour window is open gets a
//! customer-service message, one without a template message, and one WeChat refuses with 45015
//! gets the template instead, once.

mod support;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::callbacks::{event, plain_codec, pushed, text};
use support::school::{admin, bound_student, class, counselor, student};
use support::visitors::Visits;
use yizhan_common::jobs::kinds::{SendCustomMessage, SendNoticeMass, SyncNoticeTags};
use yizhan_common::outbox::Enqueue;

const TEMPLATE: &str = "模板ID5";
const PAGE: &str = "https://h5.school.test/notices/{id}";

async fn start(tweak: impl FnOnce(&mut yizhan_common::notices::NoticesConfig)) -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some(TEMPLATE.into());
        cfg.notices.page_url = Some(PAGE.into());
        tweak(&mut cfg.notices);
    })
    .await
}

/// What the simulator delivered to `openid` through `api` (`template`, `custom`, `mass`).
async fn got(v: &Visits, openid: &str, api: &str) -> Vec<Value> {
    v.sim.messages_to(openid).await.into_iter().filter(|m| m["api"] == api).collect()
}

async fn stats(v: &Visits, token: &str, id: i64) -> Value {
    let (status, s) = v.app.get(&format!("/school/notices/{id}/stats"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s
}

async fn scalar(v: &Visits, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(&v.app.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A class of `wang`'s with three bound students and one who never binds: (admin, wang, class,
/// openids, the students' tokens).
async fn class_of_three(v: &Visits) -> (String, String, i64, Vec<String>, Vec<String>) {
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let (mut openids, mut tokens) = (Vec::new(), Vec::new());
    for (no, name) in [("2024001", "张三"), ("2024002", "李四"), ("2024003", "王五")] {
        let (token, openid, _) = bound_student(v, &wang, no, name, a).await;
        openids.push(openid);
        tokens.push(token);
    }
    student(app, &wang, "2024004", "赵六", a, None).await;
    (root, wang, a, openids, tokens)
}

async fn category(v: &Visits, root: &str) -> Value {
    let (status, c) = v.app.post("/school/notice-categories", Some(root), json!({"name": "教务"})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].clone()
}

#[tokio::test]
async fn a_large_notice_goes_by_mass_send_per_tag_and_its_finish_is_counted_once() {
    let v = start(|n| n.mass_min_recipients = Some(3)).await;
    let app = &v.app;
    let (root, wang, a, openids, _) = class_of_three(&v).await;
    let cat = category(&v, &root).await;

    // Binding asked for a tag sync: the class has a WeChat tag carrying the three bound openids.
    app.run_pending_jobs().await;
    let tag = scalar(&v, "SELECT id FROM notice_tags WHERE class_id = $1 AND wechat_tag_id IS NOT NULL", a).await;
    assert_eq!(scalar(&v, "SELECT count(*) FROM notice_tag_members WHERE tag_id = $1", tag).await, 3, "tagged in WeChat's batches");

    // Four recipients, three reachable: at the threshold, one mass send to the class's tag.
    let body = json!({"title": "期末考试安排", "body": "下周一开始", "categoryId": cat, "audience": {"kind": "classes", "classIds": [a]}});
    let (status, n) = app.post("/school/notices", Some(&wang), body).await;
    assert_eq!((status, n["recipients"].as_i64()), (StatusCode::CREATED, Some(4)), "{n}");
    let id = n["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    for openid in &openids {
        let mass = got(&v, openid, "mass").await;
        assert_eq!(mass.len(), 1, "one mass message each: {mass:?}");
        assert_eq!(mass[0]["data"]["msgtype"], "text");
        assert!(mass[0]["data"]["text"]["content"].as_str().unwrap_or_default().contains("期末考试安排"), "{mass:?}");
        assert!(got(&v, openid, "template").await.is_empty(), "reached by the mass send, not again by template");
    }
    let s = stats(&v, &wang, id).await;
    assert_eq!(s["channels"], json!({"template": 0, "custom": 0, "mass": 3}), "{s}");
    assert_eq!(s["progress"], json!({"planned": 3, "sent": 3, "failed": 0, "pending": 0}), "{s}");
    assert_eq!((s["massSends"][0]["status"].as_str(), s["massSends"][0]["sentCount"].clone()), (Some("sent"), Value::Null), "{s}");

    // WeChat's MASSSENDJOBFINISH, delivered and then redelivered: recorded once.
    let events = v.sim.get("/_sim/events?event=MASSSENDJOBFINISH").await;
    let finish = events["events"].as_array().and_then(|e| e.last()).cloned().expect("a MASSSENDJOBFINISH");
    pushed(app, &finish).await;
    pushed(app, &finish).await;
    let s = stats(&v, &wang, id).await;
    let m = &s["massSends"][0];
    assert_eq!((m["recipients"].as_i64(), m["totalCount"].as_i64(), m["filterCount"].as_i64(), m["sentCount"].as_i64(), m["errorCount"].as_i64()),
        (Some(3), Some(3), Some(3), Some(3), Some(0)), "{s}");
    assert!(m["finishedAt"].is_string(), "{s}");

    // An unfollow untags the student (the next mass send does not reach them).
    event(app, &openids[0], "unsubscribe", None).await;
    app.run_pending_jobs().await;
    assert_eq!(scalar(&v, "SELECT count(*) FROM notice_tag_members WHERE tag_id = $1", tag).await, 2, "untagged");
    let calls = v.sim.get("/_sim/stats").await;
    assert!(calls["calls"]["tags"].as_u64().unwrap_or(0) >= 3, "create, tag, untag: {calls}");
}

#[tokio::test]
async fn a_news_mass_send_uploads_its_cover_and_article_as_permanent_material_first() {
    let dir = std::env::temp_dir().join(format!("yizhan-cover-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cover = dir.join("cover.png");
    std::fs::write(&cover, b"\x89PNG\r\n\x1a\n-a-cover-image-").expect("cover");
    let v = start(|n| {
        n.mass_min_recipients = Some(2);
        n.mass_news = true;
        n.mass_cover = Some(cover.to_string_lossy().into_owned());
    })
    .await;
    let (root, wang, _, openids, _) = class_of_three(&v).await;
    let cat = category(&v, &root).await;
    v.app.run_pending_jobs().await;
    let body = json!({"title": "奖学金评定", "body": "第一段\n第二段 <b>", "categoryId": cat, "urgency": "important", "audience": {"kind": "everyone"}});
    let (status, n) = v.app.post("/school/notices", Some(&wang), body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    v.app.run_pending_jobs().await;
    let mass = got(&v, &openids[1], "mass").await;
    assert_eq!(mass.len(), 1, "{mass:?}");
    assert_eq!(mass[0]["data"]["msgtype"], "mpnews", "{mass:?}");
    assert!(mass[0]["data"]["mpnews"]["media_id"].as_str().unwrap_or_default().starts_with("sim_news_"), "a news material the simulator took: {mass:?}");
    let row: (Option<String>, Option<String>, String) = sqlx::query_as("SELECT thumb_media_id, news_media_id, status FROM notice_mass_sends WHERE notice_id = $1")
        .bind(n["id"].as_i64())
        .fetch_one(&v.app.pool)
        .await
        .expect("mass row");
    assert!(row.0.as_deref().is_some_and(|t| t.starts_with("sim_img_")) && row.1.is_some() && row.2 == "sent", "{row:?}");
    let calls = v.sim.get("/_sim/stats").await;
    assert_eq!((calls["calls"]["material_add"].as_u64(), calls["calls"]["material_add_news"].as_u64()), (Some(1), Some(1)), "{calls}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_open_window_gets_a_customer_service_message_a_closed_one_a_template_and_45015_falls_back_once() {
    let v = start(|_| {}).await;
    let app = &v.app;
    let (root, wang, a, openids, tokens) = class_of_three(&v).await;
    let cat = category(&v, &root).await;
    let (open, closed, stale) = (&openids[0], &openids[1], &openids[2]);
    // 张三 writes to the account (WeChat opens the window); 李四's last interaction is 49 hours
    // old; 王五 followed (our record says open) but WeChat thinks the window closed (45015).
    text(app, open, "你好").await;
    v.sim.post("/_sim/users", json!({"appid": "wxsimmp", "openid": open, "interacted": true})).await;
    sqlx::query("UPDATE wechat_interactions SET last_at = now() - interval '49 hours' WHERE openid = $1").bind(closed).execute(&app.pool).await.expect("age");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM wechat_interactions ORDER BY openid").fetch_all(&app.pool).await.expect("kinds");
    assert!(kinds.contains(&"text".to_owned()) && kinds.contains(&"subscribe".to_owned()), "{kinds:?}");

    // 张三 and 李四 are in 班委: the statistics count them per group, as the group was.
    let (status, g) = app.post("/school/groups", Some(&wang), json!({"name": "班委", "kind": "班干部"})).await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    let group = g["id"].as_i64().expect("group");
    for no in ["2024001", "2024002"] {
        let sid: i64 = sqlx::query_scalar("SELECT id FROM students WHERE student_no = $1").bind(no).fetch_one(&app.pool).await.expect("student");
        let (status, m) = app.send(axum::http::Method::PUT, &format!("/school/groups/{group}/members/{sid}"), Some(&wang), Some(json!({"role": "班长"}))).await;
        assert_eq!(status, StatusCode::OK, "{m}");
    }
    let body = json!({"title": "选课提醒", "body": "周三截止", "categoryId": cat, "audience": {"kind": "classes", "classIds": [a]}});
    let (status, n) = app.post("/school/notices", Some(&wang), body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let id = n["id"].as_i64().expect("id");
    app.run_pending_jobs().await;

    let cs = got(&v, open, "custom").await;
    assert_eq!(cs.len(), 1, "{cs:?}");
    let content = cs[0]["data"]["text"]["content"].as_str().unwrap_or_default();
    assert!(content.contains("选课提醒") && content.contains(&PAGE.replace("{id}", &id.to_string())), "text with the link: {content}");
    assert!(got(&v, open, "template").await.is_empty());
    assert_eq!((got(&v, closed, "custom").await.len(), got(&v, closed, "template").await.len()), (0, 1), "a closed window: a template");
    assert_eq!((got(&v, stale, "custom").await.len(), got(&v, stale, "template").await.len()), (0, 1), "45015: the template instead");
    let s = stats(&v, &wang, id).await;
    assert_eq!(s["channels"], json!({"template": 2, "custom": 1, "mass": 0}), "{s}");
    assert_eq!(s["progress"], json!({"planned": 3, "sent": 3, "failed": 0, "pending": 0}), "{s}");
    let (status, _) = app.send(axum::http::Method::PATCH, &format!("/school/groups/{group}"), Some(&wang), Some(json!({"name": "班委会"}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = app.get(&format!("/school/notices/{id}/page"), Some(&tokens[0])).await;
    assert!(page["readAt"].is_string(), "{page}");
    let s = stats(&v, &wang, id).await;
    assert_eq!(s["groups"], json!([{"groupName": "班委", "recipients": 2, "read": 1, "confirmed": 0}]), "per group, frozen when sent: {s}");

    // The same jobs delivered again (a redelivery after a lost acknowledgement): nothing is sent twice.
    let sends: Vec<i64> = sqlx::query_scalar("SELECT id FROM custom_sends ORDER BY id").fetch_all(&app.pool).await.expect("sends");
    assert_eq!(sends.len(), 2, "the open window and the stale one");
    let mut tx = app.pool.begin().await.expect("tx");
    let mut again = Vec::new();
    for send_id in &sends {
        again.extend(SendCustomMessage { send_id: *send_id }.enqueue(&mut tx).await.expect("enqueue"));
    }
    tx.commit().await.expect("commit");
    app.state.pusher.hand_off(again);
    app.run_pending_jobs().await;
    assert_eq!((got(&v, open, "custom").await.len(), got(&v, stale, "template").await.len()), (1, 1), "claimed rows are not sent again");
    let fallback: (String, Option<i64>) = sqlx::query_as("SELECT status, fallback_send_id FROM custom_sends WHERE openid = $1").bind(stale).fetch_one(&app.pool).await.expect("row");
    assert_eq!(fallback.0, "fallback");
    assert!(fallback.1.is_some());
}

/// The simulator's tags: id → name.
async fn sim_tags(v: &Visits) -> std::collections::BTreeMap<u64, String> {
    let tags = v.sim.get("/_sim/tags").await;
    tags["tags"].as_array().into_iter().flatten().map(|t| (t["id"].as_u64().unwrap_or_default(), t["name"].as_str().unwrap_or_default().to_owned())).collect()
}

#[tokio::test]
async fn a_renamed_class_or_group_renames_its_wechat_tag_once() {
    let v = start(|_| {}).await;
    let app = &v.app;
    let (root, wang, a, _, _) = class_of_three(&v).await;
    let (status, g) = app.post("/school/groups", Some(&wang), json!({"name": "班委", "kind": "班干部"})).await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    let group = g["id"].as_i64().expect("group");
    let sid = scalar(&v, "SELECT id FROM students WHERE class_id = $1 ORDER BY id LIMIT 1", a).await;
    app.send(axum::http::Method::PUT, &format!("/school/groups/{group}/members/{sid}"), Some(&wang), Some(json!({"role": "班长"}))).await;
    app.run_pending_jobs().await;
    let before = sim_tags(&v).await;
    let class_tag = *before.iter().find(|(_, n)| **n == format!("c{a} 计科2401")).expect("the class's tag").0;
    let group_tag = *before.iter().find(|(_, n)| **n == format!("g{group} 班委")).expect("the group's tag").0;

    // An admin renames the class, its counselor the group (to more than WeChat's 30 characters).
    let counselor_id = scalar(&v, "SELECT counselor_id FROM school_classes WHERE id = $1", a).await;
    let body = json!({"name": "计科2401（实验班）", "grade": "2024", "major": "计算机", "counselorId": counselor_id});
    let (status, c) = app.send(axum::http::Method::PATCH, &format!("/school/classes/{a}"), Some(&root), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let long = "学生会文艺部与宣传部联合工作小组第二届全体成员（含候补成员与指导老师）";
    let (status, g) = app.send(axum::http::Method::PATCH, &format!("/school/groups/{group}"), Some(&wang), Some(json!({"name": long}))).await;
    assert_eq!(status, StatusCode::OK, "{g}");
    app.run_pending_jobs().await;
    let after = sim_tags(&v).await;
    assert_eq!(after.len(), before.len(), "renamed, no tag created: {after:?}");
    assert_eq!(after[&class_tag], format!("c{a} 计科2401（实验班）"));
    let cut: String = format!("g{group} {long}").chars().take(30).collect();
    assert_eq!(after[&group_tag], cut, "cut to WeChat's 30 characters");
    let calls = v.sim.get("/_sim/stats").await;
    assert_eq!(calls["calls"]["tags_update"].as_u64(), Some(2), "{calls}");
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM notice_tags ORDER BY id").fetch_all(&app.pool).await.expect("names");
    assert!(names.contains(&cut) && names.contains(&format!("c{a} 计科2401（实验班）")), "recorded: {names:?}");

    // Another run, and saving the class under the same name: nothing renamed again.
    let body = json!({"name": "计科2401（实验班）", "grade": "2025", "major": "计算机", "counselorId": counselor_id});
    assert_eq!(app.send(axum::http::Method::PATCH, &format!("/school/classes/{a}"), Some(&root), Some(body)).await.0, StatusCode::OK);
    let mut tx = app.pool.begin().await.expect("tx");
    let again: Vec<i64> = SyncNoticeTags {}.enqueue(&mut tx).await.expect("enqueue").into_iter().collect();
    tx.commit().await.expect("commit");
    app.state.pusher.hand_off(again);
    app.run_pending_jobs().await;
    let calls = v.sim.get("/_sim/stats").await;
    assert_eq!(calls["calls"]["tags_update"].as_u64(), Some(2), "renamed once: {calls}");
}

/// Uploads `bytes` through `POST /api/files` as `token` → the file's id.
async fn upload(v: &Visits, token: &str, content_type: &str, bytes: &[u8]) -> String {
    let req = axum::http::Request::post("/api/files")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(axum::body::Body::from(bytes.to_vec()))
        .expect("request");
    let (status, file) = v.app.raw(req).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    file["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn the_author_chooses_news_with_their_own_cover_for_one_notice_and_text_stays_the_default() {
    // Text by default and no cover configured.
    let v = start(|n| n.mass_min_recipients = Some(2)).await;
    let app = &v.app;
    let (root, wang, a, openids, _) = class_of_three(&v).await;
    let cat = category(&v, &root).await;
    app.run_pending_jobs().await;
    let cover_bytes = b"\x89PNG\r\n\x1a\n-the-authors-own-cover-";
    let cover = upload(&v, &wang, "image/png", cover_bytes).await;
    let pdf = upload(&v, &wang, "application/pdf", b"%PDF-1.4\n%%EOF\n").await;
    let others = upload(&v, &root, "image/png", cover_bytes).await;
    let notice = |mass: Value| json!({"title": "奖学金评定", "body": "第一段\n第二段", "categoryId": cat, "audience": {"kind": "classes", "classIds": [a]}, "mass": mass});

    // Refused with the reason under `mass.…`, nothing sent.
    for (mass, field) in [
        (json!({"format": "news"}), "mass.coverFileId"),
        (json!({"format": "news", "coverFileId": pdf}), "mass.coverFileId"),
        (json!({"format": "news", "coverFileId": others}), "mass.coverFileId"),
        (json!({"format": "text", "coverFileId": cover}), "mass.coverFileId"),
        (json!({"format": "video"}), "mass.format"),
    ] {
        let (status, e) = app.post("/school/notices", Some(&wang), notice(mass.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{mass}: {e}");
        assert!(e["error"]["fields"][field].is_string(), "{mass}: {e}");
    }
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM notices").fetch_one(&app.pool).await.expect("count");
    assert_eq!(written, 0, "nothing written");

    // News with the author's cover: read from storage and uploaded as permanent material, then the article.
    let (status, n) = app.post("/school/notices", Some(&wang), notice(json!({"format": "news", "coverFileId": cover}))).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    app.run_pending_jobs().await;
    let mass = got(&v, &openids[0], "mass").await;
    assert_eq!((mass.len(), mass[0]["data"]["msgtype"].as_str()), (1, Some("mpnews")), "{mass:?}");
    let row: (String, Option<String>, Value) = sqlx::query_as("SELECT format, thumb_media_id, article FROM notice_mass_sends WHERE notice_id = $1")
        .bind(n["id"].as_i64())
        .fetch_one(&app.pool)
        .await
        .expect("mass row");
    assert!(row.0 == "news" && row.1.as_deref().is_some_and(|t| t.starts_with("sim_img_")), "{row:?}");
    assert_eq!(row.2["coverName"], format!("{cover}.png"), "{row:?}");
    let calls = v.sim.get("/_sim/stats").await;
    assert_eq!((calls["calls"]["material_add"].as_u64(), calls["calls"]["material_add_news"].as_u64()), (Some(1), Some(1)), "{calls}");

    // The next notice says nothing: text, as configured; `text` chosen: text too.
    for mass in [Value::Null, json!({"format": "text"})] {
        let (status, n) = app.post("/school/notices", Some(&wang), notice(mass)).await;
        assert_eq!(status, StatusCode::CREATED, "{n}");
        app.run_pending_jobs().await;
        let format: String = sqlx::query_scalar("SELECT format FROM notice_mass_sends WHERE notice_id = $1").bind(n["id"].as_i64()).fetch_one(&app.pool).await.expect("row");
        assert_eq!(format, "text");
    }
    assert_eq!(got(&v, &openids[0], "mass").await.len(), 3);
}

/// Makes the database refuse to record a mass send as sent (`on`), as if the run died between
/// WeChat's answer and its record; `off` takes it away.
async fn refuse_recording(v: &Visits, on: bool) {
    let sql = if on {
        "CREATE OR REPLACE FUNCTION test_refuse_sent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected: the run died after the call'; END $$;
         CREATE TRIGGER test_refuse_sent BEFORE UPDATE ON notice_mass_sends FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION test_refuse_sent();"
    } else {
        "DROP TRIGGER test_refuse_sent ON notice_mass_sends;"
    };
    sqlx::raw_sql(sql).execute(&v.app.pool).await.expect("trigger");
}

/// Delivers mass send `id`'s job again (a redelivery) after its claim aged past the job's timeout
/// (and its first call by `called_hours_ago`, when given).
async fn redeliver(v: &Visits, id: i64, called_hours_ago: Option<i64>) {
    sqlx::query("UPDATE notice_mass_sends SET claimed_at = claimed_at - interval '121 seconds', called_at = called_at - make_interval(hours => $2) WHERE id = $1")
        .bind(id)
        .bind(called_hours_ago.unwrap_or(0) as i32)
        .execute(&v.app.pool)
        .await
        .expect("age");
    let mut tx = v.app.pool.begin().await.expect("tx");
    let again: Vec<i64> = SendNoticeMass { mass_id: id }.enqueue(&mut tx).await.expect("enqueue").into_iter().collect();
    tx.commit().await.expect("commit");
    v.app.state.pusher.hand_off(again);
    v.app.run_pending_jobs().await;
}

#[tokio::test]
async fn a_mass_send_made_before_its_run_died_is_never_made_again() {
    let v = start(|n| n.mass_min_recipients = Some(3)).await;
    let app = &v.app;
    let (root, wang, a, openids, _) = class_of_three(&v).await;
    let cat = category(&v, &root).await;
    app.run_pending_jobs().await;
    let notice = |title: &str| json!({"title": title, "body": "下周一开始", "categoryId": cat, "audience": {"kind": "classes", "classIds": [a]}});
    let v = &v;
    let row = |id: i64| async move {
        sqlx::query_as::<_, (String, Option<i64>, bool, Option<String>)>("SELECT status, msg_id, called_at IS NOT NULL, error FROM notice_mass_sends WHERE notice_id = $1")
            .bind(id)
            .fetch_one(&v.app.pool)
            .await
            .expect("mass row")
    };
    let mass_id = |id: i64| scalar(v, "SELECT id FROM notice_mass_sends WHERE notice_id = $1", id);
    let sendall = || async move { v.sim.get("/_sim/stats").await["calls"]["mass_sendall"].as_u64() };

    // WeChat takes the send; the run dies before recording it: the row stays claimed, the call marked.
    refuse_recording(v, true).await;
    let (status, n) = app.post("/school/notices", Some(&wang), notice("期末考试安排")).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let first = n["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    refuse_recording(v, false).await;
    assert_eq!(row(first).await, ("sending".to_owned(), None, true, None));
    assert_eq!(sendall().await, Some(1));

    // The redelivered job calls again under the same clientmsgid: WeChat refuses it (45065) naming
    // the earlier msg_id, which is recorded, so its MASSSENDJOBFINISH is counted.
    redeliver(v, mass_id(first).await, None).await;
    for openid in &openids {
        assert_eq!(got(v, openid, "mass").await.len(), 1, "sent once");
    }
    assert_eq!(sendall().await, Some(2));
    let events = v.sim.get("/_sim/events?event=MASSSENDJOBFINISH").await;
    let finish = events["events"].as_array().and_then(|e| e.last()).cloned().expect("a MASSSENDJOBFINISH");
    let (status, msg_id, _, _) = row(first).await;
    assert_eq!(status, "sent");
    assert_eq!(msg_id, finish["MsgID"].as_i64(), "the earlier send's msg_id: {finish}");
    pushed(app, &finish).await;
    assert_eq!(stats(v, &wang, first).await["massSends"][0]["sentCount"], 3);

    // Redelivered a day later, past WeChat's de-duplication: not called at all, the row fails.
    refuse_recording(v, true).await;
    let (_, n) = app.post("/school/notices", Some(&wang), notice("补考安排")).await;
    let second = n["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    refuse_recording(v, false).await;
    assert_eq!(sendall().await, Some(3));
    redeliver(v, mass_id(second).await, Some(25)).await;
    assert_eq!(sendall().await, Some(3), "not called again");
    let (status, _, _, error) = row(second).await;
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("24-hour"));
    assert_eq!(got(v, &openids[0], "mass").await.len(), 2, "each notice once");
}
