//! `scripts/bench rooms`: `GET /meetingrooms/available/` over 200 rooms in 10 buildings, two
//! thirds of them with reservations through a working week (4 a day), against the running system
//! (release builds). Prints `p50_ms=`/`p99_ms=` of one request at a time for: the rooms free for
//! the whole week (`available_week_`), free one-hour slots on one day (`slots_day_`) and through
//! the week (`slots_week_`), with `baseline_healthz_p99_ms=` from the same run. A sample is the
//! time from sending the request to its answer's last byte (the client does not parse it), and
//! `_bytes=` is the answer's size.

#![allow(clippy::print_stdout)] // a benchmark prints its figures

use std::sync::Arc;

use sqlx::Connection;
use yizhan_system_tests::bench::{drive, percentile};
use yizhan_system_tests::system::System;

const ROOMS: i64 = 200;
const SAMPLES: usize = 300;

fn enc(t: &str) -> String {
    t.replace('+', "%2B").replace(':', "%3A")
}

async fn measure(sys: &Arc<System>, token: &str, path: String) -> anyhow::Result<(f64, f64, usize, usize)> {
    let (status, first) = sys.call(reqwest::Method::GET, &path, Some(token), None).await;
    anyhow::ensure!(status == 200, "{path}: {status} {first}");
    let rooms = first.as_array().map_or(0, |b| b.iter().map(|b| b["meetingrooms"].as_array().map_or(0, Vec::len)).sum());
    let (_, bytes) = sys.get_raw(&path, Some(token)).await;
    let (sys, token) = (sys.clone(), token.to_owned());
    let (_, latencies, _) = drive(SAMPLES, 1, move |_| {
        let (sys, token, path) = (sys.clone(), token.clone(), path.clone());
        async move { serde_json::Value::from(sys.get_raw(&path, Some(&token)).await.1) }
    })
    .await;
    Ok((percentile(&latencies, 0.50), percentile(&latencies, 0.99), rooms, bytes))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sys = Arc::new(System::start_with(&[("RUST_LOG", "error")]).await);
    let admin = sys.login("admin", "admin-password").await;
    let mut conn = sqlx::PgConnection::connect(&sys.env.get("DATABASE_URL")).await?;
    sqlx::query(
        "INSERT INTO meeting_rooms (name, location, labels, capacity)
         SELECT 'R' || n, '楼' || (n % 10), CASE WHEN n % 2 = 0 THEN ARRAY['多媒体'] ELSE ARRAY[]::TEXT[] END, 4 + n % 30
           FROM generate_series(1, $1) n",
    )
    .bind(ROOMS)
    .execute(&mut conn)
    .await?;
    // Monday 2027-03-01 to Friday: 09:00, 10:30, 14:00 and 16:00 local, shifted by the room.
    let reservations = sqlx::query(
        "INSERT INTO room_reservations (room_id, user_id, period)
         SELECT r.id, (SELECT min(id) FROM users),
                tstzrange(s, s + interval '1 hour', '[)')
           FROM meeting_rooms r, generate_series(0, 4) d, unnest(ARRAY[time '09:00', time '10:30', time '14:00', time '16:00']) t,
                LATERAL (SELECT ((date '2027-03-01' + d + t) + (r.id % 4) * interval '15 minutes') AT TIME ZONE 'Asia/Shanghai' AS s) x
          WHERE r.id % 3 <> 0",
    )
    .execute(&mut conn)
    .await?
    .rows_affected();

    let health = sys.clone();
    let (_, healthz, _) = drive(SAMPLES, 1, move |_| {
        let sys = health.clone();
        async move { sys.call(reqwest::Method::GET, "/healthz", None, None).await.1 }
    })
    .await;
    let (mon, fri, mon_end) = ("2027-03-01T08:00:00+08:00", "2027-03-05T18:00:00+08:00", "2027-03-01T18:00:00+08:00");
    let base = "/meetingrooms/available/";
    let week = measure(&sys, &admin, format!("{base}?time_from={}&time_to={}", enc(mon), enc(fri))).await?;
    let day = measure(&sys, &admin, format!("{base}?time_from={}&time_to={}&length=60", enc(mon), enc(mon_end))).await?;
    let slots_week = measure(&sys, &admin, format!("{base}?time_from={}&time_to={}&length=60", enc(mon), enc(fri))).await?;
    println!("rooms={ROOMS} reservations={reservations} samples={SAMPLES} concurrency=1");
    for (name, m) in [("available_week", week), ("slots_day", day), ("slots_week", slots_week)] {
        println!("{name}_rooms={} {name}_bytes={} {name}_p50_ms={:.2} {name}_p99_ms={:.2}", m.2, m.3, m.0, m.1);
    }
    println!("baseline_healthz_p50_ms={:.2} baseline_healthz_p99_ms={:.2}", percentile(&healthz, 0.50), percentile(&healthz, 0.99));
    Ok(())
}
