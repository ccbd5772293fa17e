//! A whole running system for one test: a fresh database, the simulator standing in for WeChat,
//! and the real api and worker binaries pointed at it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::round_robin::RoundRobin;
use crate::{fresh_database, free_port, wait_http_ok, Proc, SystemEnv};

pub struct System {
    pub api: String,
    pub sim: String,
    pub env: SystemEnv,
    pub http: reqwest::Client,
    procs: Vec<Proc>,
    /// With several API processes: the proxy in front of them (`api` is its address).
    pub proxy: Option<RoundRobin>,
}

/// How many of each process a system runs.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub apis: usize,
    pub workers: usize,
    pub schedulers: usize,
}

impl Shape {
    /// One API and one worker, no scheduler: what most tests need.
    pub const ONE: Shape = Shape { apis: 1, workers: 1, schedulers: 0 };
}

impl System {
    /// Starts sim, api and worker (migrated, with an admin `admin` / `admin-password`).
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    pub async fn start_with(extra: &[(&str, &str)]) -> Self {
        Self::start_inner(extra, None, Shape::ONE).await
    }

    /// `shape.apis` API processes behind one address (a round-robin proxy that gives every new
    /// connection to the next one; this system's client opens a connection per request, so
    /// requests alternate), `shape.workers` workers and `shape.schedulers` schedulers.
    pub async fn start_several(extra: &[(&str, &str)], shape: Shape) -> Self {
        Self::start_inner(extra, None, shape).await
    }

    /// Like [`System::start_with`], with the api's and the worker's output written to
    /// `dir/api.log` and `dir/worker.log` (for tests that read what the processes log).
    pub async fn start_logged(extra: &[(&str, &str)], dir: &std::path::Path) -> Self {
        std::fs::create_dir_all(dir).expect("log folder");
        Self::start_inner(extra, Some(dir), Shape::ONE).await
    }

    async fn start_inner(extra: &[(&str, &str)], logs: Option<&std::path::Path>, shape: Shape) -> Self {
        let db = fresh_database().await;
        let api_ports: Vec<u16> = (0..shape.apis.max(1)).map(|_| free_port()).collect();
        let (api_port, sim_port) = (api_ports[0], free_port());
        let mut env = SystemEnv::new(&db)
            .with("API_ADDR", &format!("127.0.0.1:{api_port}"))
            .with("SIM_ADDR", &format!("127.0.0.1:{sim_port}"))
            .with("WECHAT_API_BASE", &format!("http://127.0.0.1:{sim_port}"))
            .with("WECHAT_MINI_APPID", "wxsimmini")
            .with("WECHAT_MINI_SECRET", "sim-mini-secret")
            .with("WECHAT_MP_APPID", "wxsimmp")
            .with("WECHAT_MP_SECRET", "sim-mp-secret")
            .with("SIM_CALLBACK_URL", &format!("http://127.0.0.1:{api_port}/api/nurses/msg/wx/callback"))
            // Aliyun SMS is the simulator too (its fixed test key).
            .with("SMS_ENDPOINT", &format!("http://127.0.0.1:{sim_port}/"))
            .with("SMS_ACCESS_KEY_ID", "sim-sms-key")
            .with("SMS_ACCESS_KEY_SECRET", "sim-sms-secret")
            .with("SMS_SIGN_NAME", "驿站")
            // Koala too (the simulator's admin).
            .with("KOALA_BASE", &format!("http://127.0.0.1:{sim_port}"))
            .with("KOALA_USERNAME", "sim-koala")
            .with("KOALA_PASSWORD", "sim-koala-password");
        for (k, v) in extra {
            env = env.with(k, v);
        }
        assert!(env.run("yizhan-api", &["migrate"]).success(), "migrate");
        assert!(env.run("yizhan-api", &["create-admin", "--username", "admin", "--password", "admin-password"]).success());
        let spawn = |name: &str, log: &str| match logs {
            Some(dir) => env.spawn_logged(name, &[], &dir.join(log)),
            None => env.spawn(name, &[]),
        };
        let mut procs = vec![env.spawn("yizhan-sim", &[]), spawn("yizhan-api", "api.log"), spawn("yizhan-worker", "worker.log")];
        let http = reqwest::Client::new();
        for port in &api_ports[1..] {
            procs.push(env.clone().with("API_ADDR", &format!("127.0.0.1:{port}")).spawn("yizhan-api", &[]));
        }
        procs.extend((1..shape.workers).map(|_| env.spawn("yizhan-worker", &[])));
        procs.extend((0..shape.schedulers).map(|_| env.spawn("yizhan-scheduler", &[])));
        for port in &api_ports {
            assert!(wait_http_ok(&http, &format!("http://127.0.0.1:{port}/readyz"), Duration::from_secs(30)).await, "api on {port} not ready");
        }
        let (api, proxy, http) = if api_ports.len() > 1 {
            let proxy = RoundRobin::start(api_ports.iter().map(|p| format!("127.0.0.1:{p}")).collect()).await;
            let fresh_connections = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
            (format!("http://{}", proxy.addr), Some(proxy), fresh_connections)
        } else {
            (format!("http://127.0.0.1:{api_port}"), None, http)
        };
        let system = Self { api, sim: format!("http://127.0.0.1:{sim_port}"), env, http, procs, proxy };
        assert!(wait_http_ok(&system.http, &format!("{}/_sim/stats", system.sim), Duration::from_secs(10)).await, "sim not up");
        system
    }

