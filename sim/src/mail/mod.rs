//! An SMTP server that captures mail (`GET /_sim/mail` lists it, `DELETE /_sim/mail` forgets).
//! Plain SMTP only (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT). Recipients choose failures:
//! any address at `reject.test` is refused with 550 (permanent), at `busy.test` with 451
//! (transient); a message to them is not captured.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::state::Sim;

/// Largest message accepted (bytes of DATA).
const MAX_MESSAGE: usize = 25 * 1024 * 1024;

/// A captured message.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: Option<String>,
    /// The message as received (headers and body, dot-unstuffed).
    pub data: String,
    pub at_ms: i64,
}

/// Captured mail.
#[derive(Debug, Default)]
pub struct MailSim {
    inner: Mutex<Vec<Mail>>,
}

impl MailSim {
    fn lock(&self) -> MutexGuard<'_, Vec<Mail>> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Serves SMTP on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, sim: Arc<Sim>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let sim = sim.clone();
        tokio::spawn(async move {
            let _ = session(stream, &sim).await;
        });
    }
}

async fn session(stream: TcpStream, sim: &Sim) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 yizhan-sim ESMTP\r\n").await?;
    let (mut from, mut to): (Option<String>, Vec<String>) = (None, Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-yizhan-sim\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 26214400".into()
        } else if upper.starts_with("HELO") {
            "250 yizhan-sim".into()
        } else if upper.starts_with("MAIL FROM:") {
            from = Some(address(&command[10..]));
            to.clear();
            "250 2.1.0 OK".into()
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = address(&command[8..]);
            let domain = rcpt.rsplit('@').next().unwrap_or_default().to_ascii_lowercase();
            match domain.as_str() {
                "reject.test" => "550 5.1.1 mailbox unavailable".into(),
                "busy.test" => "451 4.3.0 try again later".into(),
                _ => {
                    to.push(rcpt);
                    "250 2.1.5 OK".into()
                }
            }
        } else if upper == "DATA" {
            if from.is_none() || to.is_empty() {
                "503 5.5.1 need MAIL and RCPT first".into()
            } else {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let data = read_data(&mut lines).await?;
                if data.len() > MAX_MESSAGE {
                    "552 5.3.4 message too big".into()
                } else {
                    let subject = data.lines().take_while(|l| !l.is_empty()).find_map(|l| l.strip_prefix("Subject: ").map(str::to_owned));
                    let mail = Mail { from: from.take().unwrap_or_default(), to: std::mem::take(&mut to), subject, data, at_ms: chrono::Utc::now().timestamp_millis() };
                    sim.mail.lock().push(mail);
                    "250 2.0.0 queued".into()
                }
            }
        } else if upper == "RSET" {
            (from, to) = (None, Vec::new());
            "250 2.0.0 OK".into()
        } else if upper == "NOOP" {
            "250 2.0.0 OK".into()
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            "502 5.5.2 command not implemented".into()
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(s), Some(e)) if s < e => arg[s + 1..e].to_owned(),
        _ => arg.split_whitespace().next().unwrap_or_default().to_owned(),
    }
}

async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(data);
        }
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "." {
            return Ok(data);
        }
        if data.len() <= MAX_MESSAGE {
            data.push_str(content.strip_prefix('.').unwrap_or(content));
            data.push('\n');
        }
    }
}

/// `GET /_sim/mail`: `{"messages": […]}`.
pub async fn list(State(sim): State<Arc<Sim>>) -> Json<Value> {
    Json(json!({"messages": *sim.mail.lock()}))
}

/// `DELETE /_sim/mail`.
pub async fn reset(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.mail.lock().clear();
    StatusCode::NO_CONTENT
}
