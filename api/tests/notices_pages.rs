//! Seed 004's H5 pages over HTTP: a page without the cookie goes through the Official Account's
//! web OAuth (`snsapi_base`, `state` held in a cookie) and comes back signed in; the bind page
//! binds with the counselor's code (and says why not); the settings page saves the categories;
//! the notice page marks it read, confirms, votes, lists and serves the attachments; a counselor
//! composes a notice to their classes and sees its statistics. Forms need their CSRF token.

mod support;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use serde_json::json;
use support::h5::{csrf, page, start};
use support::school::{admin, bound_student, class, counselor};
use support::visitors::Visits;

fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap_or_default().to_owned()))
}

/// Opens `path` as a new WeChat user: through the OAuth redirect and back → (the `yz_h5` cookie, openid).
async fn sign_in_through_oauth(v: &Visits, path: &str, nickname: &str) -> (String, String) {
    let (status, headers, _) = page(&v.app, Method::GET, path, "", &[]).await;
    assert!(status.is_redirection(), "{status}");
    let location = headers[header::LOCATION].to_str().expect("location").to_owned();
    assert!(location.starts_with("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxsimmp&redirect_uri=https%3A%2F%2Fh5%2Eschool%2Etest%2Fh5%2Fschool%2Foauth"), "{location}");
    assert!(location.contains("scope=snsapi_base") && location.ends_with("#wechat_redirect"), "{location}");
    let nonce = set_cookie(&headers, "yz_h5_state").expect("state cookie");
    assert!(location.contains(&format!("state={nonce}")), "{location}");
    let user = v.sim.post("/_sim/users", json!({"appid": "wxsimmp", "nickname": nickname})).await;
    let code = user["code"].as_str().expect("code");
    // WeChat comes back with the code: a wrong state is refused, the right one signs in.
    let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    let back = format!("/h5/school/oauth?code={code}&state={nonce}&next={next}");
    let (status, _, _) = page(&v.app, Method::GET, &back.replace(&nonce, "forged"), &format!("yz_h5_state={nonce}"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a state other than the cookie's");
    let (status, headers, body) = page(&v.app, Method::GET, &back, &format!("yz_h5_state={nonce}"), &[]).await;
    assert!(status.is_redirection(), "{status} {body}");
    assert_eq!(headers[header::LOCATION], path);
    let token = set_cookie(&headers, "yz_h5").expect("session cookie");
    let cookie = headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("yz_h5=")).expect("cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/h5"), "{cookie}");
    (format!("yz_h5={token}"), user["openid"].as_str().expect("openid").to_owned())
}

