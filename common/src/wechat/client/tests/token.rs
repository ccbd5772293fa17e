//! The shared token: one fetch for many processes, one refresh per invalidation, and a late
//! failure never deletes a newer token.

use std::time::Duration;

use super::{redis, Env, MP_APPID};
use crate::wechat::client::App;
use crate::wechat::errcode::ErrClass;

const USER_INFO: &str = "/cgi-bin/user/info";

#[tokio::test]
async fn three_processes_share_one_token_fetch() {
    let env = Env::start().await;
    *env.fake.token_delay.lock().expect("lock") = Duration::from_millis(300);
    let (a, b, c) = (env.client().await, env.client().await, env.client().await);
    let results = futures::future::join_all(
        [&a, &b, &c, &a, &b, &c].into_iter().map(|client| client.user_info("oUser1")),
    )
    .await;
    for result in results {
        assert_eq!(result.expect("user info").openid, "oUser1");
    }
    assert_eq!(env.fake.fetches(), 1, "exactly one token fetch for all processes");
    assert_eq!(env.fake.calls(USER_INFO), 6);
    let secret_seen = env.fake.seen("/cgi-bin/stable_token");
    assert_eq!(secret_seen[0].body["force_refresh"], false, "normal mode");
    assert_eq!(secret_seen[0].body["appid"], MP_APPID);
    let ttl: i64 = ::redis::cmd("TTL").arg(a.tokens().key(MP_APPID)).query_async(&mut redis().await).await.expect("ttl");
    assert!((6800..=6900).contains(&ttl), "cached for expires_in - 300 s, got {ttl}");
    env.cleanup().await;
}

#[tokio::test]
async fn an_invalid_token_is_refreshed_once_and_the_call_retried() {
    let env = Env::start().await;
    let (a, b, c) = (env.client().await, env.client().await, env.client().await);
    let first = a.access_token(App::Mp).await.expect("token");
    assert_eq!(env.fake.fetches(), 1);
    env.fake.invalidate_current();
    let results =
        futures::future::join_all([&a, &b, &c].into_iter().map(|client| client.user_info("oUser1"))).await;
    for result in results {
        result.expect("retried after the refresh");
    }
    assert_eq!(env.fake.fetches(), 2, "one invalidation, one fetch, however many processes");
    let calls = env.fake.calls(USER_INFO);
    assert!((4..=6).contains(&calls), "each process retried at most once: {calls} calls");
    let now = a.access_token(App::Mp).await.expect("token");
    assert_ne!(now, first);
    env.cleanup().await;
}

#[tokio::test]
async fn a_late_failure_does_not_delete_a_newer_token() {
    let env = Env::start().await;
    let client = env.client().await;
    let key = client.tokens().key(MP_APPID);
    let mut conn = redis().await;
    // This process cached OLD; meanwhile another process refreshed to NEWER.
    let _: () = ::redis::cmd("SET").arg(&key).arg("OLD").query_async(&mut conn).await.expect("seed");
    *env.fake.refresh_elsewhere.lock().expect("lock") = Some((conn.clone(), key.clone(), "NEWER".into()));
    client.user_info("oUser1").await.expect("retried with the newer token");
    let cached: Option<String> = ::redis::cmd("GET").arg(&key).query_async(&mut conn).await.expect("get");
    assert_eq!(cached.as_deref(), Some("NEWER"), "the newer token survives");
    assert_eq!(env.fake.fetches(), 0, "no fetch: the newer cached token was used");
    let tokens: Vec<String> =
        env.fake.seen(USER_INFO).iter().map(|s| s.query.get("access_token").cloned().unwrap_or_default()).collect();
    assert_eq!(tokens, ["OLD", "NEWER"]);
    assert!(!client.tokens().invalidate(MP_APPID, "OLD").await.expect("cad"), "compare-and-delete refuses");
    assert!(client.tokens().invalidate(MP_APPID, "NEWER").await.expect("cad"));
    env.cleanup().await;
}

#[tokio::test]
async fn a_token_error_on_the_retry_is_returned_not_looped() {
    let env = Env::start().await;
    let client = env.client().await;
    env.fake.fault(USER_INFO, "40001");
    env.fake.fault(USER_INFO, "42001");
    let err = client.user_info("oUser1").await.expect_err("second refusal");
    assert_eq!(err.class(), ErrClass::TokenInvalid);
    assert_eq!(err.errcode(), Some(42001));
    assert_eq!(env.fake.calls(USER_INFO), 2, "retried exactly once");
    env.cleanup().await;
}

#[tokio::test]
async fn a_wrong_secret_is_a_permanent_error_without_the_secret() {
    let env = Env::start().await;
    let mut config = super::config(&env.base, Duration::from_secs(5));
    if let Some(mp) = config.mp.as_mut() {
        mp.secret = secrecy::SecretString::from("WRONG-SECRET-VALUE");
    }
    let client = crate::wechat::client::WechatClient::new(&config, redis().await, &env.prefix).expect("client");
    let err = client.user_info("oUser1").await.expect_err("bad secret");
    assert_eq!(err.errcode(), Some(40125));
    assert_eq!(err.class(), ErrClass::Permanent);
    assert!(!format!("{err} {err:?}").contains("WRONG-SECRET-VALUE"));
    assert!(!format!("{config:?}").contains("WRONG-SECRET-VALUE"));
    env.cleanup().await;
}

#[tokio::test]
async fn each_fetch_is_recorded_for_operators_and_the_token_never_is() {
    let env = Env::start().await;
    let client = env.client().await;
    let fresh = client.tokens().state(MP_APPID).await.expect("state");
    assert_eq!((fresh.refreshed_at, fresh.last_error), (None, None), "nothing fetched, nothing recorded");

    env.fake.fault("/cgi-bin/stable_token", "45009");
    client.access_token(App::Mp).await.expect_err("WeChat refused the fetch");
    let failed = client.tokens().state(MP_APPID).await.expect("state");
    let (at, error) = failed.last_error.clone().expect("the failure is recorded");
    assert!(error.contains("45009"), "{error}");
    assert!((chrono::Utc::now() - at).num_seconds().abs() < 10, "{at}");
    assert_eq!(failed.refreshed_at, None);

    let token = client.access_token(App::Mp).await.expect("token");
    let fetched = client.tokens().state(MP_APPID).await.expect("state");
    let refreshed = fetched.refreshed_at.expect("the fetch is recorded");
    assert!((chrono::Utc::now() - refreshed).num_seconds().abs() < 10, "{refreshed}");
    assert_eq!(fetched.last_error, failed.last_error, "the last failure stays on record beside the success");
    let log: std::collections::HashMap<String, String> =
        ::redis::cmd("HGETALL").arg(client.tokens().log_key(MP_APPID)).query_async(&mut redis().await).await.expect("log");
    assert_eq!(log.get("expires_in_s").map(String::as_str), Some("7200"));
    assert!(log.values().all(|v| !v.contains(&token)), "the token is never recorded: {log:?}");
    env.cleanup().await;
}
