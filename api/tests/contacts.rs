//! Seed 002's contact book: one's own card, the staff's cards with search and pages, colleagues.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::{assert_error, TestApp};
use yizhan_common::testing::{database, eventually};

async fn patch_meta(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.send(Method::PATCH, "/current-user/meta/", Some(token), Some(body)).await
}

fn names(page: &Value) -> Vec<String> {
    page["results"].as_array().expect("results").iter().map(|c| c["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn ones_own_card_is_patched_field_by_field_and_replaced_whole() {
    let app = TestApp::new(database().await);
    let me = app.user_token("li", &["staff"]).await;
    let (status, card) = app.get("/current-user/meta/", Some(&me)).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    assert_eq!(card["position"], "");

    let change = json!({"name": "李老师", "position": "讲师", "department": "计算机学院", "qq": "123456", "telephone": "0517-8888", "mobile": "13800000000", "email": "li@example.edu"});
    let (status, card) = patch_meta(&app, &me, change).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let (_, again) = app.get("/current-user/meta/", Some(&me)).await;
    assert_eq!(again, card);
    assert_eq!((card["name"].as_str(), card["department"].as_str(), card["mobile"].as_str()), (Some("李老师"), Some("计算机学院"), Some("13800000000")));

    let (status, card) = patch_meta(&app, &me, json!({"position": "副教授"})).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    assert_eq!((card["position"].as_str(), card["qq"].as_str()), (Some("副教授"), Some("123456")), "only the field sent changes");

    let (status, card) = app.send(Method::PUT, "/current-user/meta/", Some(&me), Some(json!({"name": "李明", "qq": "654321"}))).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    assert_eq!(card, json!({"id": card["id"], "name": "李明", "position": "", "department": "", "qq": "654321", "telephone": "", "mobile": null, "email": null}));
}

#[tokio::test]
async fn a_bad_card_names_each_field_and_changes_nothing() {
    let app = TestApp::new(database().await);
    let me = app.user_token("li", &["staff"]).await;
    let (_, before) = patch_meta(&app, &me, json!({"qq": "123456"})).await;
    let bad = json!({"name": " ", "qq": "12ab", "mobile": "x", "email": "no-at-sign", "position": "讲师"});
    let (status, err) = patch_meta(&app, &me, bad).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["name", "qq", "mobile", "email"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    assert_eq!(app.get("/current-user/meta/", Some(&me)).await.1, before);
    let (status, err) = app.send(Method::PUT, "/current-user/meta/", Some(&me), Some(json!({"qq": "654321"}))).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, err) = patch_meta(&app, &me, json!({"salary": 1})).await;
    assert!(status.is_client_error(), "unknown fields are refused: {status} {err}");
}

#[tokio::test]
async fn the_book_lists_staff_by_name_with_search_over_every_field() {
    let app = TestApp::new(database().await);
    let me = app.user_token("admin-li", &["admin"]).await;
    let people = [
        ("zhang", json!({"name": "张伟", "position": "Professor", "department": "数学系", "qq": "10001", "telephone": "0517-1111", "mobile": "13911112222"})),
        ("wang", json!({"name": "王芳", "position": "讲师", "department": "物理系", "qq": "20002", "telephone": "0517-2222", "mobile": "13933334444"})),
        ("chen", json!({"name": "陈静", "position": "100% 辅导员", "department": "学生处", "qq": "30003", "telephone": "0517-3333", "mobile": "13955556666"})),
    ];
    for (username, card) in people {
        let token = app.login_or_create(username).await;
        assert_eq!(patch_meta(&app, &token, card).await.0, StatusCode::OK);
    }
    let patient = app.user_token("patient-zhao", &["patient"]).await;
    assert_eq!(patch_meta(&app, &patient, json!({"name": "赵病人"})).await.0, StatusCode::OK);

    let (status, page) = app.get("/contacts/", Some(&me)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 5, "root, admin-li and the three staff; never the patient: {page}");
    assert!(!names(&page).contains(&"赵病人".to_owned()));
    assert_eq!((page["next"].clone(), page["previous"].clone()), (Value::Null, Value::Null));

    for (term, want) in [("张", "张伟"), ("PROFESSOR", "张伟"), ("物理", "王芳"), ("30003", "陈静"), ("0517-2222", "王芳"), ("139555", "陈静"), ("100%", "陈静")] {
        let (status, page) = app.get(&format!("/contacts/?search={}", urlencode(term)), Some(&me)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(names(&page), vec![want.to_owned()], "search {term}");
    }
    let (_, none) = app.get(&format!("/contacts/?search={}", urlencode("1%0")), Some(&me)).await;
    assert_eq!(none["count"], 0, "% is matched literally: {none}");
    let (status, err) = app.get("/contacts/?my=maybe", Some(&me)).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, err) = app.get("/contacts/", Some(&patient)).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn colleagues_are_added_and_removed_idempotently() {
    let app = TestApp::new(database().await);
    let me = app.user_token("li", &["staff"]).await;
    let _ = app.login_or_create("zhang").await;
    let patient = app.user_token("patient-zhao", &["patient"]).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username IN ('li', 'zhang', 'patient-zhao') ORDER BY username")
        .fetch_all(&app.pool)
        .await
        .expect("ids");
    let (li, patient_id, zhang) = (ids[0], ids[1], ids[2]);

    for _ in 0..2 {
        let (status, card) = app.post(&format!("/friends/{zhang}/"), Some(&me), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{card}");
        assert_eq!((card["id"].as_i64(), card["is_colleague"].as_bool()), (Some(zhang), Some(true)));
    }
    let (_, mine) = app.get("/contacts/?my=yes", Some(&me)).await;
    assert_eq!((mine["count"].as_i64(), mine["results"][0]["id"].as_i64()), (Some(1), Some(zhang)));
    let (_, all) = app.get("/contacts/?my=no", Some(&me)).await;
    assert!(all["count"].as_i64() > Some(1), "{all}");

    let (status, err) = app.post(&format!("/friends/{li}/"), Some(&me), json!({})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for unknown in [patient_id, 999_999] {
        let (status, err) = app.post(&format!("/friends/{unknown}/"), Some(&me), json!({})).await;
        assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, err) = app.post(&format!("/friends/{zhang}/"), Some(&patient), json!({})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");

    for _ in 0..2 {
        let (status, _) = app.send(Method::DELETE, &format!("/friends/{zhang}/"), Some(&me), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(app.get("/contacts/?my=yes", Some(&me)).await.1["count"], 0);
}

#[tokio::test]
async fn pages_of_twenty_link_to_their_neighbours() {
    let app = TestApp::new(database().await);
    let me = app.user_token("root", &[]).await;
    sqlx::query("INSERT INTO users (username, name, roles) SELECT 'staff' || g, '员工' || lpad(g::TEXT, 2, '0'), '{staff}' FROM generate_series(1, 44) g")
        .execute(&app.pool)
        .await
        .expect("staff");
    let (_, first) = app.get("/contacts/?search=%E5%91%98%E5%B7%A5", Some(&me)).await;
    assert_eq!((first["count"].as_i64(), first["results"].as_array().map(Vec::len)), (Some(44), Some(20)));
    assert_eq!(first["previous"], Value::Null);
    let next = first["next"].as_str().expect("next").to_owned();
    assert_eq!(next, "/contacts/?search=%E5%91%98%E5%B7%A5&page=2");
    let (_, last) = app.get("/contacts/?search=%E5%91%98%E5%B7%A5&page=3", Some(&me)).await;
    assert_eq!(names(&last), vec!["员工41", "员工42", "员工43", "员工44"]);
    assert_eq!((last["next"].clone(), last["previous"].as_str()), (Value::Null, Some("/contacts/?search=%E5%91%98%E5%B7%A5&page=2")));
}

/// The trigram indexes serve the search: over 50,000 staff, a search reads both through an
/// index scan (PostgreSQL's own counters say so), not by reading every row.
#[tokio::test]
async fn search_over_fifty_thousand_staff_uses_the_trigram_indexes() {
    let pool = database().await;
    sqlx::query("INSERT INTO users (username, name, phone, roles) SELECT 's' || g, '员工' || g, '139' || lpad(g::TEXT, 8, '0'), '{staff}' FROM generate_series(1, 50000) g")
        .execute(&pool)
        .await
        .expect("staff");
    sqlx::query("INSERT INTO user_meta (user_id, position, department) SELECT id, '讲师', '系' || (id % 40) FROM users")
        .execute(&pool)
        .await
        .expect("meta");
    let mut conn = pool.acquire().await.expect("conn");
    // Statistics from every row, not ANALYZE's default sample of 30,000: with every name sharing
    // 员工, the sampled estimate for 员工4999 sat near the planner's line between the users index
    // and a scan of the table, and 4 sampled ANALYZEs of 25 planned the scan (the flaky failures
    // of the full suite, which a longer wait for the counters did not cure). With all rows the
    // plan uses both indexes every time (25 of 25).
    for analyze in ["SET default_statistics_target = 10000", "ANALYZE users", "ANALYZE user_meta", "RESET default_statistics_target"] {
        sqlx::query(analyze).execute(&mut *conn).await.expect("analyze");
    }
    let scans = |name: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = $1").bind(name)
    };
    let before_users: i64 = scans("users_contact_search").await.fetch_one(&mut *conn).await.expect("stats");
    let before_meta: i64 = scans("user_meta_contact_search").await.fetch_one(&mut *conn).await.expect("stats");
    let (rows, total) = yizhan_common::college::contacts::list(&mut conn, 1, false, Some("员工4999"), 20, 0).await.expect("search");
    assert_eq!((total, rows.len()), (11, 11), "员工4999 and 员工49990–49999");
    sqlx::query("SELECT pg_stat_force_next_flush()").execute(&mut *conn).await.expect("flush");
    drop(conn);
    // The counters are PostgreSQL's cumulative statistics: the search's backend reports them when
    // it next goes idle (forced above), which a busy server can put off; wait for them. A search
    // that read every row instead never moves them, and this fails after the wait.
    let counts = || async {
        let mut conn = pool.acquire().await.expect("conn");
        let users: i64 = scans("users_contact_search").await.fetch_one(&mut *conn).await.expect("stats");
        let meta: i64 = scans("user_meta_contact_search").await.fetch_one(&mut *conn).await.expect("stats");
        (users, meta)
    };
    eventually("the search to show in both trigram indexes' scan counters (it read every row if not)", std::time::Duration::from_secs(30), || async {
        let (users, meta) = counts().await;
        users > before_users && meta > before_meta
    })
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
