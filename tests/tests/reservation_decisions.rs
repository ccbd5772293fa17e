//! Seed 002 预约 under load, through the real api and two worker processes: 500 concurrent,
//! mostly conflicting requests for one room. The single-consumer queue decides them; `kill -9` of
//! the deciding worker mid-run hands the rest to the standby. In the end every request is decided
//! exactly once (201, 409, or a 202 whose status URL tells), the accepted ones never overlap and
//! each has its one reservation, and each refusal names a reservation that really is in its way.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use yizhan_system_tests::system::System;

const REQUESTS: usize = 500;
const WITHIN: Duration = Duration::from_secs(60);

fn period(i: usize) -> (DateTime<Utc>, DateTime<Utc>) {
    // Starts on 96 quarter hours of one day, 30 to 120 minutes long: most requests collide.
    let day = DateTime::parse_from_rfc3339("2027-06-01T00:00:00+08:00").expect("day").to_utc();
    let from = day + TimeDelta::minutes(15 * ((i * 37) % 96) as i64);
    (from, from + TimeDelta::minutes(30 * (1 + (i % 4)) as i64))
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}"))).expect("time").to_utc()
}

#[tokio::test]
async fn five_hundred_conflicting_requests_and_a_killed_decider_leave_a_non_overlapping_set() {
    let mut sys = System::start_with(&[("LEASE_TTL_MS", "2000"), ("LEASE_RETRY_MS", "200"), ("RESERVATION_WAIT_MS", "5000")]).await;
    let admin = sys.login("admin", "admin-password").await;
    let staff = sys.user(&admin, "li", &["staff"]).await;
    let (status, room) = sys.post("/admin/meetingrooms/", Some(&admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_i64().expect("id");
    let stores = sys.stores().await;
    let db = stores.pool.clone();

    // The first worker holds the queue once it has decided a request; then the standby starts.
    let (from, to) = period(REQUESTS);
    let (status, v) = sys.post("/reservations/", Some(&staff), json!({"reserve_from": from, "reserve_to": to, "meetingroom": room})).await;
    assert!(status == 201 || status == 409, "{status} {v}");
    let standby = sys.env.spawn("yizhan-worker", &[]);
    sys.procs().push(standby);
    let fence_before: i64 = sqlx::query_scalar("SELECT coalesce(max(fence), 0) FROM fences").fetch_one(&db).await.expect("fence");

    // procs: sim, api, the first worker, the standby.
    let first_worker = sys.procs()[2].pid();
    let sys = std::sync::Arc::new(sys);
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..REQUESTS {
        let (sys, staff) = (sys.clone(), staff.clone());
        requests.spawn(async move {
            let (from, to) = period(i);
            let body = json!({"reserve_from": from, "reserve_to": to, "description": format!("#{i}"), "meetingroom": room});
            (i, sys.post("/reservations/", Some(&staff), body).await)
        });
    }
    // The first worker dies with a hundred decided and the rest still to decide.
    let killer = {
        let db = db.clone();
        async move {
            yizhan_system_tests::eventually("a hundred decisions", WITHIN, || async {
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM reservation_requests WHERE status <> 'pending'").fetch_one(&db).await.ok()?;
                (n >= 100).then_some(())
            })
            .await;
            let status = std::process::Command::new("kill").args(["-KILL", &first_worker.to_string()]).status().expect("kill");
            assert!(status.success(), "kill -9 of the deciding worker");
            let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM reservation_requests WHERE status = 'pending'").fetch_one(&db).await.expect("count");
            pending
        }
    };
    let (mut answers, undecided) = tokio::join!(requests.join_all(), killer);
    answers.sort_by_key(|(i, _)| *i);
    let sys = std::sync::Arc::into_inner(sys).expect("every request answered");

    let (mut created, mut taken, mut accepted_later) = (0, 0, 0);
    for (i, (status, v)) in &answers {
        let i = *i;
        match status {
            201 => created += 1,
            409 => {
                assert_eq!(v["error"]["code"], "room_taken", "#{i}: {v}");
                let (from, to) = period(i);
                let (cf, ct) = (time(&v["error"]["conflict"]["reserve_from"]), time(&v["error"]["conflict"]["reserve_to"]));
                assert!(cf < to && from < ct, "#{i}: the conflict {cf}..{ct} overlaps {from}..{to}");
                taken += 1;
            }
            202 => {
                let url = v["url"].as_str().expect("status URL").to_owned();
                let decided = sys
                    .eventually("a 202's decision", WITHIN, || async {
                        let (_, v) = sys.call(reqwest::Method::GET, &url, Some(&staff), None).await;
                        (v["status"] != "pending").then_some(v)
                    })
                    .await;
                if decided["status"] == "accepted" {
                    accepted_later += 1;
                }
            }
            other => panic!("#{i}: unexpected {other}: {v}"),
        }
    }
    sys.eventually("every request decided", WITHIN, || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM reservation_requests WHERE status = 'pending'").fetch_one(&db).await.ok()?;
        (n == 0).then_some(())
    })
    .await;

    let accepted: i64 = sqlx::query_scalar("SELECT count(*) FROM reservation_requests WHERE status = 'accepted'").fetch_one(&db).await.expect("count");
    let reservations: i64 = sqlx::query_scalar("SELECT count(*) FROM room_reservations WHERE status = 'confirmed'").fetch_one(&db).await.expect("count");
    assert_eq!(accepted, reservations, "each accepted request has exactly one reservation");
    let overlapping: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM room_reservations a JOIN room_reservations b ON a.id < b.id AND a.room_id = b.room_id AND a.period && b.period",
    )
    .fetch_one(&db)
    .await
    .expect("overlaps");
    assert_eq!(overlapping, 0, "no two reservations overlap");
    // Each refusal lost to a reservation that exists and overlaps it.
    let wrong_refusals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reservation_requests q WHERE q.status = 'refused'
           AND NOT EXISTS (SELECT 1 FROM room_reservations v WHERE v.period = q.conflict AND v.period && q.period)",
    )
    .fetch_one(&db)
    .await
    .expect("refusals");
    assert_eq!(wrong_refusals, 0, "every refusal names a reservation in its way");
    // A refused request had a free moment nowhere: adding any of them would overlap (the set is maximal).
    let addable: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reservation_requests q WHERE q.status = 'refused' AND q.refusal = 'room_taken'
           AND NOT EXISTS (SELECT 1 FROM room_reservations v WHERE v.room_id = q.room_id AND v.status = 'confirmed' AND v.period && q.period)",
    )
    .fetch_one(&db)
    .await
    .expect("addable");
    assert_eq!(addable, 0, "no refused request would have fitted");
    let first_accepted = usize::from(status == 201);
    assert_eq!(created + accepted_later + first_accepted, accepted as usize, "the answers agree with the table");
    let fence_after: i64 = sqlx::query_scalar("SELECT coalesce(max(fence), 0) FROM fences").fetch_one(&db).await.expect("fence");
    println!(
        "requests={REQUESTS} created={created} room_taken={taken} accepted_after_202={accepted_later} undecided_at_kill={undecided} accepted_total={accepted} fence {fence_before}->{fence_after}"
    );
    assert!(undecided > 0, "the decider was killed with requests left to decide");
    assert!(fence_after > fence_before, "the standby took the queue over with a newer token");
}
