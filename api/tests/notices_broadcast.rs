//! Seed 004's daily broadcast (每日播报): a counselor schedules a digest for their classes (their
//! text, or the day's notices built at send time); the minute firing sends it once a day to the
//! students who opted in — a customer-service message inside the window, else the notice
//! template — even when two schedulers fire it and a later firing comes the same day; a student
//! who opted out gets nothing, and a message's job delivered again sends nothing more. The
//! student opts in and out on the H5 settings page.

mod support;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use support::assert_error;
use support::callbacks::plain_codec;
use support::h5;
use support::school::{bound_student, two_classes, TwoClasses};
use support::visitors::Visits;
use yizhan_common::jobs::kinds::{PlanDailyBroadcasts, SendCustomMessage};
use yizhan_common::outbox::Enqueue;

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
    })
    .await
}

/// The broadcast messages the simulator delivered to `openid` through `api`.
async fn broadcasts_to(v: &Visits, openid: &str, api: &str) -> Vec<Value> {
    v.sim.messages_to(openid).await.into_iter().filter(|m| m["api"] == api && m.to_string().contains("每日播报")).collect()
}

#[tokio::test]
async fn a_broadcast_goes_out_once_a_day_to_the_students_who_opted_in() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (zhang, zhang_oid, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (lisi, lisi_oid, _) = bound_student(&v, &wang, "2024002", "李四", a).await;
    let (wangwu, wangwu_oid, _) = bound_student(&v, &wang, "2024003", "王五", a).await;
    let (zhao, zhao_oid, _) = bound_student(&v, &li, "2024101", "赵六", b).await;

    // Opting in and out (never asked: out).
    assert_eq!(app.get("/school/broadcast-subscription", Some(&zhang)).await.1, json!({"subscribed": false}));
    for token in [&zhang, &lisi, &wangwu, &zhao] {
        let (status, s) = app.send(Method::PUT, "/school/broadcast-subscription", Some(token), Some(json!({"subscribed": true}))).await;
        assert_eq!((status, s), (StatusCode::OK, json!({"subscribed": true})));
    }
    app.send(Method::PUT, "/school/broadcast-subscription", Some(&wangwu), Some(json!({"subscribed": false}))).await;
    let (stranger, _) = v.sign_in("路人", None).await;
    assert_error_code(app.get("/school/broadcast-subscription", Some(&stranger)).await, StatusCode::CONFLICT, "not_bound");

    // Scheduling: bad input named, nothing written; only the caller's own classes.
    let now = Utc::now();
    let send_at = now.with_timezone(&chrono_tz::Asia::Shanghai).format("%H:%M").to_string();
    for (bad, field) in [
        (json!({"classIds": [b], "sendAt": send_at, "kind": "text", "body": "x"}), "classIds[0]"),
        (json!({"classIds": [], "sendAt": send_at, "kind": "text", "body": "x"}), "classIds"),
        (json!({"classIds": [a], "sendAt": "25:00", "kind": "text", "body": "x"}), "sendAt"),
        (json!({"classIds": [a], "sendAt": send_at, "kind": "weather"}), "kind"),
        (json!({"classIds": [a], "sendAt": send_at, "kind": "text", "body": " "}), "body"),
    ] {
        let (status, err) = app.post("/school/broadcasts", Some(&wang), bad.clone()).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{bad}: {err}");
    }
    let (status, text) = app.post("/school/broadcasts", Some(&wang), json!({"classIds": [a], "sendAt": send_at, "kind": "text", "body": "今天降温，注意添衣。"})).await;
    assert_eq!((status, &text["sendAt"], &text["lastDay"]), (StatusCode::CREATED, &json!(send_at), &Value::Null), "{text}");
    let (status, digest) = app.post("/school/broadcasts", Some(&wang), json!({"classIds": [a], "sendAt": send_at, "kind": "notices"})).await;
    assert_eq!(status, StatusCode::CREATED, "{digest}");
    assert_eq!(app.get("/school/broadcasts", Some(&li)).await.1, json!([]), "another counselor's are not listed");
    assert_eq!(app.send(Method::DELETE, &format!("/school/broadcasts/{}", text["id"]), Some(&li), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/school/broadcasts", Some(&root)).await.1.as_array().map(Vec::len), Some(2));
    // Changing one: only its owner (or an admin), checked like a new one, nothing half-written.
    let one = format!("/school/broadcasts/{}", text["id"]);
    assert_eq!(app.send(Method::PATCH, &one, Some(&li), Some(json!({"body": "别人的"}))).await.0, StatusCode::NOT_FOUND);
    let (status, err) = app.send(Method::PATCH, &one, Some(&wang), Some(json!({"body": "改了", "classIds": [a, b]}))).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, changed) = app.send(Method::PATCH, &one, Some(&wang), Some(json!({"body": "今天降温，注意添衣。", "sendAt": send_at}))).await;
    assert_eq!((status, &changed["body"], &changed["kind"]), (StatusCode::OK, &json!("今天降温，注意添衣。"), &json!("text")), "{changed}");

    // Today's notice for the digest; 张三 wrote to the account (his window is open), 李四 did
    // three days ago (the template).
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    let (status, n) = app.post("/school/notices", Some(&wang), json!({"title": "期末考试安排", "body": "见附件", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}})).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    app.run_pending_jobs().await;
    v.sim.post("/_sim/users", json!({"appid": "wxsimmp", "openid": zhang_oid, "interacted": true})).await;
    sqlx::query("UPDATE wechat_interactions SET last_at = now() - interval '3 days' WHERE openid = $1").bind(&lisi_oid).execute(&app.pool).await.expect("age");

    // Two schedulers fire the same minute, and the next minute fires too (the same day).
    let later = if (now + Duration::seconds(20)).with_timezone(&chrono_tz::Asia::Shanghai).date_naive() == now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive() {
        now + Duration::seconds(20)
    } else {
        now
    };
    let mut conn = app.pool.acquire().await.expect("conn");
    let mut pushed = Vec::new();
    for (key, at) in [("scheduler-1", now), ("scheduler-2", now), ("next-firing", later)] {
        pushed.extend(PlanDailyBroadcasts { at }.enqueue_keyed(&mut conn, format!("{key}:{at}")).await.expect("enqueue"));
    }
    drop(conn);
    app.state.pusher.hand_off(pushed);
    app.run_pending_jobs().await;
    app.run_pending_jobs().await;

    let custom = broadcasts_to(&v, &zhang_oid, "custom").await;
    assert_eq!(custom.len(), 2, "the text and the digest, once each: {custom:?}");
    assert!(custom.iter().any(|m| m.to_string().contains("今天降温")), "{custom:?}");
    assert!(custom.iter().any(|m| m.to_string().contains("今日通知 1 条") && m.to_string().contains("期末考试安排")), "{custom:?}");
    assert_eq!(broadcasts_to(&v, &zhang_oid, "template").await.len(), 0);
    assert_eq!(broadcasts_to(&v, &lisi_oid, "template").await.len(), 2, "outside the window: the template");
    assert_eq!(broadcasts_to(&v, &wangwu_oid, "template").await.len() + broadcasts_to(&v, &wangwu_oid, "custom").await.len(), 0, "opted out");
    assert_eq!(v.sim.messages_to(&zhao_oid).await.iter().filter(|m| m.to_string().contains("每日播报")).count(), 0, "another class");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_broadcast_runs").fetch_one(&app.pool).await.expect("runs");
    assert_eq!(runs, 2);
    let (_, listed) = app.get("/school/broadcasts", Some(&wang)).await;
    assert!(listed[0]["lastDay"].is_string(), "{listed}");

    // 张三's message job delivered again (a worker died after the send): it is not sent twice.
    let sends: Vec<i64> = sqlx::query_scalar("SELECT id FROM custom_sends WHERE idempotency_key LIKE 'broadcast:%' AND openid = $1").bind(&zhang_oid).fetch_all(&app.pool).await.expect("sends");
    assert_eq!(sends.len(), 2);
    let mut conn = app.pool.acquire().await.expect("conn");
    let mut again = Vec::new();
    for send_id in sends {
        again.extend(SendCustomMessage { send_id }.enqueue_keyed(&mut conn, format!("again:{send_id}")).await.expect("enqueue"));
    }
    drop(conn);
    app.state.pusher.hand_off(again);
    app.run_pending_jobs().await;
    assert_eq!(broadcasts_to(&v, &zhang_oid, "custom").await.len(), 2, "a redelivered job sent again");
}

