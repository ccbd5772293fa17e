//! Seed 004's manual reply desk (客服): every message a follower sends is kept once (by MsgId) in
//! their conversation, which the counselor of their class (and admins) read in the inbox, newest
//! first, with the unread count and the window's end; answers of every kind go out through the
//! simulator's customer-service API, media uploaded as temporary material first, once even when
//! the job is delivered again; outside the 48-hour window the desk refuses (409 `window_closed`)
//! and writes nothing.

mod console_client;
mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use console_client::Browser;
use serde_json::{json, Value};
use support::assert_error;
use support::callbacks::{deliver, plain_codec};
use support::school::{bound_student, two_classes, TwoClasses};
use support::visitors::Visits;
use support::TestApp;
use yizhan_common::jobs::kinds::SendDeskAnswer;
use yizhan_common::outbox::Enqueue;

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
    })
    .await
}

/// Uploads `bytes` through `POST /api/files` → its id.
async fn upload(app: &TestApp, token: &str, content_type: &str, bytes: Vec<u8>) -> String {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/files")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .expect("request");
    let (status, file) = app.raw(req).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    file["id"].as_str().expect("id").to_owned()
}

fn sized(head: &[u8], len: usize) -> Vec<u8> {
    let mut v = head.to_vec();
    v.resize(len, 7);
    v
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
const MP3: &[u8] = b"ID3\x04\0\0\0\0\0\x21";

/// The follower's messages of every kind, the text one delivered again once Redis forgot it
/// (the callback's de-duplication lets it through: the desk keeps it once by itself).
async fn write_to_the_account(app: &TestApp, openid: &str, base: i64) {
    let messages = [
        format!("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[老师，请假条交给谁？]]></Content><MsgId>{base}</MsgId>"),
        format!("<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/1]]></PicUrl><MediaId><![CDATA[img-{base}]]></MediaId><MsgId>{}</MsgId>", base + 1),
        format!("<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[voice-{base}]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[请假]]></Recognition><MsgId>{}</MsgId>", base + 2),
        format!("<MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[video-{base}]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId><MsgId>{}</MsgId>", base + 3),
        format!("<MsgType><![CDATA[location]]></MsgType><Location_X>23.13</Location_X><Location_Y>113.26</Location_Y><Scale>15</Scale><Label><![CDATA[图书馆]]></Label><MsgId>{}</MsgId>", base + 4),
        format!("<MsgType><![CDATA[link]]></MsgType><Title><![CDATA[请假表]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[https://x.example/f]]></Url><MsgId>{}</MsgId>", base + 5),
        format!("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[老师，请假条交给谁？]]></Content><MsgId>{base}</MsgId>"),
    ];
    for (i, m) in messages.iter().enumerate() {
        if i == 6 {
            let mut redis = app.state.redis.get().await.expect("redis");
            let keys = app.state.redis_key("wechat:callback:*");
            yizhan_common::redis_scan::delete_matching(&mut redis, &keys).await.expect("forget");
        }
        deliver(app, openid, m, None).await;
    }
}

fn kinds(detail: &Value) -> Vec<String> {
    detail["messages"]["results"].as_array().expect("messages").iter().map(|m| m["type"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn a_followers_messages_reach_their_counselors_inbox_once_and_answers_of_every_kind_go_out() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (zhang, zhang_oid, zhang_id) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (_, zhao_oid, _) = bound_student(&v, &li, "2024101", "赵六", b).await;
    write_to_the_account(app, &zhang_oid, 7_100_000_000).await;
    write_to_the_account(app, &zhao_oid, 7_200_000_000).await;

    // 王老师 sees 张三's conversation only: six messages (the retry kept once), all unread.
    let (status, inbox) = app.get("/school/desk/conversations", Some(&wang)).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert_eq!((&inbox["count"], &inbox["unread"]), (&json!(1), &json!(6)), "{inbox}");
    let c = &inbox["results"][0];
    assert_eq!((&c["studentId"], &c["name"], &c["className"], &c["unread"]), (&json!(zhang_id), &json!("张三"), &json!("计科2401"), &json!(6)), "{c}");
    assert_eq!((&c["lastMessage"], &c["windowOpen"]), (&json!("[链接] 请假表"), &json!(true)), "{c}");
    assert!(c["windowOpenUntil"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{c}");
    let id = c["id"].as_i64().expect("conversation id");
    // An admin sees both, newest first; 李老师 and a student do not see 张三's.
    let (_, all) = app.get("/school/desk/conversations", Some(&root)).await;
    let names: Vec<&str> = all["results"].as_array().expect("results").iter().map(|c| c["name"].as_str().unwrap_or_default()).collect();
    assert_eq!((names, &all["unread"]), (vec!["赵六", "张三"], &json!(12)), "{all}");
    let one = format!("/school/desk/conversations/{id}");
    assert_eq!(app.get(&one, Some(&li)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&format!("{one}/answers"), Some(&li), json!({"type": "text", "content": "x"})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/school/desk/conversations", Some(&zhang)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&one, Some(&zhang)).await.0, StatusCode::FORBIDDEN);

    // Reading the conversation: newest first, paged; then nothing is unread.
    let (status, detail) = app.get(&format!("{one}?pageSize=4"), Some(&wang)).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!((&detail["unread"], &detail["messages"]["count"]), (&json!(6), &json!(6)), "{detail}");
    assert_eq!(kinds(&detail), ["link", "location", "video", "voice"]);
    assert_eq!(detail["messages"]["results"][2]["body"]["mediaId"], "video-7100000000");
    assert_eq!(detail["messages"]["results"][3]["preview"], "[语音] 请假");
    let (_, inbox) = app.get("/school/desk/conversations", Some(&wang)).await;
    assert_eq!((&inbox["unread"], &inbox["results"][0]["unread"]), (&json!(0), &json!(0)), "{inbox}");

    // Bad answers are named and write nothing.
    let png = upload(app, &wang, "image/png", sized(PNG, 2048)).await;
    let others = upload(app, &li, "image/png", sized(PNG, 1024)).await;
    let big_thumb = upload(app, &wang, "image/jpeg", sized(JPEG, 64 * 1024 + 1)).await;
    let answers = format!("{one}/answers");
    for (bad, field) in [
        (json!({"type": "text", "content": " "}), "content"),
        (json!({"type": "text", "content": "长".repeat(601)}), "content"),
        (json!({"type": "sticker"}), "type"),
        (json!({"type": "image", "fileId": others}), "fileId"),
        (json!({"type": "voice", "fileId": png}), "fileId"),
        (json!({"type": "music", "title": "校歌", "musicUrl": "ftp://x/1.mp3", "thumbFileId": png}), "musicUrl"),
        (json!({"type": "music", "title": "校歌", "musicUrl": "https://m.example/1.mp3", "thumbFileId": big_thumb}), "thumbFileId"),
        (json!({"type": "news", "url": "https://x.example/n/1"}), "title"),
    ] {
        let (status, err) = app.post(&answers, Some(&wang), bad.clone()).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{bad}: {err}");
    }
    let outbound = || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM desk_messages WHERE NOT inbound").fetch_one(&app.pool).await.expect("count") };
    assert_eq!(outbound().await, 0);

    // Inside the window: text, image, voice, video, music and news, each sent once.
    v.sim.post("/_sim/users", json!({"appid": "wxsimmp", "openid": zhang_oid, "interacted": true})).await;
    let mp3 = upload(app, &wang, "audio/mpeg", sized(MP3, 4096)).await;
    let mp4 = upload(app, &wang, "video/mp4", sized(b"\0\0\0\x20ftypisom\0\0\x02\0", 8192)).await;
    let thumb = upload(app, &wang, "image/jpeg", sized(JPEG, 4096)).await;
    let sent = [
        json!({"type": "text", "content": "交到学工办"}),
        json!({"type": "image", "fileId": png}),
        json!({"type": "voice", "fileId": mp3}),
        json!({"type": "video", "fileId": mp4, "thumbFileId": thumb, "title": "办事指南"}),
        json!({"type": "music", "title": "校歌", "musicUrl": "https://m.example/1.mp3", "thumbFileId": thumb}),
    ];
    for body in &sent {
        let (status, m) = app.post(&answers, Some(&wang), body.clone()).await;
        assert_eq!((status, &m["status"], &m["authorName"], &m["fromStudent"]), (StatusCode::ACCEPTED, &json!("pending"), &json!("王老师"), &json!(false)), "{m}");
    }
    app.run_pending_jobs().await;
    // Five messages a window in WeChat: the news answer waits for the student's next message.
    v.sim.post("/_sim/users", json!({"appid": "wxsimmp", "openid": zhang_oid, "interacted": true})).await;
    let (status, news) = app.post(&answers, Some(&wang), json!({"type": "news", "title": "请假流程", "url": "https://x.example/n/1"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{news}");
    app.run_pending_jobs().await;
    let got = v.sim.messages_to(&zhang_oid).await;
    // The jobs run side by side: by type.
    let custom: std::collections::BTreeMap<&str, &Value> =
        got.iter().filter(|m| m["api"] == "custom").map(|m| (m["data"]["msgtype"].as_str().unwrap_or_default(), &m["data"])).collect();
    assert_eq!(got.iter().filter(|m| m["api"] == "custom").count(), 6, "{got:?}");
    assert_eq!(custom.keys().copied().collect::<Vec<_>>(), ["image", "music", "news", "text", "video", "voice"], "{custom:?}");
    let media = |kind: &str, field: &str| custom[kind][kind][field].as_str().unwrap_or_default().to_owned();
    assert_eq!(custom["text"]["text"]["content"], "交到学工办");
    assert!(media("image", "media_id").starts_with("sim_image_"), "{custom:?}");
    assert!(media("voice", "media_id").starts_with("sim_voice_"), "{custom:?}");
    assert!(media("video", "media_id").starts_with("sim_video_") && media("video", "thumb_media_id").starts_with("sim_thumb_"), "{custom:?}");
    assert!(media("music", "thumb_media_id").starts_with("sim_thumb_"), "{custom:?}");
    assert_eq!(custom["news"]["news"]["articles"][0]["url"], "https://x.example/n/1");
    let (_, detail) = app.get(&one, Some(&wang)).await;
    let statuses: Vec<&str> = detail["messages"]["results"].as_array().expect("messages").iter().take(6).map(|m| m["status"].as_str().unwrap_or_default()).collect();
    assert_eq!(statuses, ["sent"; 6], "{detail}");

    // The image job delivered again (a worker died after the send): nothing more goes out.
    let image_id = detail["messages"]["results"][4]["id"].as_i64().expect("image answer id");
    let mut conn = app.pool.acquire().await.expect("conn");
    let outbox = SendDeskAnswer { message_id: image_id }.enqueue_keyed(&mut conn, format!("again:{image_id}")).await.expect("enqueue");
    drop(conn);
    app.state.pusher.hand_off(outbox.into_iter().collect());
    app.run_pending_jobs().await;
    let again = v.sim.messages_to(&zhang_oid).await.into_iter().filter(|m| m["api"] == "custom").count();
    assert_eq!(again, 6, "the image answer was sent twice");
}

#[tokio::test]
async fn outside_the_48_hour_window_the_desk_refuses_and_says_so() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { wang, a, .. } = two_classes(app).await;
    let (_, zhang_oid, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    deliver(app, &zhang_oid, "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[在吗]]></Content><MsgId>7300000000</MsgId>", None).await;
    let (_, inbox) = app.get("/school/desk/conversations", Some(&wang)).await;
    let id = inbox["results"][0]["id"].as_i64().expect("id");
    let answers = format!("/school/desk/conversations/{id}/answers");

    // Three days since the student's last message: the window closed.
    sqlx::query("UPDATE wechat_interactions SET last_at = now() - interval '3 days' WHERE openid = $1").bind(&zhang_oid).execute(&app.pool).await.expect("age");
    let (_, inbox) = app.get("/school/desk/conversations", Some(&wang)).await;
    assert_eq!(inbox["results"][0]["windowOpen"], false, "{inbox}");
    let (status, err) = app.post(&answers, Some(&wang), json!({"type": "text", "content": "收到"})).await;
    let err = assert_error(status, &err, StatusCode::CONFLICT, "window_closed");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("48 hours")), "{err}");
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM desk_messages WHERE NOT inbound").fetch_one(&app.pool).await.expect("count");
    assert_eq!(written, 0, "a refused answer writes nothing");

    // Open here, closed at WeChat (the simulator never saw the student write): the answer fails
    // with `window_closed` and is not retried.
    sqlx::query("UPDATE wechat_interactions SET last_at = now() WHERE openid = $1").bind(&zhang_oid).execute(&app.pool).await.expect("fresh");
    let (status, m) = app.post(&answers, Some(&wang), json!({"type": "text", "content": "收到"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{m}");
    app.run_pending_jobs().await;
    let (_, detail) = app.get(&format!("/school/desk/conversations/{id}"), Some(&wang)).await;
    let answer = &detail["messages"]["results"][0];
    assert_eq!((&answer["status"], &answer["failure"]), (&json!("failed"), &json!("window_closed")), "{detail}");
    assert_eq!(v.sim.messages_to(&zhang_oid).await.into_iter().filter(|m| m["api"] == "custom").count(), 0);
}

#[tokio::test]
async fn the_console_shows_the_inbox_and_answers_through_the_same_rules() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { wang, a, .. } = two_classes(app).await;
    let (_, zhang_oid, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    deliver(app, &zhang_oid, "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[老师好]]></Content><MsgId>7400000000</MsgId>", None).await;
    let (_, inbox) = app.get("/school/desk/conversations", Some(&wang)).await;
    let id = inbox["results"][0]["id"].as_i64().expect("id");

    let mut b = Browser::signed_in(app, "wang", "password-123").await;
    let list = b.get("/admin/console/desk").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.has(&format!(r#"<a href="/admin/console/desk/{id}">张三（2024001）</a>"#)) && list.has(r#"<strong id="unread">1</strong>"#) && list.has("老师好"), "{}", list.body);
    let page = b.get(&format!("/admin/console/desk/{id}")).await;
    assert!(page.has(r#"<form method="post" action="/admin/console/desk/"#) && page.has("老师好"), "{}", page.body);
    let answer = format!("/admin/console/desk/{id}/answer");
    assert_eq!(b.post(&answer, &[("csrf", "forged"), ("type", "text"), ("content", "x")]).await.status, StatusCode::FORBIDDEN);
    let csrf = page.csrf();
    let bad = b.post(&answer, &[("csrf", &csrf), ("type", "text"), ("content", "")]).await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    assert!(b.get(&format!("/admin/console/desk/{id}")).await.has("未发送：content"), "the refusal is shown");
    let done = b.post(&answer, &[("csrf", &csrf), ("type", "text"), ("content", "你好，请讲")]).await;
    assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, format!("/admin/console/desk/{id}").as_str()));
    let page = b.get(&format!("/admin/console/desk/{id}")).await;
    assert!(page.has("已提交") && page.has("你好，请讲") && page.has("王老师"), "{}", page.body);

    // The window closed: the form is gone and a posted answer is refused in Chinese.
    sqlx::query("UPDATE wechat_interactions SET last_at = now() - interval '3 days'").execute(&app.pool).await.expect("age");
    let page = b.get(&format!("/admin/console/desk/{id}")).await;
    assert!(page.has(r#"id="window-closed""#) && !page.has(r#"id="answer""#), "{}", page.body);
    b.post(&answer, &[("csrf", &csrf), ("type", "text"), ("content", "还在吗")]).await;
    assert!(b.get(&format!("/admin/console/desk/{id}")).await.has("微信不允许再发客服消息"), "the 409 is said in Chinese");
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM desk_messages WHERE NOT inbound").fetch_one(&app.pool).await.expect("count");
    assert_eq!(written, 1);
    // Another counselor's console: not found.
    let mut li = Browser::signed_in(app, "li", "password-123").await;
    assert_eq!(li.get(&format!("/admin/console/desk/{id}")).await.status, StatusCode::NOT_FOUND);
}
