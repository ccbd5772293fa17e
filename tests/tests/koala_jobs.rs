//! `create_koala_visitor` through the whole pipeline (visitor row + outbox → Redis → worker →
//! simulated Koala): the subject is created once and its id stored; a second job for the same
//! row creates nothing; a call whose answer was lost is not repeated blindly (the retry finds the
//! subject it created); a 5xx is retried and goes through; a refusal (`code != 0` on HTTP 200)
//! ends the job dead and the row `failed`.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use yizhan_common::jobs::kinds::CreateKoalaVisitor;
use yizhan_common::jobs::QueueName;
use yizhan_common::koala::{plan_koala_visitor, NewVisitor};
use yizhan_common::outbox::{envelope_id, Enqueue};
use yizhan_common::queue::JobState;
use yizhan_system_tests::stores::Stores;
use yizhan_system_tests::system::System;

/// (status, subject id, code, calls)
type Row = (String, Option<i64>, Option<i64>, i32);
const SELECT_ROW: &str = "SELECT status, subject_id, code, calls FROM koala_visitors WHERE id = $1";

struct Harness {
    sys: System,
    stores: Stores,
}

impl Harness {
    async fn start() -> Self {
        let sys = System::start_with(&[("KOALA_TIMEOUT_MS", "1000")]).await;
        let stores = sys.stores().await;
        Self { sys, stores }
    }

    /// Plans in a transaction, commits, pushes the outbox row; the visitor id.
    async fn plan(&self, key: &str, phone: &str) -> i64 {
        let visitor = NewVisitor {
            name: format!("访客{key}"),
            phone: phone.to_owned(),
            purpose: Some("面试".into()),
            interviewee: Some("张三".into()),
            come_from: None,
            start: Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).single().expect("time"),
            end: Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).single().expect("time"),
            avatar_url: None,
        };
        let mut tx = self.stores.pool.begin().await.expect("begin");
        let planned = plan_koala_visitor(&mut tx, key, &visitor).await.expect("planned");
        self.stores.commit_and_push(tx, planned.outbox_id).await;
        planned.visitor_id
    }

    async fn row(&self, id: i64) -> Row {
        sqlx::query_as(SELECT_ROW).bind(id).fetch_one(&self.stores.pool).await.expect("row")
    }

    async fn final_row(&self, id: i64) -> Row {
        self.stores.row_when("a final visitor state", SELECT_ROW, id, |r: &Row| r.0 == "created" || r.0 == "failed").await
    }

    /// Koala's visitor subjects with this phone.
    async fn subjects(&self, phone: &str) -> Vec<Value> {
        let all = self.sys.sim_get("/_sim/koala/subjects?category=visitor").await;
        all["subjects"].as_array().cloned().unwrap_or_default().into_iter().filter(|s| s["phone"] == phone).collect()
    }

    async fn fault(&self, faults: Value) {
        self.sys.sim_post("/_sim/koala/faults", faults).await;
    }
}

#[tokio::test]
async fn koala_visitors_are_created_once_and_each_failure_class_is_recorded() {
    let h = Harness::start().await;

    // Created, with Koala's subject id stored.
    let id = h.plan("visit:1", "13900000001").await;
    let row = h.final_row(id).await;
    let got = h.subjects("13900000001").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(row, ("created".into(), got[0]["id"].as_i64(), Some(0), 1));
    assert_eq!((got[0]["subject_type"].as_i64(), got[0]["purpose"].as_str()), (Some(1), Some("面试")));
    assert_eq!(got[0]["start_time"], Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).single().expect("t").timestamp());
    // Planning the same key again writes nothing new.
    assert_eq!(h.plan("visit:1", "13900000001").await, id);

    // A second job for the same row (a redelivery) runs to done without calling Koala at all.
    let calls_before = h.sys.sim_get("/_sim/koala/stats").await["calls"].clone();
    let mut tx = h.stores.pool.begin().await.expect("begin");
    let again = CreateKoalaVisitor { visitor_id: id }.enqueue(&mut tx).await.expect("enqueue").expect("outbox id");
    tx.commit().await.expect("commit");
    yizhan_common::outbox::push_now(&h.stores.pool, &h.stores.queue, &[again]).await;
    let job = vec![(QueueName::Koala, envelope_id(again))];
    h.sys
        .eventually("the second job done", Duration::from_secs(15), || async {
            (h.stores.queue.job_states(&job).await.expect("states") == vec![JobState::Done]).then_some(())
        })
        .await;
    assert_eq!(h.subjects("13900000001").await.len(), 1);
    assert_eq!(h.row(id).await, row);
    assert_eq!(h.sys.sim_get("/_sim/koala/stats").await["calls"], calls_before);

    // The answer is lost (Koala creates it, then answers after the client's 1 s timeout): the
    // retry finds that subject instead of creating a second one.
    h.fault(json!([{"op": "create", "delayMs": 2500}])).await;
    let lost = h.plan("visit:2", "13900000002").await;
    let row = h.final_row(lost).await;
    let got = h.subjects("13900000002").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(row, ("created".into(), got[0]["id"].as_i64(), Some(0), 1));

    // HTTP 500 once: retried with backoff and created on the second call.
    h.fault(json!([{"op": "create", "status": 500}])).await;
    let retried = h.plan("visit:3", "13900000003").await;
    let row = h.final_row(retried).await;
    let got = h.subjects("13900000003").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(row, ("created".into(), got[0]["id"].as_i64(), Some(0), 2));

    // Refused (code -1 on HTTP 200): failed for good after one call, the job dead.
    h.fault(json!([{"op": "create", "code": -1}])).await;
    let refused = h.plan("visit:4", "13900000004").await;
    assert_eq!(h.final_row(refused).await, ("failed".into(), None, Some(-1), 1));
    assert!(h.subjects("13900000004").await.is_empty());
    let dead = h
        .sys
        .eventually("the refused job dead", Duration::from_secs(10), || async {
            let (dead, _) = h.stores.queue.list_dead(QueueName::Koala, 0, 10).await.expect("dead list");
            (!dead.is_empty()).then_some(dead)
        })
        .await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].payload["visitorId"], refused);
    assert!(dead[0].last_error.contains("code -1"), "{}", dead[0].last_error);
}
