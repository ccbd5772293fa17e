//! The real binaries: migrate, create the first admin, serve HTTP, and stop cleanly on SIGTERM.

use std::time::Duration;

use serde_json::{json, Value};
use yizhan_system_tests::{fresh_database, free_port, wait_http_ok, SystemEnv};

#[tokio::test]
async fn api_serves_a_login_and_all_processes_stop_on_sigterm() {
    let db = fresh_database().await;
    let port = free_port();
    let env = SystemEnv::new(&db).with("API_ADDR", &format!("127.0.0.1:{port}"));
    assert!(env.run("yizhan-api", &["migrate"]).success());
    assert!(env.run("yizhan-api", &["create-admin", "--username", "admin", "--password", "admin-password"]).success());
    // Idempotent: a second run succeeds and leaves one admin.
    assert!(env.run("yizhan-api", &["create-admin", "--username", "admin", "--password", "admin-password"]).success());

    let mut api = env.spawn("yizhan-api", &[]);
    let mut worker = env.spawn("yizhan-worker", &[]);
    let mut scheduler = env.spawn("yizhan-scheduler", &[]);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    assert!(wait_http_ok(&http, &format!("{base}/healthz"), Duration::from_secs(20)).await, "api did not come up");
    assert!(wait_http_ok(&http, &format!("{base}/readyz"), Duration::from_secs(10)).await, "api not ready");

    let res = http
        .post(format!("{base}/auth/get-token/"))
        .json(&json!({"username": "admin", "password": "admin-password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned();
    let me: Value = http
        .get(format!("{base}/current-user/"))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .expect("current user")
        .json()
        .await
        .expect("json");
    assert_eq!(me["username"], "admin");

    let res = http.get(format!("{base}/nowhere")).send().await.expect("404");
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.expect("json")["error"]["code"], "not_found");

    for (name, proc) in [("api", &mut api), ("worker", &mut worker), ("scheduler", &mut scheduler)] {
        let status = proc.terminate(Duration::from_secs(20)).unwrap_or_else(|| panic!("{name} did not stop on SIGTERM"));
        assert!(status.success(), "{name} exited with {status}");
    }
}

#[tokio::test]
async fn a_missing_variable_is_named_at_start_up() {
    let out = std::process::Command::new(yizhan_system_tests::binary("yizhan-api"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run api");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL is required"), "{stderr}");
    assert!(stderr.contains("REDIS_URL is required"), "{stderr}");
}

#[tokio::test]
async fn a_bad_cluster_node_list_is_named_at_start_up_without_the_password() {
    let out = std::process::Command::new(yizhan_system_tests::binary("yizhan-api"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/yizhan")
        .env("REDIS_URL", "redis://:hunter2-secret@127.0.0.1:1/")
        .env("REDIS_CLUSTER_NODES", "127.0.0.1:2,redis://:other-secret@127.0.0.1:3")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run api");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("REDIS_CLUSTER_NODES"), "{stderr}");
    assert!(!stderr.contains("hunter2") && !stderr.contains("other-secret"), "a password was printed: {stderr}");
}
