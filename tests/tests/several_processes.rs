//! Several processes of each kind keep every invariant: two API processes behind one address (a
//! round-robin proxy: each request a new connection, so requests alternate), two workers and two
//! schedulers on one PostgreSQL and one Redis. Concurrent bookings of the last places, guesses at
//! one password, and conflicting room reservations arrive through both API processes.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use serde_json::{json, Value};
use yizhan_system_tests::system::{Shape, System};

const SEVERAL: Shape = Shape { apis: 2, workers: 2, schedulers: 2 };

/// How many answers had each status.
fn tally(statuses: impl IntoIterator<Item = u16>) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for s in statuses {
        *counts.entry(s).or_default() += 1;
    }
    counts
}

async fn schedule(sys: &System, admin: &str, capacity: i64) -> i64 {
    let (_, h) = sys.post("/admin/hospitals", Some(admin), json!({"name": "北交大校医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    let date = (chrono::Utc::now() + chrono::Duration::days(21)).format("%Y-%m-%d").to_string();
    let (status, s) = sys
        .post(
            "/admin/schedules",
            Some(admin),
            json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date, "period": "上午",
                   "startTime": "08:00", "endTime": "12:00", "capacity": capacity, "fee": 10.0}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_i64().expect("id")
}

/// A patient user with a patient record and a Mini Program user who accepted 模板ID1: the
/// booking body that carries the grant.
async fn patient_booking(sys: &System, admin: &str, n: usize, schedule: i64) -> (String, String, Value) {
    let token = sys.user(admin, &format!("patient{n}"), &["patient"]).await;
    let (status, p) = sys.post("/patient/patients", Some(&token), json!({"name": format!("病人{n}"), "phone": "13812345678"})).await;
    assert_eq!(status, 201, "{p}");
    let user = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = user["openid"].as_str().expect("openid").to_owned();
    let accepted = json!({"模板ID1": "accept"});
    sys.accept(&openid, &accepted).await;
    let body = json!({"scheduleId": schedule, "patientId": p["id"], "wxCode": user["code"], "subscribeAuthResult": accepted});
    (token, openid, body)
}

#[tokio::test]
async fn two_of_each_process_keep_every_invariant() {
    let sys = System::start_several(&[("LOGIN_MAX_FAILURES", "5")], SEVERAL).await;
    let admin = sys.login("admin", "admin-password").await;

    // The last 20 places, asked for by 60 patients at once: exactly 20 booked, each told once.
    let places = 20;
    let s = schedule(&sys, &admin, places).await;
    let mut patients = Vec::new();
    for n in 0..60 {
        patients.push(patient_booking(&sys, &admin, n, s).await);
    }
    let answers = join_all(patients.iter().map(|(token, _, body)| sys.post("/patient/appointments", Some(token), body.clone()))).await;
    let counts = tally(answers.iter().map(|(status, _)| *status));
    assert_eq!(counts, BTreeMap::from([(200, 20), (409, 40)]), "{answers:?}");
    assert!(answers.iter().filter(|(s, _)| *s == 409).all(|(_, v)| v["error"]["code"] == "schedule_full"), "{answers:?}");
    let stores = sys.stores().await;
    let booked: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments WHERE schedule_id = $1 AND status <> 'cancelled'")
        .bind(s)
        .fetch_one(&stores.pool)
        .await
        .expect("count");
    assert_eq!(booked, places);
    let messages = || async {
        let all = sys.sim_get("/_sim/messages").await["messages"].as_array().cloned().unwrap_or_default();
        all.into_iter().filter(|m| m["templateId"] == "模板ID1").collect::<Vec<_>>()
    };
    sys.eventually("a message per booking", Duration::from_secs(30), || async { (messages().await.len() >= 20).then_some(()) }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered = messages().await;
    let booked_openids: Vec<&str> = patients.iter().zip(&answers).filter(|(_, (s, _))| *s == 200).map(|((_, openid, _), _)| openid.as_str()).collect();
    let mut to: Vec<&str> = delivered.iter().map(|m| m["touser"].as_str().expect("touser")).collect();
    to.sort_unstable();
    let mut expected = booked_openids.clone();
    expected.sort_unstable();
    assert_eq!(to, expected, "each booked patient told exactly once, nobody else");

    // Thirty guesses at one password at once, through both processes: five count, the rest 429.
    sys.user(&admin, "target", &["staff"]).await;
    let guesses = join_all((0..30).map(|i| sys.post("/auth/get-token/", None, json!({"username": "target", "password": format!("wrong-{i}")})))).await;
    let counts = tally(guesses.iter().map(|(status, _)| *status));
    assert_eq!(counts, BTreeMap::from([(400, 5), (429, 25)]), "the throttle is one for every API process: {guesses:?}");

    // Thirty requests for one room's same hour at once: one reservation, every other refused.
    let (status, room) = sys.post("/admin/meetingrooms/", Some(&admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    assert_eq!(status, 201, "{room}");
    let mut staff = Vec::new();
    for n in 0..10 {
        staff.push(sys.user(&admin, &format!("staff{n}"), &["staff"]).await);
    }
    let body = json!({"reserve_from": "2027-03-01T09:00:00+08:00", "reserve_to": "2027-03-01T10:00:00+08:00", "meetingroom": room["id"]});
    let requests = join_all((0..30).map(|i| sys.post("/reservations/", Some(&staff[i % staff.len()]), body.clone()))).await;
    let counts = tally(requests.iter().map(|(status, _)| *status));
    assert_eq!(counts, BTreeMap::from([(201, 1), (409, 29)]), "{requests:?}");
    assert!(requests.iter().filter(|(s, _)| *s == 409).all(|(_, v)| v["error"]["code"] == "room_taken"), "{requests:?}");
    let confirmed: i64 = sqlx::query_scalar("SELECT count(*) FROM room_reservations WHERE status = 'confirmed'").fetch_one(&stores.pool).await.expect("count");
    assert_eq!(confirmed, 1);

    let served = sys.proxy.as_ref().expect("the proxy").served();
    assert!(served.iter().all(|&n| n > 50), "both API processes served: {served:?}");
}
