//! Seed 004's conversations on a notice: comments by its recipients and its counselor, moderated
//! (hidden from students, deleted) by that counselor only, limited in length and to 10 an hour per
//! user even when posted in parallel; a private reply thread per student, seen by that student and
//! the notice's staff only, with the threads awaiting an answer listed first.

mod support;

use axum::http::{Method, StatusCode};
use futures::future::join_all;
use serde_json::{json, Value};
use support::assert_error;
use support::callbacks::plain_codec;
use support::school::{bound_student, two_classes, TwoClasses};
use support::visitors::Visits;

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| {
        cfg.wechat_callback = plain_codec();
        cfg.notices.template = Some("模板ID5".into());
    })
    .await
}

fn bodies(page: &Value) -> Vec<String> {
    page["results"].as_array().expect("results").iter().map(|c| c["body"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn comments_are_moderated_by_the_notices_counselor_and_threads_stay_private() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    let (zhang, zhang_oid, zhang_id) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (lisi, lisi_oid, lisi_id) = bound_student(&v, &wang, "2024002", "李四", a).await;
    let (zhao, _, zhao_id) = bound_student(&v, &li, "2024101", "赵六", b).await;
    let (status, notice) = app
        .post("/school/notices", Some(&wang), json!({"title": "选课", "body": "周五前完成选课", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    let n = notice["id"].as_i64().expect("id");
    let comments = format!("/school/notices/{n}/comments");

    // A recipient comments; others see "张同学", not who; bad bodies are refused and write nothing.
    for bad in [json!({"body": "  "}), json!({"body": "长".repeat(501)})] {
        let (status, err) = app.post(&comments, Some(&zhang), bad).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"]["body"].is_string(), "{err}");
    }
    let (status, c) = app.post(&comments, Some(&zhang), json!({"body": " 可以延期吗？ "})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!((&c["authorName"], &c["body"], c.get("studentNo")), (&json!("张同学"), &json!("可以延期吗？"), None), "{c}");
    let (_, page) = app.get(&comments, Some(&lisi)).await;
    assert_eq!(bodies(&page), ["可以延期吗？"]);
    assert!(page["results"][0].get("studentNo").is_none() && page["results"][0].get("hidden").is_none(), "{page}");
    // The notice's counselor sees who, and answers in the open.
    let (_, page) = app.get(&comments, Some(&wang)).await;
    assert_eq!((&page["results"][0]["studentNo"], &page["results"][0]["hidden"]), (&json!("2024001"), &json!(false)), "{page}");
    let (status, c2) = app.post(&comments, Some(&wang), json!({"body": "不可以"})).await;
    assert_eq!((status, &c2["authorName"]), (StatusCode::CREATED, &json!("王老师")), "{c2}");
    // Not a recipient, another counselor: as if there were no notice.
    for who in [&zhao, &li] {
        assert_eq!(app.get(&comments, Some(who)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.post(&comments, Some(who), json!({"body": "x"})).await.0, StatusCode::NOT_FOUND);
    }

    // Moderation: only the notice's staff; hidden from students, then deleted.
    let id = c["id"].as_i64().expect("comment id");
    let hide = format!("/school/notice-comments/{id}/hide");
    assert_eq!(app.post(&hide, Some(&zhang), json!({"hidden": true})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.post(&hide, Some(&li), json!({"hidden": true})).await.0, StatusCode::NOT_FOUND);
    let (status, hidden) = app.post(&hide, Some(&wang), json!({"hidden": true})).await;
    assert_eq!((status, &hidden["hidden"]), (StatusCode::OK, &json!(true)), "{hidden}");
    assert_eq!(bodies(&app.get(&comments, Some(&lisi)).await.1), ["不可以"]);
    assert_eq!(app.get(&comments, Some(&wang)).await.1["count"], 2);
    assert_eq!(app.send(Method::DELETE, &format!("/school/notice-comments/{id}"), Some(&li), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.send(Method::DELETE, &format!("/school/notice-comments/{id}"), Some(&wang), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(bodies(&app.get(&comments, Some(&wang)).await.1), ["不可以"]);

    // Ten an hour per user, even when twelve arrive at once.
    let posts = (0..12).map(|i| app.post(&comments, Some(&lisi), json!({"body": format!("第{i}条")})));
    let statuses: Vec<StatusCode> = join_all(posts).await.into_iter().map(|(s, _)| s).collect();
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((created, limited), (10, 2), "{statuses:?}");

    // A private thread: the student asks, only the notice's staff see and answer it.
    let thread = format!("/school/notices/{n}/thread");
    let (status, t) = app.post(&thread, Some(&zhang), json!({"body": "材料交到哪里？"})).await;
    assert_eq!((status, t["messages"].as_array().map(Vec::len)), (StatusCode::CREATED, Some(1)), "{t}");
    assert_eq!(app.get(&thread, Some(&lisi)).await.1["messages"], json!([]), "another student sees only their own");
    assert_eq!(app.get(&thread, Some(&zhao)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&thread, Some(&wang)).await.0, StatusCode::NOT_FOUND, "staff use the threads routes");
    app.post(&thread, Some(&lisi), json!({"body": "我也想问"})).await;
    let (_, list) = app.get(&format!("/school/notices/{n}/threads"), Some(&wang)).await;
    assert_eq!(list["count"], 2, "{list}");
    assert!(list["results"].as_array().expect("threads").iter().all(|t| t["awaitingAnswer"] == true), "{list}");
    assert_eq!(app.get(&format!("/school/notices/{n}/threads"), Some(&li)).await.0, StatusCode::NOT_FOUND);
    let one = format!("/school/notices/{n}/threads/{zhang_id}");
    assert_eq!(app.get(&one, Some(&li)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/school/notices/{n}/threads/{zhao_id}"), Some(&wang)).await.0, StatusCode::NOT_FOUND, "not a recipient");
    let (status, t) = app.post(&one, Some(&wang), json!({"body": "交到学工办"})).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let (_, mine) = app.get(&thread, Some(&zhang)).await;
    let said: Vec<(bool, String, String)> = mine["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| (m["fromStudent"].as_bool().unwrap_or_default(), m["authorName"].as_str().unwrap_or_default().to_owned(), m["body"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(said, [(true, "张同学".into(), "材料交到哪里？".into()), (false, "王老师".into(), "交到学工办".into())]);
    // Answered threads go after those still waiting.
    let (_, list) = app.get(&format!("/school/notices/{n}/threads"), Some(&wang)).await;
    let order: Vec<(String, bool)> = list["results"].as_array().expect("threads").iter().map(|t| (t["name"].as_str().unwrap_or_default().to_owned(), t["awaitingAnswer"] == true)).collect();
    assert_eq!(order, [("李四".into(), true), ("张三".into(), false)]);

    // Each answer reaches the student on WeChat once: 张三 followed just now (his window is open,
    // here and in the simulator), a customer-service message; 李四's window has closed, the template. A question reaches the
    // notice's counselor once their WeChat account is known.
    v.sim.post("/_sim/users", json!({"appid": "wxsimmp", "openid": zhang_oid, "interacted": true})).await;
    app.run_pending_jobs().await;
    assert_eq!(told(&v, &zhang_oid, "custom", "王老师回复了你的提问").await, 1);
    assert_eq!(told(&v, &zhang_oid, "template", "回复了你的提问").await, 0);
    sqlx::query("UPDATE wechat_interactions SET last_at = now() - interval '3 days' WHERE openid = $1").bind(&lisi_oid).execute(&app.pool).await.expect("age");
    app.post(&format!("/school/notices/{n}/threads/{lisi_id}"), Some(&wang), json!({"body": "同上"})).await;
    app.run_pending_jobs().await;
    app.run_pending_jobs().await;
    assert_eq!((told(&v, &lisi_oid, "custom", "回复了你的提问").await, told(&v, &lisi_oid, "template", "王老师回复了你的提问").await), (0, 1));
    let wx = v.sim.post("/_sim/users", json!({"appid": "wxsimmp"})).await;
    let wang_oid = wx["openid"].as_str().expect("openid").to_owned();
    sqlx::query("INSERT INTO wechat_identities (user_id, appid, openid) SELECT user_id, 'wxsimmp', $1 FROM counselors WHERE name = '王老师'")
        .bind(&wang_oid)
        .execute(&app.pool)
        .await
        .expect("wang's WeChat account");
    app.post(&thread, Some(&zhang), json!({"body": "还有一个问题"})).await;
    app.run_pending_jobs().await;
    assert_eq!(told(&v, &wang_oid, "template", "张同学对通知提问").await, 1);
}

/// How many messages the simulator delivered to `openid` through `api` mentioning `needle`.
async fn told(v: &Visits, openid: &str, api: &str, needle: &str) -> usize {
    v.sim.messages_to(openid).await.into_iter().filter(|m| m["api"] == api && m.to_string().contains(needle)).count()
}

fn titles(page: &Value) -> Vec<String> {
    page["results"].as_array().expect("results").iter().map(|n| n["title"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn notices_are_found_in_chinese_by_relevance_and_by_what_is_hot() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (_, grants) = app.post("/school/notice-categories", Some(&root), json!({"name": "奖助学金"})).await;
    let (_, teaching) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    let (zhang, _, _) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (lisi, _, _) = bound_student(&v, &wang, "2024002", "李四", a).await;
    let send = |token: &str, title: &str, body: &str, category: &Value, class_id: i64| {
        let body = json!({"title": title, "body": body, "categoryId": category["id"], "audience": {"kind": "classes", "classIds": [class_id]}});
        let token = token.to_owned();
        async move {
            let (status, n) = app.post("/school/notices", Some(&token), body).await;
            assert_eq!(status, StatusCode::CREATED, "{n}");
            n["id"].as_i64().expect("id")
        }
    };
    send(&wang, "2026年奖学金评定通知", "请符合条件的同学申请国家奖学金", &grants, a).await;
    let course = send(&wang, "选课通知", "周五前完成选课；选课与奖学金无关", &teaching, a).await;
    send(&wang, "关于助学金的补充说明", "助学金材料截止到月底", &grants, a).await;
    send(&li, "奖学金答疑", "二班的奖学金答疑会", &grants, b).await;
    let find = |token: &str, query: &str| {
        let (token, query) = (token.to_owned(), query.to_owned());
        async move {
            let (status, page) = app.get(&format!("/school/notice-search?{query}"), Some(&token)).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            page
        }
    };
    let q = |s: &str| format!("q={}", percent_encode(s));

    // A student finds, among the notices they received, a title match before a body match.
    assert_eq!(titles(&find(&zhang, &q("奖学金")).await), ["2026年奖学金评定通知", "选课通知"]);
    assert_eq!(titles(&find(&zhang, &q("助学金")).await), ["关于助学金的补充说明"], "助学金 is not 奖学金");
    assert_eq!(titles(&find(&zhang, &q("选课")).await), ["选课通知"], "two characters: no trigram, still found");
    assert_eq!(titles(&find(&zhang, &format!("{}&categoryId={}", q("奖学金"), grants["id"])).await), ["2026年奖学金评定通知"]);
    // Staff find what they see: a counselor their own, an admin every one.
    assert_eq!(titles(&find(&li, &q("奖学金")).await), ["奖学金答疑"]);
    assert_eq!(find(&root, &q("奖学金")).await["count"], 3);

    // Hot: read and commented on, the course notice rises above newer ones.
    assert_eq!(titles(&find(&zhang, "sort=newest").await)[0], "关于助学金的补充说明");
    for token in [&zhang, &lisi] {
        assert_eq!(app.get(&format!("/school/notices/{course}/page"), Some(token)).await.0, StatusCode::OK);
        assert_eq!(app.post(&format!("/school/notices/{course}/comments"), Some(token), json!({"body": "收到"})).await.0, StatusCode::CREATED);
    }
    let hot = find(&zhang, "sort=hot").await;
    assert_eq!(titles(&hot)[0], "选课通知", "{hot}");
    assert_eq!((&hot["results"][0]["reads"], &hot["results"][0]["comments"]), (&json!(2), &json!(2)), "{hot}");

    // Bad input is named; someone not bound is told so.
    let (status, err) = app.get("/school/notice-search?sort=best", Some(&zhang)).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["sort"].is_string(), "{err}");
    let (stranger, _) = v.sign_in("路人", None).await;
    let (status, err) = app.get("/school/notice-search", Some(&stranger)).await;
    assert_error(status, &err, StatusCode::CONFLICT, "not_bound");
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
