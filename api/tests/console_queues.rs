//! The console's queue pages: counts per queue, dead jobs with their last error (escaped),
//! retrying one, and retrying all only after the confirmation step.

mod console_client;
mod support;

use axum::http::StatusCode;
use chrono::Utc;
use console_client::Browser;
use secrecy::SecretString;
use support::TestApp;
use yizhan_common::jobs::kinds::{Probe, ProbeStep};
use yizhan_common::jobs::{Job, QueueName};
use yizhan_common::queue::{Finish, QueueSettings, RedisQueue};

/// The app's own queues (its Redis prefix), with `n` jobs of the default queue killed.
async fn dead_jobs(app: &TestApp, n: usize) -> RedisQueue {
    let redis = yizhan_common::redis_conn::connect(&SecretString::from(support::redis_url()), Default::default()).await.expect("redis");
    let queue = RedisQueue::new(redis, app.state.config.core.redis_prefix.clone(), QueueSettings::default());
    let probe = Probe { tag: "console".into(), steps: vec![ProbeStep::Done] };
    let envelopes: Vec<_> = (0..n).map(|i| probe.envelope(format!("job-{i}"), Utc::now()).expect("encode")).collect();
    queue.push(&envelopes).await.expect("push");
    let fetched = queue.fetch(QueueName::Default, n).await.expect("fetch");
    let results: Vec<_> = fetched.iter().map(|f| (f.held(), Finish::Dead { error: format!("<b>boom</b> {}", f.id) })).collect();
    queue.finish(QueueName::Default, &results).await.expect("finish");
    queue
}

async fn counts(queue: &RedisQueue) -> (u64, u64) {
    let stats = queue.stats(QueueName::Default).await.expect("stats");
    (stats.pending, stats.dead)
}

#[tokio::test]
async fn dead_jobs_show_their_error_and_are_retried_one_or_all_after_confirming() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    yizhan_api::admin::create_admin(&app.pool, "root", SecretString::from("root-password")).await.expect("admin");
    let queue = dead_jobs(&app, 3).await;
    assert_eq!(counts(&queue).await, (0, 3));
    let mut b = Browser::signed_in(&app, "root", "root-password").await;

    let page = b.get("/admin/console/queues").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("<a class=\"bad\" href=\"/admin/console/queues/default\">3</a>"), "{}", page.body);
    let live = b.get("/admin/console/queues?refresh=5").await;
    assert!(live.has("<meta http-equiv=\"refresh\" content=\"5\">"));

    let dead = b.get("/admin/console/queues/default").await;
    assert_eq!(dead.status, StatusCode::OK);
    assert!(dead.has("&#60;b&#62;boom&#60;/b&#62; job-1") && !dead.has("<b>boom"), "errors are escaped: {}", dead.body);
    assert!(dead.has(Probe::KIND) && dead.has("共 3 条"));
    let csrf = dead.csrf();

    let page = b.post("/admin/console/queues/default/dead/job-1/retry", &[("csrf", &csrf)]).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/admin/console/queues/default"));
    assert_eq!(counts(&queue).await, (1, 2));
    let after = b.get("/admin/console/queues/default").await;
    assert!(after.has("任务 job-1 已重新排队") && !after.has("id=\"job-job-1\""), "{}", after.body);
    let page = b.post("/admin/console/queues/default/dead/job-1/retry", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(b.get("/admin/console/queues/default").await.has("已不在死信列表中"));

    let ask = b.post("/admin/console/queues/default/retry-all", &[("csrf", &csrf)]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.has("确定要重试 default 队列中的全部死信任务吗") && ask.has("name=\"confirmed\" value=\"1\""), "{}", ask.body);
    assert_eq!(counts(&queue).await, (1, 2), "asking moves nothing");
    let page = b.post("/admin/console/queues/default/retry-all", &[("csrf", &csrf), ("confirmed", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(counts(&queue).await, (3, 0));
    assert!(b.get("/admin/console/queues/default").await.has("已重新排队 2 个任务"));

    assert_eq!(b.get("/admin/console/queues/nope").await.status, StatusCode::NOT_FOUND);
    let forged = b.post("/admin/console/queues/default/retry-all", &[("csrf", "forged"), ("confirmed", "1")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}
