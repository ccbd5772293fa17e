//! `send_sms` through the whole pipeline (send log row + outbox → Redis → worker → simulated
//! SendSms): delivered once with its BizId; flow control leaves the row pending and reschedules;
//! Throttling is retried and delivered; `isv.*` fails for good after one call; a lost answer ends
//! `unknown` and is not resent; a kind without a template fails; a bad number plans nothing.

use std::time::Duration;

use serde_json::{json, Value};
use yizhan_common::jobs::QueueName;
use yizhan_common::sms::{plan_sms, PlanSmsError};
use yizhan_system_tests::stores::Stores;
use yizhan_system_tests::system::System;

/// (status, code, attempts)
type Row = (String, Option<String>, i32);
const SELECT_ROW: &str = "SELECT status, code, attempts FROM sms_sends WHERE id = $1";

struct Harness {
    sys: System,
    stores: Stores,
}

impl Harness {
    async fn start() -> Self {
        let sys = System::start_with(&[("SMS_TEMPLATE_VISIT_CODE", "SMS_100"), ("SMS_HTTP_TIMEOUT_MS", "1000")]).await;
        let stores = sys.stores().await;
        Self { sys, stores }
    }

    /// Plans in a transaction, commits, pushes the outbox row; the send id.
    async fn plan(&self, key: &str, kind: &str, phone: &str) -> i64 {
        let mut tx = self.stores.pool.begin().await.expect("begin");
        let planned = plan_sms(&mut tx, key, kind, phone, &json!({"code": "246810"})).await.expect("planned");
        self.stores.commit_and_push(tx, planned.outbox_id).await;
        planned.send_id
    }

    async fn params(&self, id: i64) -> Value {
        sqlx::query_scalar("SELECT params FROM sms_sends WHERE id = $1").bind(id).fetch_one(&self.stores.pool).await.expect("params")
    }

    async fn row(&self, id: i64) -> Row {
        sqlx::query_as(SELECT_ROW).bind(id).fetch_one(&self.stores.pool).await.expect("row")
    }

    /// The row once it satisfies `done`.
    async fn wait(&self, id: i64, what: &str, done: impl Fn(&Row) -> bool) -> Row {
        self.stores.row_when(what, SELECT_ROW, id, done).await
    }

    async fn final_row(&self, id: i64) -> Row {
        self.wait(id, "a final SMS state", |r| r.0 != "pending" && r.0 != "sending").await
    }

    async fn delivered_to(&self, phone: &str) -> Vec<Value> {
        let all = self.sys.sim_get("/_sim/sms").await;
        all["messages"].as_array().cloned().unwrap_or_default().into_iter().filter(|m| m["phone"] == phone).collect()
    }

    async fn fault(&self, faults: Value) {
        self.sys.sim_post("/_sim/sms/faults", faults).await;
    }
}

#[tokio::test]
async fn sms_sends_end_to_end_and_each_failure_class_is_recorded() {
    let h = Harness::start().await;

    // Delivered once, with our id as OutId and Aliyun's BizId kept.
    let id = h.plan("visit:1", "visit_code", "+86 139-0000-0001").await;
    assert_eq!(h.final_row(id).await, ("sent".into(), Some("OK".into()), 1));
    let got = h.delivered_to("13900000001").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["outId"], id.to_string());
    assert_eq!(got[0]["templateCode"], "SMS_100");
    assert_eq!(got[0]["signatureVersion"], "v3");
    let biz: Option<String> = sqlx::query_scalar("SELECT biz_id FROM sms_sends WHERE id = $1").bind(id).fetch_one(&h.stores.pool).await.expect("biz");
    assert_eq!(biz.as_deref(), got[0]["bizId"].as_str());
    // The code went out and is not kept: a final row's `code` parameter is masked.
    assert_eq!(got[0]["templateParam"], json!({"code": "246810"}), "{got:?}");
    assert_eq!(h.params(id).await, json!({"code": "******"}));
    // Planning the same key again writes nothing new.
    assert_eq!(h.plan("visit:1", "visit_code", "13900000001").await, id);

    // The same number within the minute: flow control; the row waits, the job is rescheduled
    // without spending an attempt (so it is neither failed nor dead).
    let limited = h.plan("visit:2", "visit_code", "13900000001").await;
    let row = h.wait(limited, "flow control recorded", |r| r.1.as_deref() == Some("isv.BUSINESS_LIMIT_CONTROL")).await;
    assert_eq!(row.0, "pending", "{row:?}");
    assert_eq!(h.params(limited).await, json!({"code": "246810"}), "a waiting send keeps its code");
    let (_, dead) = h.stores.queue.list_dead(QueueName::Sms, 0, 10).await.expect("dead list");
    assert_eq!(dead, 0);

    // Throttling once, then delivered on the retry.
    h.fault(json!([{"code": "Throttling.User", "status": 400}])).await;
    let retried = h.plan("visit:3", "visit_code", "13900000002").await;
    assert_eq!(h.final_row(retried).await, ("sent".into(), Some("OK".into()), 2));

    // isv.* fails for good after one call.
    h.fault(json!([{"code": "isv.AMOUNT_NOT_ENOUGH"}])).await;
    let refused = h.plan("visit:4", "visit_code", "13900000003").await;
    assert_eq!(h.final_row(refused).await, ("failed".into(), Some("isv.AMOUNT_NOT_ENOUGH".into()), 1));
    assert_eq!(h.params(refused).await, json!({"code": "******"}));

    // The answer is lost (the simulator answers after the client's 1 s timeout, having sent it):
    // `unknown`, and never sent a second time.
    h.fault(json!([{"delayMs": 2500}])).await;
    let lost = h.plan("visit:5", "visit_code", "13900000004").await;
    assert_eq!(h.final_row(lost).await.0, "unknown");
    assert_eq!(h.params(lost).await, json!({"code": "******"}));
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(h.row(lost).await.0, "unknown");
    assert_eq!(h.delivered_to("13900000004").await.len(), 1);
    // Meanwhile the flow-controlled send was not retried with backoff: it waits out its minute.
    let row = h.row(limited).await;
    assert_eq!((row.0.as_str(), row.2), ("pending", 1), "{row:?}");
    // Visible to operators in the queue's dead list.
    let (dead, _) = h.stores.queue.list_dead(QueueName::Sms, 0, 10).await.expect("dead list");
    assert!(dead.iter().any(|d| d.payload["sendId"] == lost && d.last_error.contains("outcome unknown")), "{dead:?}");
    // No number in what operators and logs see (the v3 request carries it in its URL).
    assert!(dead.iter().all(|d| !d.last_error.contains("1390000")), "{dead:?}");

    // A kind without SMS_TEMPLATE_<KIND> fails without a call.
    let untemplated = h.plan("other:1", "no_such_kind", "13900000005").await;
    let row = h.final_row(untemplated).await;
    assert_eq!((row.0.as_str(), row.2), ("failed", 0), "{row:?}");
    assert!(h.delivered_to("13900000005").await.is_empty());

    // A number that is not a mainland mobile is refused before anything is written.
    let mut tx = h.stores.pool.begin().await.expect("begin");
    let err = plan_sms(&mut tx, "visit:6", "visit_code", "12345678901", &json!({})).await.expect_err("refused");
    assert!(matches!(err, PlanSmsError::InvalidPhone));
    drop(tx);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_sends WHERE idempotency_key = 'visit:6'").fetch_one(&h.stores.pool).await.expect("n");
    assert_eq!(n, 0);
}
