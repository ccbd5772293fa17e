//! The load every scenario runs: bookings with an accepted subscribe grant, each of which plans
//! one WeChat message (an outbox row, a job, a claimed send row, a call to the simulator), and
//! the tally of what became of them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use yizhan_system_tests::bench::drive;
use yizhan_system_tests::system::System;

/// Places per schedule: the admin route's maximum.
const PER_SCHEDULE: usize = 10_000;

pub struct Load {
    pub sys: Arc<System>,
    user: String,
    openid: String,
    schedules: Vec<i64>,
    patients: Vec<i64>,
    /// Bookings answered so far (a scenario strikes when a share of them is done).
    pub answered: AtomicUsize,
}

/// One booking as the client saw it: its status (0: no answer), the appointment id when 200,
/// and when the answer came.
#[derive(Debug, Clone, Copy)]
pub struct Booking {
    pub status: u16,
    pub id: Option<i64>,
    pub at_ms: i64,
}

/// What became of the messages of the acknowledged bookings.
#[derive(Debug, Default)]
pub struct Tally {
    /// Acknowledged bookings: each planned one message.
    pub jobs: usize,
    /// Messages neither delivered nor ended with a permanent errcode recorded in the send log.
    pub lost: usize,
    /// Deliveries beyond the first of one message.
    pub duplicated: usize,
    /// Messages ended by a permanent errcode (recorded with it).
    pub failed_permanent: usize,
    /// From a booking's answer to its message reaching the simulator, the longest.
    pub max_delay_ms: i64,
    /// WeChat calls beyond one per message (retries after transient errors), from the send log.
    pub calls_beyond_one: i64,
    /// Whether every send row reached a final state before the deadline.
    pub settled: bool,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Load {
    /// A hospital with enough places for `n` bookings, one patient user with `n` patients, and
    /// its openid bound by a first booking (whose message is waited for).
    pub async fn prepare(sys: Arc<System>, n: usize) -> anyhow::Result<Self> {
        let admin = sys.login("admin", "admin-password").await;
        let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "演练医院"})).await;
        let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
        let date = (chrono::Local::now().date_naive() + chrono::Days::new(30)).format("%Y-%m-%d").to_string();
        let mut schedules = Vec::new();
        for k in 0..n.div_ceil(PER_SCHEDULE / 2).max(1) {
            let (status, s) = sys
                .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date,
                      "period": format!("时段{k}"), "startTime": "08:00", "endTime": "12:00", "capacity": PER_SCHEDULE, "fee": 10.0}))
                .await;
            anyhow::ensure!(status == 201, "schedule: {s}");
            schedules.push(s["id"].as_i64().expect("schedule id"));
        }
        let user = sys.user(&admin, "chaos", &["patient"]).await;
        let (_, me) = sys.call(reqwest::Method::GET, "/current-user/", Some(&user), None).await;
        let mut conn = PgConnection::connect(&sys.env.get("DATABASE_URL")).await?;
        let patients: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO patients (user_id, name, phone) SELECT $1, '患者' || g, '13800000000' FROM generate_series(1, $2) g RETURNING id",
        )
        .bind(me["id"].as_i64().expect("user id"))
        .bind(i32::try_from(n + 1)?)
        .fetch_all(&mut conn)
        .await?;
        conn.close().await?;
        let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
        let openid = wx["openid"].as_str().expect("openid").to_owned();
        // Twice the grants the bookings accept: a message delivered twice (a worker killed between
        // WeChat's answer and the row recording it) spends a grant at WeChat, and without slack the
        // last bookings' messages would then fail with 43101 and hide among the permanent failures.
        sys.sim_post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID1", "count": 2 * n + 1})).await;
        let (status, v) = sys
            .post("/patient/appointments", Some(&user), json!({"scheduleId": schedules[0], "patientId": patients[n],
                  "wxCode": wx["code"], "subscribeAuthResult": {"模板ID1": "accept"}}))
            .await;
        anyhow::ensure!(status == 200, "the first booking failed: {v}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while sys.sim_get(&format!("/_sim/messages?touser={openid}")).await["count"].as_u64() != Some(1) {
            anyhow::ensure!(Instant::now() < deadline, "the first booking's message never arrived");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Self { sys, user, openid, schedules, patients, answered: AtomicUsize::new(0) })
    }

    /// `n` bookings (as prepared) from `concurrency` clients; a request that gets no answer
    /// (the API unreachable) counts as status 0.
    pub async fn book_all(self: &Arc<Self>, n: usize, concurrency: usize) -> Vec<Booking> {
        let load = self.clone();
        let (_, _, results) = drive(n, concurrency, move |i| {
            let load = load.clone();
            async move {
                let b = load.book(i).await;
                load.answered.fetch_add(1, Ordering::Relaxed);
                json!({"status": b.status, "id": b.id, "at": b.at_ms})
            }
        })
        .await;
        results
            .iter()
            .map(|r| Booking { status: r["status"].as_u64().unwrap_or(0) as u16, id: r["id"].as_i64(), at_ms: r["at"].as_i64().unwrap_or(0) })
            .collect()
    }

    async fn book(&self, i: usize) -> Booking {
        let body = json!({"scheduleId": self.schedules[i % self.schedules.len()], "patientId": self.patients[i],
                          "subscribeAuthResult": {"模板ID1": "accept"}});
        let sent = self
            .sys
            .http
            .post(format!("{}/patient/appointments", self.sys.api))
            .bearer_auth(&self.user)
            .json(&body)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let Ok(res) = sent else { return Booking { status: 0, id: None, at_ms: now_ms() } };
        let status = res.status().as_u16();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        Booking { status, id: if status == 200 { v["id"].as_i64() } else { None }, at_ms: now_ms() }
    }

    /// Waits (up to `deadline`) until no send row of these bookings is `pending` or `sending`,
    /// then counts what reached the simulator against what was acknowledged.
    pub async fn settle(&self, bookings: &[Booking], deadline: Duration) -> anyhow::Result<Tally> {
        let acknowledged: HashMap<i64, i64> = bookings.iter().filter_map(|b| Some((b.id?, b.at_ms))).collect();
        let ids: Vec<i64> = acknowledged.keys().copied().collect();
        let mut conn = PgConnection::connect(&self.sys.env.get("DATABASE_URL")).await?;
        let until = Instant::now() + deadline;
        let settled = loop {
            let open: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM subscribe_sends WHERE appointment_id = ANY($1) AND status IN ('pending', 'sending')",
            )
            .bind(&ids)
            .fetch_one(&mut conn)
            .await?;
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_sends WHERE appointment_id = ANY($1)")
                .bind(&ids)
                .fetch_one(&mut conn)
                .await?;
            if open == 0 && rows as usize == ids.len() {
                break true;
            }
            if Instant::now() > until {
                break false;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        let permanent: HashSet<i64> = sqlx::query_scalar::<_, i64>(
            "SELECT appointment_id FROM subscribe_sends WHERE appointment_id = ANY($1) AND status = 'failed' AND errcode IS NOT NULL",
        )
        .bind(&ids)
        .fetch_all(&mut conn)
        .await?
        .into_iter()
        .collect();
        let calls_beyond_one: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(GREATEST(attempts - 1, 0)), 0)::BIGINT FROM subscribe_sends WHERE appointment_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_one(&mut conn)
        .await?;
        conn.close().await?;

        let messages = self.sys.sim_get(&format!("/_sim/messages?touser={}", self.openid)).await;
        let mut received: HashMap<i64, (usize, i64)> = HashMap::new();
        for m in messages["messages"].as_array().into_iter().flatten() {
            let id = m["page"].as_str().and_then(|p| p.rsplit("id=").next()).and_then(|id| id.parse::<i64>().ok());
            let (Some(id), Some(at)) = (id, m["atMs"].as_i64()) else { continue };
            let entry = received.entry(id).or_insert((0, at));
            entry.0 += 1;
            entry.1 = entry.1.min(at);
        }
        let mut tally = Tally { jobs: ids.len(), settled, calls_beyond_one, ..Tally::default() };
        for (id, answered_at) in &acknowledged {
            match received.get(id) {
                Some(&(count, first)) => {
                    tally.duplicated += count - 1;
                    tally.max_delay_ms = tally.max_delay_ms.max(first - answered_at);
                }
                None if permanent.contains(id) => tally.failed_permanent += 1,
                None => tally.lost += 1,
            }
        }
        Ok(tally)
    }
}
