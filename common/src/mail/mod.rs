//! E-mail over SMTP (lettre): `SMTP_URL`/`MAIL_FROM` configuration, one pooled transport,
//! messages with text and HTML bodies from templates and attachments within a size limit, the send
//! log, and what SMTP replies mean (4xx transient, 5xx permanent). The `send_email` job lives in
//! `jobs/kinds/send_email.rs`.

mod attachments;
mod config;
mod log;
mod message;
mod plan;
mod transport;

pub use attachments::{load as load_attachments, AttachmentError};
pub use config::MailConfig;
pub use log::{ClaimedMail, MailClaim, MailLog, MailStatus, StoredAttachment};
pub use plan::{plan_email, PlanMailError, PlannedMail, MAX_RECIPIENTS};
pub use message::{build, BuildError, MailAttachment, MailTemplate, Rendered};
pub use transport::{MailFailure, TlsMode};

/// The process's mailer: the pooled transport and the sender; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: transport::Transport,
    config: MailConfig,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.config.from).finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(config: MailConfig) -> anyhow::Result<Self> {
        Ok(Self { transport: transport::build(&config)?, config })
    }

    pub fn config(&self) -> &MailConfig {
        &self.config
    }

    /// Builds and sends one message. A message that cannot be built is a permanent failure.
    pub async fn send(&self, to: &[String], body: &Rendered, attachments: &[MailAttachment]) -> Result<(), (MailFailure, String)> {
        let message = build(&self.config.from, to, body, attachments, self.config.attachment_max_bytes)
            .map_err(|e| (MailFailure::Permanent, e.to_string()))?;
        transport::send(&self.transport, message).await
    }
}