#[tokio::test]
async fn a_student_opts_in_on_the_settings_page() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { wang, a, .. } = two_classes(app).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (status, html) = h5::get(app, &zhang, "/h5/school/settings").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("接收辅导员的每日播报") && !html.contains(r#"id="broadcast" checked"#), "{html}");
    let (status, html) = h5::post(app, &zhang, "/h5/school/settings", Some(&html), &[("broadcast", "1"), ("location", "1")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="saved""#) && html.contains(r#"id="broadcast" checked"#) && html.contains(r#"id="location" checked"#), "{html}");
    assert_eq!(app.get("/school/broadcast-subscription", Some(&zhang)).await.1, json!({"subscribed": true}));
    assert_eq!(app.get("/school/location-sharing", Some(&zhang)).await.1["share"], json!(true));
    // Unticked: out again; a forged form changes nothing; someone not bound is sent to bind.
    let (status, _) = h5::post(app, &zhang, "/h5/school/settings", None, &[("csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/school/broadcast-subscription", Some(&zhang)).await.1, json!({"subscribed": true}));
    let (_, html) = h5::get(app, &zhang, "/h5/school/settings").await;
    h5::post(app, &zhang, "/h5/school/settings", Some(&html), &[]).await;
    assert_eq!(app.get("/school/broadcast-subscription", Some(&zhang)).await.1, json!({"subscribed": false}));
    assert_eq!(app.get("/school/location-sharing", Some(&zhang)).await.1["share"], json!(false));
    let (stranger, _) = v.sign_in("路人", None).await;
    let (status, _, _) = h5::page(app, Method::GET, "/h5/school/settings", &h5::cookie(&stranger), &[]).await;
    assert!(status.is_redirection(), "{status}");
}

fn assert_error_code((status, body): (StatusCode, Value), want: StatusCode, code: &str) {
    assert_error(status, &body, want, code);
}
