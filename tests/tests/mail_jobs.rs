//! E-mail against Debian's aiosmtpd (a server no one here wrote): `send_email` through the whole
//! pipeline (send log row + outbox → Redis → worker → SMTP) delivers once with text and HTML
//! bodies and attachments read from object storage (over the limit or gone: failed for good);
//! a 451 is retried and delivered; a 550 fails for good after one try and is visible in
//! the dead list; bad recipients plan nothing. At the client: STARTTLS when the URL requires it,
//! a plain client refused by a STARTTLS-only server, an untrusted certificate refused (retried), a server
//! that is down is a transient failure.

use std::time::Duration;

use secrecy::SecretString;
use yizhan_common::jobs::QueueName;
use yizhan_common::mail::{plan_email, MailConfig, MailFailure, Mailer, PlanMailError, Rendered, StoredAttachment};
use yizhan_common::storage::{Accept, Storage, StorageConfig};
use yizhan_system_tests::smtpd::Smtpd;
use yizhan_system_tests::stores::Stores;
use yizhan_system_tests::system::System;

/// (status, attempts, error)
type Row = (String, i32, Option<String>);
const SELECT_ROW: &str = "SELECT status, attempts, error FROM mail_sends WHERE id = $1";

const FROM: &str = "Yizhan <noreply@yizhan.test>";

struct Harness {
    /// Keeps the processes running.
    _sys: System,
    stores: Stores,
    /// The worker's object storage (a local folder), where attachments are put.
    storage: Storage,
    storage_dir: std::path::PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.storage_dir);
    }
}

impl Harness {
    async fn start(smtpd: &Smtpd) -> Self {
        let url = format!("smtp://127.0.0.1:{}", smtpd.port);
        let storage_dir = std::env::temp_dir().join(format!("yizhan-mail-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&storage_dir).expect("storage dir");
        let storage_url = format!("file://{}", storage_dir.display());
        let sys = System::start_with(&[
            ("SMTP_URL", &url),
            ("MAIL_FROM", FROM),
            ("STORAGE_URL", &storage_url),
            ("MAIL_ATTACHMENT_MAX_BYTES", "4096"),
        ])
        .await;
        let storage = Storage::new(StorageConfig::file(&storage_dir)).expect("storage");
        let stores = sys.stores().await;
        Self { _sys: sys, stores, storage, storage_dir }
    }

    /// Plans in a transaction, commits, pushes the outbox row; the send id.
    async fn plan(&self, key: &str, to: &str) -> Result<i64, PlanMailError> {
        self.plan_with(key, to, &[]).await
    }

    async fn plan_with(&self, key: &str, to: &str, attachments: &[StoredAttachment]) -> Result<i64, PlanMailError> {
        let mut tx = self.stores.pool.begin().await.expect("begin");
        let planned = plan_email(&mut tx, key, "visit_confirmed", &[to.to_owned()], &body(key), attachments).await?;
        self.stores.commit_and_push(tx, planned.outbox_id).await;
        Ok(planned.send_id)
    }

    /// A PDF of `size` bytes put in storage, as an attachment named `name`.
    async fn pdf(&self, name: &str, size: usize) -> StoredAttachment {
        let mut bytes = b"%PDF-1.4\n".to_vec();
        bytes.resize(size, b'x');
        let object = self.storage.put("mail", bytes, Accept::Documents).await.expect("put");
        StoredAttachment { key: object.key, filename: name.into(), content_type: "application/pdf".into() }
    }

    async fn final_row(&self, id: i64) -> Row {
        self.stores.row_when("a final e-mail state", SELECT_ROW, id, |r: &Row| r.0 == "sent" || r.0 == "failed").await
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
    // The row is final before the worker's batched acknowledgement lands the job in the dead set.
    yizhan_system_tests::eventually("the rejected job in the dead list", Duration::from_secs(10), || async {
        let (dead, _) = h.stores.queue.list_dead(QueueName::Email, 0, 10).await.expect("dead list");
        dead.iter().any(|d| d.payload["sendId"] == rejected).then_some(())
    })
    .await;

    // Nothing else was delivered, and the first message still only once.
    assert_eq!(smtpd.messages().len(), 2, "{:?}", smtpd.messages());


    // An attachment is read from object storage and sent with the message.
    let report = h.pdf("报告.pdf", 1000).await;
    let with_file = h.plan_with("visit:5", "patient-5@example.com", std::slice::from_ref(&report)).await.expect("planned");
    assert_eq!(h.final_row(with_file).await, ("sent".into(), 1, None));
    let got = smtpd.messages_to("patient-5@example.com");
    assert_eq!(got.len(), 1, "{got:?}");
    let data = got[0]["data"].as_str().expect("data");
    assert!(data.contains("multipart/mixed") && data.contains("application/pdf") && data.contains("Content-Disposition: attachment"), "{data}");
    // Attachments over MAIL_ATTACHMENT_MAX_BYTES (4096 here) fail for good without a try;
    // an attachment no longer in storage too.
    let big = [h.pdf("a.pdf", 3000).await, h.pdf("b.pdf", 3000).await];
    let too_big = h.plan_with("visit:6", "patient-6@example.com", &big).await.expect("planned");
    let row = h.final_row(too_big).await;
    assert_eq!((row.0.as_str(), row.1), ("failed", 0), "{row:?}");
    assert!(row.2.as_deref().is_some_and(|e| e.contains("MAIL_ATTACHMENT_MAX_BYTES")), "{row:?}");
    let gone = StoredAttachment { key: "mail/2026/12/00000000000000000000000000000000.pdf".into(), ..report };
    let missing = h.plan_with("visit:7", "patient-7@example.com", &[gone]).await.expect("planned");
    let row = h.final_row(missing).await;
    assert_eq!((row.0.as_str(), row.1), ("failed", 0), "{row:?}");
    assert!(smtpd.messages_to("patient-6@example.com").is_empty() && smtpd.messages_to("patient-7@example.com").is_empty());

    // A recipient that is not an address is refused before anything is written.
    let err = h.plan("visit:4", "not an address").await.expect_err("refused");
    assert!(matches!(err, PlanMailError::InvalidRecipient(_)), "{err:?}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_sends WHERE idempotency_key = 'visit:4'").fetch_one(&h.stores.pool).await.expect("n");
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