#[tokio::test]
async fn a_student_binds_chooses_categories_reads_confirms_and_votes_on_the_h5_pages() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let (_, jobs) = app.post("/school/notice-categories", Some(&root), json!({"name": "就业信息"})).await;
    let (_, grants) = app.post("/school/notice-categories", Some(&root), json!({"name": "奖助学金"})).await;
    let id = support::school::student(app, &wang, "2024001", "张三", a, None).await["id"].as_i64().expect("id");

    let (me, openid) = sign_in_through_oauth(&v, "/h5/school/bind", "张三").await;
    support::callbacks::event(app, &openid, "subscribe", None).await;
    let (status, _, html) = page(app, Method::GET, "/h5/school/bind", &me, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("绑定学号") && html.contains(r#"name="studentNo""#), "{html}");
    let token = csrf(&html);
    let (_, issued) = app.post(&format!("/school/students/{id}/bind-code"), Some(&wang), json!({})).await;
    let code = issued["code"].as_str().expect("code");
    // No CSRF token: refused, nothing bound. A wrong code: the form again, with the reason.
    let (status, _, _) = page(app, Method::POST, "/h5/school/bind", &me, &[("studentNo", "2024001"), ("code", "000000")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, html) = page(app, Method::POST, "/h5/school/bind", &me, &[("csrf", &token), ("studentNo", "2024001"), ("code", "000000")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="error""#) && html.contains("学号或验证码不对") && html.contains("还可尝试 4 次"), "{html}");
    let (status, _, html) = page(app, Method::POST, "/h5/school/bind", &me, &[("csrf", &token), ("studentNo", "2024001"), ("code", code)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("已绑定：张三（2024001，计科2401）"), "{html}");

    // Follow only 奖助学金.
    let (_, _, html) = page(app, Method::GET, "/h5/school/settings", &me, &[]).await;
    assert_eq!(html.matches(" checked").count(), 2, "every category until chosen: {html}");
    let grant_id = grants["id"].to_string();
    let (status, _, html) = page(app, Method::POST, "/h5/school/settings", &me, &[("csrf", &csrf(&html)), ("category", &grant_id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="saved""#) && html.matches(" checked").count() == 1, "{html}");
    let followed: Vec<i64> = sqlx::query_scalar("SELECT unnest(category_ids) FROM student_notice_settings WHERE student_id = $1").bind(id).fetch_all(&app.pool).await.expect("settings");
    assert_eq!(followed, [grants["id"].as_i64().expect("id")]);

    // A notice with a vote, asking for confirmation: the page marks it read, shows the safe body.
    let deadline = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = json!({"title": "奖学金评定", "body": "<p>请<b>周五</b>前确认</p><script>alert(1)</script>", "categoryId": grants["id"], "urgency": "important",
        "requireConfirm": true, "audience": {"kind": "classes", "classIds": [a]}, "vote": {"options": ["参加", "不参加"], "deadline": deadline}});
    let (status, n) = app.post("/school/notices", Some(&wang), body).await;
    assert_eq!(status, StatusCode::CREATED, "{n}");
    let path = format!("/h5/school/notices/{}", n["id"]);
    let (status, headers, html) = page(app, Method::GET, &path, &me, &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<p>请<b>周五</b>前确认</p>") && !html.contains("<script>alert"), "{html}");
    assert!(html.contains("重要") && html.contains(r#"type="radio" name="choice" value="1""#) && html.contains(r#"id="confirm""#), "{html}");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let (_, s) = app.get(&format!("/school/notices/{}/stats", n["id"]), Some(&wang)).await;
    assert_eq!(s["read"].as_i64(), Some(1), "{s}");
    let token = csrf(&html);
    let (_, _, html) = page(app, Method::POST, &format!("{path}/vote"), &me, &[("csrf", &token), ("choice", "1")]).await;
    assert!(html.contains("投票已记录") && html.contains(r#"value="1" checked"#) && html.contains("修改投票"), "{html}");
    let (_, _, html) = page(app, Method::POST, &format!("{path}/confirm"), &me, &[("csrf", &token)]).await;
    assert!(html.contains(r#"id="confirmed""#), "{html}");
    let (_, s) = app.get(&format!("/school/notices/{}/stats", n["id"]), Some(&wang)).await;
    assert_eq!((s["confirmed"].as_i64(), s["voted"].as_i64()), (Some(1), Some(1)), "{s}");
    // Someone else's cookie-less request is sent to sign in; a forged form changes nothing.
    let (status, _, _) = page(app, Method::POST, &format!("{path}/confirm"), &me, &[("csrf", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let _ = jobs;
}

#[tokio::test]
async fn attachments_download_from_the_notice_page_and_others_see_nothing() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (wang, wang_id) = counselor(app, &root, "wang", "王老师").await;
    let a = class(app, &root, "计科2401", Some(wang_id)).await;
    let b = class(app, &root, "计科2402", None).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    let (me, _) = sign_in_through_oauth(&v, "/h5/school/bind", "张三").await;
    // Bind on the page with the counselor's code.
    let id = support::school::student(app, &wang, "2024001", "张三", a, None).await["id"].as_i64().expect("id");
    let (_, issued) = app.post(&format!("/school/students/{id}/bind-code"), Some(&wang), json!({})).await;
    let (_, _, html) = page(app, Method::GET, "/h5/school/bind", &me, &[]).await;
    page(app, Method::POST, "/h5/school/bind", &me, &[("csrf", &csrf(&html)), ("studentNo", "2024001"), ("code", issued["code"].as_str().expect("code"))]).await;
    let (_, _, _) = bound_student(&v, &root, "2024101", "钱七", b).await;
    let (other, _) = sign_in_through_oauth(&v, "/h5/school/settings", "路人").await;

    let req = Request::builder().method(Method::POST).uri("/api/files").header(header::AUTHORIZATION, format!("Bearer {wang}")).header(header::CONTENT_TYPE, "application/pdf")
        .body(Body::from("%PDF-1.4\n% 课表\n%%EOF\n")).expect("request");
    let (status, file) = app.raw(req).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let (_, n) = app.post("/school/notices", Some(&wang), json!({"title": "课表", "body": "见附件", "categoryId": cat["id"], "audience": {"kind": "classes", "classIds": [a]},
        "attachments": [{"fileId": file["id"], "name": "课表.pdf"}]})).await;
    let path = format!("/h5/school/notices/{}", n["id"]);
    let (_, _, html) = page(app, Method::GET, &path, &me, &[]).await;
    let link = format!("{path}/files/{}", file["id"].as_str().expect("id"));
    assert!(html.contains(&format!(r#"<a href="{link}">课表.pdf</a>"#)), "{html}");
    let (status, headers, body) = page(app, Method::GET, &link, &me, &[]).await;
    assert_eq!((status, body.starts_with("%PDF-1.4")), (StatusCode::OK, true));
    assert!(headers[header::CONTENT_DISPOSITION].to_str().expect("ascii").contains("filename*=UTF-8''%E8%AF%BE%E8%A1%A8.pdf"));
    // Not a recipient (signed in, never bound): the page and the file are not theirs.
    let (status, headers, _) = page(app, Method::GET, &path, &other, &[]).await;
    assert!(status.is_redirection() && headers[header::LOCATION] == "/h5/school/bind", "{status}");
    let (status, _, _) = page(app, Method::GET, &link, &other, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_counselor_composes_a_notice_to_their_classes_and_sees_its_statistics() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (_, cat) = app.post("/school/notice-categories", Some(&root), json!({"name": "教务"})).await;
    // 王老师 opens the compose page from WeChat: a plain WeChat account is refused until an admin
    // makes it a counselor looking after classes.
    let (me, _) = sign_in_through_oauth(&v, "/h5/school/compose", "王老师").await;
    let (status, _, _) = page(app, Method::GET, "/h5/school/compose", &me, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let user_id: i64 = sqlx::query_scalar("SELECT user_id FROM wechat_identities ORDER BY user_id DESC LIMIT 1").fetch_one(&app.pool).await.expect("user");
    let (status, u) = app.send(Method::PATCH, &format!("/admin/users/{user_id}"), Some(&root), Some(json!({"roles": ["counselor"]}))).await;
    assert_eq!(status, StatusCode::OK, "{u}");
    let (_, c) = app.post("/school/counselors", Some(&root), json!({"name": "王老师", "userId": user_id})).await;
    let mine = class(app, &root, "计科2401", c["id"].as_i64()).await;
    let theirs = class(app, &root, "计科2402", None).await;
    let (_, lisi, _) = bound_student(&v, &root, "2024001", "李四", mine).await;
    let _ = lisi;

    let (status, _, html) = page(app, Method::GET, "/h5/school/compose", &me, &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("计科2401") && !html.contains("计科2402"), "only their classes: {html}");
    let token = csrf(&html);
    let cat_id = cat["id"].to_string();
    // Nothing chosen, another counselor's class: the form again with the reasons, nothing sent.
    let (status, _, html) = page(app, Method::POST, "/h5/school/compose", &me, &[("csrf", &token), ("title", ""), ("body", "明天<停课>"), ("categoryId", &cat_id), ("class", &theirs.to_string())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="errors""#) && html.contains("标题：必填") && html.contains("班级：至少选择一个") && html.contains("明天&#60;停课&#62;"), "{html}");
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notices").fetch_one(&app.pool).await.expect("count"), 0);
    let (status, headers, _) = page(app, Method::POST, "/h5/school/compose", &me, &[("csrf", &token), ("title", "停课"), ("body", "明天<停课>\n后天照常"), ("categoryId", &cat_id), ("urgency", "urgent"), ("requireConfirm", "1"), ("class", &mine.to_string())]).await;
    assert!(status.is_redirection(), "{status}");
    let sent = headers[header::LOCATION].to_str().expect("location").to_owned();
    let body: String = sqlx::query_scalar("SELECT body FROM notices").fetch_one(&app.pool).await.expect("body");
    assert_eq!(body, "<p>明天&lt;停课&gt;</p><p>后天照常</p>");
    app.run_pending_jobs().await;
    let (status, _, html) = page(app, Method::GET, &sent, &me, &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"<dd id="recipients">1</dd>"#) && html.contains(r#"<dd id="delivered">1 / 1</dd>"#) && html.contains(r#"<dd id="read">0</dd>"#), "{html}");
    assert!(html.contains("<td>计科2401</td><td>1</td><td>0</td><td>0</td>"), "{html}");
}

#[tokio::test]
async fn a_counselor_binds_their_wechat_account_on_the_h5_page_then_composes() {
    let v = start().await;
    let app = &v.app;
    let root = admin(app).await;
    let (status, c) = app.post("/school/counselors", Some(&root), json!({"name": "王老师", "phone": "13800000001"})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let wang = c["id"].as_i64().expect("id");
    class(app, &root, "计科2401", Some(wang)).await;
    // Before binding, the compose page is not theirs; the student bind page links the counselor's.
    let (me, _) = sign_in_through_oauth(&v, "/h5/school/counselor-bind", "王老师").await;
    assert_eq!(page(app, Method::GET, "/h5/school/compose", &me, &[]).await.0, StatusCode::FORBIDDEN);
    assert!(page(app, Method::GET, "/h5/school/bind", &me, &[]).await.2.contains("/h5/school/counselor-bind"));
    let (status, _, html) = page(app, Method::GET, "/h5/school/counselor-bind", &me, &[]).await;
    assert!(status == StatusCode::OK && html.contains("辅导员绑定") && html.contains(r#"name="phone""#), "{html}");
    let token = csrf(&html);
    let (_, issued) = app.post(&format!("/school/counselors/{wang}/bind-code"), Some(&root), json!({})).await;
    let code = issued["code"].as_str().expect("code");
    let (status, _, _) = page(app, Method::POST, "/h5/school/counselor-bind", &me, &[("phone", "13800000001"), ("code", code)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token: nothing bound");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (_, _, html) = page(app, Method::POST, "/h5/school/counselor-bind", &me, &[("csrf", &token), ("phone", "13800000001"), ("code", wrong)]).await;
    assert!(html.contains("手机号或验证码不对") && html.contains("还可尝试 4 次"), "{html}");
    let (status, _, html) = page(app, Method::POST, "/h5/school/counselor-bind", &me, &[("csrf", &token), ("phone", "13800000001"), ("code", code)]).await;
    assert!(status == StatusCode::OK && html.contains(r#"id="bound""#) && html.contains("王老师"), "{html}");
    let (status, _, html) = page(app, Method::GET, "/h5/school/compose", &me, &[]).await;
    assert!(status == StatusCode::OK && html.contains("计科2401"), "the compose page is theirs now: {status} {html}");
}
