//! E-mail against Debian's aiosmtpd (a server no one here wrote): `send_email` through the whole
//! pipeline (send log row + outbox → Redis → worker → SMTP) delivers once with text and HTML
//! bodies; a 451 is retried and delivered; a 550 fails for good after one try and is visible in
//! the dead list; bad recipients plan nothing. At the client: STARTTLS when the URL requires it,
//! a plain client refused by a STARTTLS-only server, an untrusted certificate refused (retried), a server
//! that is down is a transient failure.

use std::time::Duration;

use secrecy::SecretString;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use yizhan_common::jobs::QueueName;
use yizhan_common::mail::{plan_email, MailConfig, MailFailure, Mailer, PlanMailError, Rendered};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_system_tests::smtpd::Smtpd;
use yizhan_system_tests::system::System;

/// (status, attempts, error)
type Row = (String, i32, Option<String>);

const FROM: &str = "Yizhan <noreply@yizhan.test>";

struct Harness {
    sys: System,
    pool: PgPool,
    queue: RedisQueue,
}

impl Harness {
    async fn start(smtpd: &Smtpd) -> Self {
        let url = format!("smtp://127.0.0.1:{}", smtpd.port);
        let sys = System::start_with(&[("SMTP_URL", &url), ("MAIL_FROM", FROM)]).await;
        let pool = PgPoolOptions::new().max_connections(2).connect(&sys.env.get("DATABASE_URL")).await.expect("db");
        let redis = yizhan_common::redis_conn::connect(&SecretString::from(sys.env.get("REDIS_URL")), Default::default())
            .await
            .expect("redis");
        let queue = RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), QueueSettings::default());
        Self { sys, pool, queue }
    }

    /// Plans in a transaction, commits, pushes the outbox row; the send id.
    async fn plan(&self, key: &str, to: &str) -> Result<i64, PlanMailError> {
        let mut tx = self.pool.begin().await.expect("begin");
        let planned = plan_email(&mut tx, key, "visit_confirmed", &[to.to_owned()], &body(key), &[]).await?;
        tx.commit().await.expect("commit");
        if let Some(id) = planned.outbox_id {
            yizhan_common::outbox::push_now(&self.pool, &self.queue, &[id]).await;
        }
        Ok(planned.send_id)
    }

    async fn row(&self, id: i64) -> Row {
        sqlx::query_as("SELECT status, attempts, error FROM mail_sends WHERE id = $1").bind(id).fetch_one(&self.pool).await.expect("row")
    }

    async fn final_row(&self, id: i64) -> Row {
        self.sys
            .eventually("a final e-mail state", Duration::from_secs(30), || async {
                let row = self.row(id).await;
                (row.0 == "sent" || row.0 == "failed").then_some(row)
            })
            .await
    }
}

fn body(tag: &str) -> Rendered {
    Rendered {
        subject: format!("Visit confirmed {tag}"),
        text: format!("Your visit is confirmed ({tag})."),
        html: Some(format!("<p>Your visit is <b>confirmed</b> ({tag}).</p>")),
    }
}

#[tokio::test]
async fn mail_goes_through_the_pipeline_to_aiosmtpd_and_each_smtp_failure_class_is_recorded() {
    let smtpd = Smtpd::plain().await;
    let h = Harness::start(&smtpd).await;

    // Delivered once, from MAIL_FROM, with both bodies.
    let id = h.plan("visit:1", "patient-1@example.com").await.expect("planned");
    assert_eq!(h.final_row(id).await, ("sent".into(), 1, None));
    let got = smtpd.messages_to("patient-1@example.com");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["mailFrom"], "noreply@yizhan.test");
    let data = got[0]["data"].as_str().expect("data");
    assert!(data.contains("Subject: Visit confirmed visit:1"), "{data}");
    assert!(data.contains("multipart/alternative") && data.contains("text/html") && data.contains("text/plain"), "{data}");
    // Planning the same key again writes nothing and sends nothing.
    assert_eq!(h.plan("visit:1", "patient-1@example.com").await.expect("planned"), id);

    // 451 once (transient): retried with backoff and delivered on the second try.
    let busy = h.plan("visit:2", "busy-once-2@example.com").await.expect("planned");
    let row = h.final_row(busy).await;
    assert_eq!((row.0.as_str(), row.1), ("sent", 2), "{row:?}");
    assert_eq!(smtpd.messages_to("busy-once-2@example.com").len(), 1);

    // 550 (permanent): failed after one try, the reply kept, the job in the dead list.
    let rejected = h.plan("visit:3", "reject-3@example.com").await.expect("planned");
    let row = h.final_row(rejected).await;
    assert_eq!((row.0.as_str(), row.1), ("failed", 1), "{row:?}");
    assert!(row.2.as_deref().is_some_and(|e| e.contains("550") || e.contains("No such mailbox")), "{row:?}");
    let (dead, _) = h.queue.list_dead(QueueName::Email, 0, 10).await.expect("dead list");
    assert!(dead.iter().any(|d| d.payload["sendId"] == rejected), "{dead:?}");

    // Nothing else was delivered, and the first message still only once.
    assert_eq!(smtpd.messages().len(), 2, "{:?}", smtpd.messages());

    // A recipient that is not an address is refused before anything is written.
    let err = h.plan("visit:4", "not an address").await.expect_err("refused");
    assert!(matches!(err, PlanMailError::InvalidRecipient(_)), "{err:?}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_sends WHERE idempotency_key = 'visit:4'").fetch_one(&h.pool).await.expect("n");
    assert_eq!(n, 0);
}

fn mailer(url: String, ca_file: Option<std::path::PathBuf>) -> Mailer {
    Mailer::new(MailConfig {
        smtp_url: SecretString::from(url),
        from: FROM.into(),
        timeout: Duration::from_secs(5),
        pool_max: 2,
        attachment_max_bytes: 1024,
        ca_file,
    })
    .expect("mailer")
}

#[tokio::test]
async fn starttls_is_used_when_required_and_refused_otherwise() {
    let smtpd = Smtpd::starttls().await;
    let to = vec!["staff@example.com".to_owned()];

    // tls=required with the server's certificate trusted: delivered over TLS.
    let required = mailer(format!("smtp://127.0.0.1:{}?tls=required", smtpd.port), smtpd.cert.clone());
    required.send(&to, &body("tls"), &[]).await.expect("sent over STARTTLS");
    let got = smtpd.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["tls"], true);

    // A plain client: the server requires STARTTLS first (530), which is permanent.
    let plain = mailer(format!("smtp://127.0.0.1:{}", smtpd.port), None);
    let (failure, text) = plain.send(&to, &body("plain"), &[]).await.expect_err("refused");
    assert_eq!(failure, MailFailure::Permanent, "{text}");

    // The certificate is not trusted (no SMTP_CA_FILE): nothing is sent. Retried, like any
    // connection failure: a relay's certificate is usually fixed by its operator.
    let untrusted = mailer(format!("smtp://127.0.0.1:{}?tls=required", smtpd.port), None);
    let (failure, text) = untrusted.send(&to, &body("untrusted"), &[]).await.expect_err("refused");
    assert_eq!(failure, MailFailure::Transient, "{text}");
    assert!(text.contains("certificate"), "{text}");
    assert_eq!(smtpd.messages().len(), 1);

    // Nobody listening: transient (the relay may come back).
    let down = mailer(format!("smtp://127.0.0.1:{}", yizhan_system_tests::free_port()), None);
    let (failure, text) = down.send(&to, &body("down"), &[]).await.expect_err("down");
    assert_eq!(failure, MailFailure::Transient, "{text}");
}
