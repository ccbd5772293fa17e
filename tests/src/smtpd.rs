//! Debian's aiosmtpd, an SMTP server no one here wrote, started for one test with the capture
//! handler in `tests/fixtures/smtp_capture.py` (plain, or STARTTLS with a fresh self-signed
//! certificate for 127.0.0.1). `scripts/test` installs `python3-aiosmtpd`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{free_port, Proc};

/// The interpreter that has Debian's `python3-aiosmtpd` (not a pyenv one on PATH).
const PYTHON: &str = "/usr/bin/python3";

pub struct Smtpd {
    pub port: u16,
    /// The CA certificate clients must trust (STARTTLS only).
    pub cert: Option<PathBuf>,
    dir: PathBuf,
    _proc: Proc,
}

impl Smtpd {
    /// A plain server: no TLS offered.
    pub async fn plain() -> Self {
        Self::start(false).await
    }

    /// A server that offers STARTTLS and refuses mail before it.
    pub async fn starttls() -> Self {
        Self::start(true).await
    }

    async fn start(tls: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("yizhan-smtpd-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("smtpd dir");
        let port = free_port();
        let mut cmd = Command::new(PYTHON);
        cmd.args(["-m", "aiosmtpd", "-n", "-c", "smtp_capture.Capture"])
            .arg(dir.join("mail"))
            .args(["-l", &format!("127.0.0.1:{port}")])
            .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
            .stdin(Stdio::null());
        let cert = tls.then(|| {
            let (ca, cert, key) = certificates(&dir);
            cmd.arg("--tlscert").arg(cert).arg("--tlskey").arg(key);
            ca
        });
        let child = cmd.spawn().unwrap_or_else(|e| panic!("{PYTHON} -m aiosmtpd: {e} (scripts/test installs python3-aiosmtpd)"));
        let proc = Proc { child: Some(child) };
        wait_for_banner(port, Duration::from_secs(15)).await;
        Self { port, cert, dir, _proc: proc }
    }

    /// Every message accepted so far, oldest first: `{mailFrom, rcptTos, tls, data}`.
    pub fn messages(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("mail")) else { return Vec::new() };
        let mut paths: Vec<PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        paths.sort();
        paths.iter().map(|p| serde_json::from_slice(&std::fs::read(p).expect("read message")).expect("message JSON")).collect()
    }

    /// The accepted messages addressed to `rcpt`.
    pub fn messages_to(&self, rcpt: &str) -> Vec<Value> {
        self.messages().into_iter().filter(|m| m["rcptTos"].as_array().is_some_and(|r| r.iter().any(|a| a == rcpt))).collect()
    }
}

/// The attachments of a captured message's raw `data`: each part's headers (unfolded, as sent)
/// and its bytes, decoded from base64 (what lettre uses for a file).
pub fn attachments(data: &str) -> Vec<(String, Vec<u8>)> {
    use base64::Engine;
    let data = data.replace("\r\n", "\n");
    let mut found = Vec::new();
    // Each part starts after a boundary line; its headers end at the first empty line.
    for part in data.split("\n--").skip(1) {
        let Some((head, body)) = part.split_once("\n\n") else { continue };
        let headers = head.split_once('\n').map_or("", |(_boundary, h)| h).replace("\n ", " ").replace("\n\t", " ");
        if !headers.to_ascii_lowercase().contains("content-disposition: attachment") {
            continue;
        }
        assert!(headers.to_ascii_lowercase().contains("content-transfer-encoding: base64"), "an attachment not in base64: {headers}");
        let text: String = body.lines().take_while(|l| !l.starts_with("--")).collect();
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).expect("base64 attachment");
        found.push((headers, bytes));
    }
    found
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A throwaway CA and a server certificate for 127.0.0.1 it signed, made with openssl:
/// (CA certificate, server certificate, server key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let path = |name: &str| dir.join(name);
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl").args(args).current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null()).status().expect("openssl");
        assert!(status.success(), "openssl {args:?} failed");
    };
    openssl(&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=yizhan test CA", "-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"]);
    std::fs::write(path("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").expect("ext");
    openssl(&["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem"]);
    (path("ca.pem"), path("server.pem"), path("server.key"))
}

async fn wait_for_banner(port: u16, timeout: Duration) {
    use std::io::Read;
    let deadline = Instant::now() + timeout;
    loop {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        if let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 3];
            if stream.read_exact(&mut buf).is_ok() && &buf == b"220" {
                return;
            }
        }
        assert!(Instant::now() < deadline, "aiosmtpd did not answer on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
