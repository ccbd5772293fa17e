//! `SMTP_URL`, `MAIL_FROM` and the limits of outgoing mail.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::config::EnvReader;

/// Outgoing mail settings.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `SMTP_URL`: `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS, refused without
    /// it), `smtp://…?tls=opportunistic`, or `smtps://host:port` (TLS from the first byte); user
    /// and password in the URL (percent-encoded). Never logged.
    pub smtp_url: SecretString,
    /// `MAIL_FROM`: the sender, `Name <addr@host>` or `addr@host`.
    pub from: String,
    /// `SMTP_TIMEOUT_MS`: every SMTP command and the connection (default 10000).
    pub timeout: Duration,
    /// `SMTP_POOL_MAX`: most connections kept open to the relay (default 4).
    pub pool_max: u32,
    /// `MAIL_ATTACHMENT_MAX_BYTES`: the attachments of one message together (default 10 MiB).
    pub attachment_max_bytes: usize,
    /// `SMTP_CA_FILE`: a PEM certificate trusted besides the public roots (a private relay).
    pub ca_file: Option<PathBuf>,
}

impl MailConfig {
    /// `None` when `SMTP_URL` is unset (e-mail jobs then fail permanently).
    pub fn read(env: &mut EnvReader) -> Option<Self> {
        let url = EnvReader::maybe_secret("SMTP_URL");
        let from: Option<String> = env.maybe("MAIL_FROM");
        let timeout_ms = env.optional("SMTP_TIMEOUT_MS", 10_000u64);
        let pool_max = env.optional("SMTP_POOL_MAX", 4u32);
        let attachment_max_bytes = env.optional("MAIL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024usize);
        let ca_file: Option<PathBuf> = env.maybe("SMTP_CA_FILE");
        let url = url?;
        if super::transport::TlsMode::of(url.expose_secret()).is_err() {
            env.invalid("SMTP_URL", "expected smtp://host[:port][?tls=required|opportunistic] or smtps://host[:port]");
        }
        let Some(from) = from else {
            env.invalid("MAIL_FROM", "required when SMTP_URL is set");
            return None;
        };
        if from.parse::<lettre::message::Mailbox>().is_err() {
            env.invalid("MAIL_FROM", "not an address (`Name <addr@host>` or `addr@host`)");
        }
        if pool_max == 0 {
            env.invalid("SMTP_POOL_MAX", "must be at least 1");
        }
        Some(Self { smtp_url: url, from, timeout: Duration::from_millis(timeout_ms), pool_max, attachment_max_bytes, ca_file })
    }
}
