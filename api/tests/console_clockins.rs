//! The console's check-in pages (seed 002 打卡配置 and 报名记录), driven as a browser would: add an
//! item (the JSON route's checks under each field), set the operators, follow the display link,
//! filter the records (a malformed filter's Chinese message) and download the CSV. Staff cannot
//! open them.

mod console_client;
mod support;

use axum::http::StatusCode;
use chrono::Utc;
use console_client::Browser;
use serde_json::json;
use support::checkin::{self as fx, activity, enroll, set_name, user_id};
use support::TestApp;
use yizhan_common::testing::database;

#[tokio::test]
async fn an_admin_sets_up_check_in_and_reads_the_records() {
    let app = TestApp::new(database().await);
    app.user_token("root", &[]).await;
    let act = activity(&app.pool, "迎新晚会", json!([{"id": "n", "kind": "text", "label": "备注"}])).await;
    let mut b = Browser::signed_in(&app, "root", "root-password").await;
    let csrf = b.session_csrf().await;
    let page_path = format!("/admin/console/activities/{act}/clockins");
    let page = b.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("还没有打卡项"), "{}", page.body);

    let bad = [("csrf", csrf.as_str()), ("label", "签 到"), ("start", "2027-03-01T09:00"), ("end", "2027-03-01T08:00")];
    let page = b.post(&format!("{page_path}/items"), &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("data-field=\"label\"") && page.has("data-field=\"end\""), "{}", page.body);
    let good = [("csrf", csrf.as_str()), ("label", "签到"), ("start", "2020-03-01T09:00"), ("end", "2099-03-01T10:00")];
    assert_eq!(b.post(&format!("{page_path}/items"), &good).await.status, StatusCode::SEE_OTHER);
    let page = b.post(&format!("{page_path}/items"), &good).await;
    assert!(page.has("该活动已有同名打卡项"), "{}", page.body);

    let li = app.login_or_create("li").await;
    let li_id = user_id(&app.pool, "li").await;
    let ids = format!("{li_id}, 999999");
    let page = b.post(&format!("{page_path}/operators"), &[("csrf", csrf.as_str()), ("user_ids", ids.as_str())]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("999999"), "{}", page.body);
    let ids = li_id.to_string();
    assert_eq!(b.post(&format!("{page_path}/operators"), &[("csrf", csrf.as_str()), ("user_ids", ids.as_str())]).await.status, StatusCode::SEE_OTHER);
    let page = b.get(&page_path).await;
    assert!(page.has("已更新") && page.has(&format!("value=\"{li_id}\"")), "{}", page.body);
    // The display link opens the QR page (no console cookie needed).
    let at = page.body.find("/display?pass=").expect("display link");
    let start = page.body[..at].rfind('"').expect("href") + 1;
    let end = at + page.body[at..].find('"').expect("end");
    let link = page.body[start..end].replace("&amp;", "&");
    let (status, html) = app.get(&link, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.as_str().is_some_and(|h| h.contains("data-token=")), "{html}");

    // Records: 李四 checked in.
    set_name(&app.pool, li_id, "李四").await;
    enroll(&app.pool, act, li_id, json!({"n": "=1+1"})).await;
    let item: i64 = sqlx::query_scalar("SELECT id FROM activity_clockin_items WHERE activity_id = $1").bind(act).fetch_one(&app.pool).await.expect("item");
    fx::check_in(&app.pool, act, item, li_id, Utc::now()).await;
    let records = format!("/admin/console/activities/{act}/enrollments");
    let page = b.get(&format!("{records}?filter=%E7%AD%BE%E5%88%B0%E4%BA%86")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("李四") && page.has("导出 CSV"), "{}", page.body);
    let page = b.get(&format!("{records}?filter=%E6%9C%AA%E7%AD%BE%E5%88%B0")).await;
    assert!(page.has("没有符合条件的报名记录"), "未签到 selects no one: {}", page.body);
    let page = b.get(&format!("{records}?filter=%E7%AD%BE%E5%88%B0%E7%AD%BE%E5%88%B0")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("前缺少“且”或“或”"), "{}", page.body);
    let csv = b.get(&format!("{records}.csv?filter=%E7%AD%BE%E5%88%B0")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(csv.body.contains("用户,姓名,报名时间,备注,签到\r\nli,李四,") && csv.body.contains(",'=1+1,"), "{}", csv.body);

    // Staff do not open these pages.
    drop(li);
    let mut staff = Browser::signed_in(&app, "li", "password-123").await;
    assert_eq!(staff.get(&page_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.get(&records).await.status, StatusCode::FORBIDDEN);
}
