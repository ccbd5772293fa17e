//! The pooled SMTP transport built from `SMTP_URL`, and what its errors mean.

use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::MailConfig;

/// How the connection is protected, from the URL's scheme and `tls` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    None,
    Opportunistic,
    StartTls,
    Wrapper,
}

impl TlsMode {
    pub fn of(url: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        match (url.scheme(), tls.as_deref()) {
            (_, _) if url.host_str().is_none() => Err("no host".into()),
            ("smtp", None) => Ok(Self::None),
            ("smtp", Some("required")) => Ok(Self::StartTls),
            ("smtp", Some("opportunistic")) => Ok(Self::Opportunistic),
            ("smtps", None) => Ok(Self::Wrapper),
            (scheme, tls) => Err(format!("unsupported scheme `{scheme}` with tls={tls:?}")),
        }
    }
}

/// One pooled transport per process.
pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Builds the transport (no connection is made until the first message).
pub fn build(config: &MailConfig) -> anyhow::Result<Transport> {
    let url = config.smtp_url.expose_secret();
    let mode = TlsMode::of(url).map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?;
    if let Some(path) = &config.ca_file {
        let host = reqwest::Url::parse(url)?.host_str().unwrap_or_default().to_owned();
        let pem = std::fs::read(path).map_err(|e| anyhow::anyhow!("SMTP_CA_FILE {}: {e}", path.display()))?;
        let params = TlsParameters::builder(host).add_root_certificate(Certificate::from_pem(&pem)?).build_rustls()?;
        builder = match mode {
            TlsMode::None => builder,
            TlsMode::Opportunistic => builder.tls(Tls::Opportunistic(params)),
            TlsMode::StartTls => builder.tls(Tls::Required(params)),
            TlsMode::Wrapper => builder.tls(Tls::Wrapper(params)),
        };
    }
    let pool = PoolConfig::new().max_size(config.pool_max);
    Ok(builder.timeout(Some(config.timeout)).pool_config(pool).build())
}

/// What a failed delivery means to the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailFailure {
    /// 4xx replies, timeouts, connection trouble (a failed TLS handshake too: the relay's
    /// certificate is usually fixed by its operator): try again later.
    Transient,
    /// 5xx replies (unknown mailbox, refused content, STARTTLS required), TLS that cannot be set
    /// up here, a bad message: never retried.
    Permanent,
}

/// Sends one message; the SMTP error is classified.
pub async fn send(transport: &Transport, message: Message) -> Result<(), (MailFailure, String)> {
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(err) => Err((classify(&err), err.to_string())),
    }
}

fn classify(err: &lettre::transport::smtp::Error) -> MailFailure {
    if err.is_permanent() || err.is_tls() {
        MailFailure::Permanent
    } else {
        MailFailure::Transient
    }
}

#[cfg(test)]
mod tests {
    use super::TlsMode;

    #[test]
    fn smtp_urls_name_their_tls_mode() {
        assert_eq!(TlsMode::of("smtp://127.0.0.1:25"), Ok(TlsMode::None));
        assert_eq!(TlsMode::of("smtp://u:p@mail.example.com:587?tls=required"), Ok(TlsMode::StartTls));
        assert_eq!(TlsMode::of("smtp://mail.example.com?tls=opportunistic"), Ok(TlsMode::Opportunistic));
        assert_eq!(TlsMode::of("smtps://mail.example.com"), Ok(TlsMode::Wrapper));
        assert!(TlsMode::of("smtps://mail.example.com?tls=required").is_err());
        assert!(TlsMode::of("http://mail.example.com").is_err());
        assert!(TlsMode::of("smtp://mail.example.com?tls=maybe").is_err());
    }
}