    /// Stops every process (SIGTERM, then up to 10 s each), so their logs are complete.
    pub fn stop_all(&mut self) {
        for proc in &mut self.procs {
            let _ = proc.terminate(Duration::from_secs(10));
        }
    }

    pub fn procs(&mut self) -> &mut Vec<Proc> {
        &mut self.procs
    }

    /// The process ids of the (first) api and worker.
    pub fn api_and_worker_pids(&self) -> (u32, u32) {
        (self.procs[1].pid(), self.procs[2].pid())
    }

    /// Sends a request to the API and returns status and JSON body (Null when empty).
    pub async fn call(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.api));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON") })
    }

    /// `GET path` read to its last byte and not parsed: the status and the body's length.
    pub async fn get_raw(&self, path: &str, token: Option<&str>) -> (u16, usize) {
        let mut req = self.http.get(format!("{}{path}", self.api));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.bytes().await.expect("body").len())
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, v) = self.post("/auth/get-token/", None, json!({"username": username, "password": password})).await;
        assert_eq!(status, 200, "{v}");
        v["token"].as_str().expect("token").to_owned()
    }

    /// Creates a user with roles and returns its token.
    pub async fn user(&self, admin: &str, username: &str, roles: &[&str]) -> String {
        let (status, v) = self
            .post("/admin/users", Some(admin), json!({"username": username, "password": "password-123", "roles": roles}))
            .await;
        assert_eq!(status, 201, "{v}");
        self.login(username, "password-123").await
    }

    pub async fn sim_get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.sim)).send().await.expect("sim").json().await.expect("json")
    }

    pub async fn sim_post(&self, path: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}{path}", self.sim)).json(&body).send().await.expect("sim");
        if res.status() == 204 {
            return Value::Null;
        }
        res.json().await.expect("json")
    }

    /// What the phone records when the user taps accept in `wx.requestSubscribeMessage`: one
    /// grant at the simulator for each template `subscribe_auth_result` marks `accept` (call it
    /// with the same map the request carries, so WeChat allows exactly what the front end asked).
    pub async fn accept(&self, openid: &str, subscribe_auth_result: &Value) {
        let Some(map) = subscribe_auth_result.as_object() else { return };
        for (template, decision) in map {
            if decision == "accept" {
                self.sim_post("/_sim/grants", json!({"openid": openid, "templateId": template, "count": 1})).await;
            }
        }
    }

    /// Polls `check` until it returns `Some`, or panics after `timeout`.
    pub async fn eventually<T, F, Fut>(&self, what: &str, timeout: Duration, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        crate::eventually(what, timeout, check).await
    }

    /// The test's own pool and queues on this system's stores.
    pub async fn stores(&self) -> crate::stores::Stores {
        crate::stores::Stores::connect(&self.env).await
    }
}
