//! The admin console in headless Chromium against the whole running system: sign in as the
//! admin, see the queues page, retry a dead job and watch it leave the dead list (the worker runs
//! it again and it succeeds). Screenshots of the main pages go to `screenshots/` (git-ignored).

use std::path::PathBuf;
use std::time::Duration;

use yizhan_system_tests::browser::Browser;
use chrono::Utc;
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
