//! The WeChat access token is shared by every process: three processes asking at the same moment
//! cause exactly one fetch from WeChat (the simulator counts token fetches), and all use that token.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use yizhan_sim::{SimConfig, SimServer};
use yizhan_system_tests::lines::LineProc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)] // the in-process simulator serves while this thread waits on the probes
async fn three_processes_share_one_token_fetch() {
    let sim = SimServer::spawn(SimConfig::for_tests()).await.expect("simulator");
    let prefix = format!("sys:wxtoken:{}", uuid::Uuid::new_v4().simple());
    let vars = vec![
        ("REDIS_URL".to_owned(), yizhan_system_tests::env("REDIS_URL")),
        ("REDIS_PREFIX".to_owned(), prefix.clone()),
        ("RUST_LOG".to_owned(), "warn".to_owned()),
        ("WECHAT_API_BASE".to_owned(), sim.base.clone()),
        ("WECHAT_MINI_APPID".to_owned(), "wxsimmini".to_owned()),
        ("WECHAT_MINI_SECRET".to_owned(), "sim-mini-secret".to_owned()),
    ];
    let start_at = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() + 1500;
    let probe = Path::new(env!("CARGO_BIN_EXE_yizhan-probe"));
    let args = ["wechat-token".to_owned(), "--start-at-ms".to_owned(), start_at.to_string()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let procs: Vec<LineProc> = (0..3).map(|_| LineProc::spawn(probe, &args, &vars)).collect();
    let mut tokens = Vec::new();
    for p in &procs {
        let line = p.wait_line("token ", Duration::from_secs(20)).expect("a token");
        tokens.push(line.trim_start_matches("token ").to_owned());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one shared token: {tokens:?}");
    let stats: Value = reqwest::get(format!("{}/_sim/stats", sim.base)).await.expect("stats").json().await.expect("json");
    assert_eq!(stats["tokenFetches"], 1, "{stats}");
    yizhan_system_tests::redis_keys::delete_prefix(&prefix).await;
}
