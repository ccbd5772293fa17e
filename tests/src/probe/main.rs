//! `yizhan-probe`: a small process that the whole-system tests start several times to exercise
//! the shared Redis primitives across real processes.
//!
//! - `yizhan-probe ratelimit --op OP --rate R --concurrency C --start-at-ms T --run-ms D`:
//!   from unix time T, C tasks take permits of OP (limited to R/s) for D ms, printing
//!   `granted <unix µs>` per permit, then `done <count>`.
//! - `yizhan-probe lease --name NAME`: waits for the lease, prints `held <token>` once it holds
//!   it, and keeps it until SIGTERM (then prints `released` and exits 0) or SIGKILL.
//!
//! - `yizhan-probe wechat-token --start-at-ms T`: from unix time T, asks the WeChat client (as
//!   configured by `WECHAT_*`) for the Mini Program's shared access token and prints `token <t>`.
//!
//! Redis settings come from `REDIS_URL`, `REDIS_PREFIX`, `LEASE_TTL_MS`, `LEASE_RETRY_MS`,
//! `RATE_LIMIT_MARGIN_MS` as in the real processes.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::SecretString;
use tokio::sync::{mpsc, watch};
use yizhan_common::config::EnvReader;
use yizhan_common::lease::{Lease, LeaseConfig};
use yizhan_common::ratelimit::{Acquired, Rate, RateLimitConfig, RateLimiter, RateTable};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_common::wechat::client::{App, WechatClient, WechatConfig};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Ratelimit {
        #[arg(long)]
        op: String,
        #[arg(long)]
        rate: u32,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long)]
        start_at_ms: u64,
        #[arg(long)]
        run_ms: u64,
    },
    Lease {
        #[arg(long)]
        name: String,
    },
    WechatToken {
        #[arg(long)]
        start_at_ms: u64,
    },
}

fn unix_micros() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0)
}

/// Lines go through one writer task so concurrent tasks never interleave a line.
fn line_writer() -> (mpsc::UnboundedSender<String>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let task = tokio::spawn(async move {
        while let Some(line) = rx.recv().await {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
    (tx, task)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let url = std::env::var("REDIS_URL").context("REDIS_URL")?;
    let prefix = std::env::var("REDIS_PREFIX").context("REDIS_PREFIX")?;
    let conn = connect(&SecretString::from(url), RedisTimeouts::default()).await?;
    let mut env = EnvReader::new();
    let (out, writer) = line_writer();
    match cli.command {
        Command::Ratelimit { op, rate, concurrency, start_at_ms, run_ms } => {
            let mut config = RateLimitConfig::read(&mut env);
            config.rates = RateTable::empty();
            config.rates.set(&op, Some(Rate { count: rate, window: Duration::from_secs(1) }));
            let limiter = Arc::new(RateLimiter::new(conn, &prefix, config));
            let start = UNIX_EPOCH + Duration::from_millis(start_at_ms);
            if let Ok(wait) = start.duration_since(SystemTime::now()) {
                tokio::time::sleep(wait).await;
            }
            let deadline = tokio::time::Instant::now() + Duration::from_millis(run_ms);
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let (limiter, op, out) = (limiter.clone(), op.clone(), out.clone());
                tasks.spawn(async move {
                    let mut granted = 0u64;
                    while tokio::time::Instant::now() < deadline {
                        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                        if let Acquired::Permit(_) = limiter.acquire_within(&op, left).await? {
                            if tokio::time::Instant::now() < deadline {
                                let _ = out.send(format!("granted {}", unix_micros()));
                                granted += 1;
                            }
                        }
                    }
                    anyhow::Ok(granted)
                });
            }
            let mut total = 0;
            for granted in tasks.join_all().await {
                total += granted?;
            }
            let _ = out.send(format!("done {total}"));
        }
        Command::WechatToken { start_at_ms } => {
            let config = WechatConfig::read(&mut env).context("WECHAT_* configuration")?;
            let client = WechatClient::new(&config, conn, &prefix)?;
            let start = UNIX_EPOCH + Duration::from_millis(start_at_ms);
            if let Ok(wait) = start.duration_since(SystemTime::now()) {
                tokio::time::sleep(wait).await;
            }
            let token = client.access_token(App::Mini).await?;
            let _ = out.send(format!("token {token}"));
        }
        Command::Lease { name } => {
            let config = LeaseConfig::read(&mut env);
            let lease = Lease::new(conn, &prefix, &name, config);
            let (stop_tx, stop) = watch::channel(false);
            tokio::spawn(async move {
                yizhan_common::shutdown::signal().await;
                let _ = stop_tx.send(true);
            });
            let work_stop = stop.clone();
            lease
                .run_while_held(stop, |held| {
                    let (out, mut stop) = (out.clone(), work_stop.clone());
                    async move {
                        let _ = out.send(format!("held {}", held.token));
                        let _ = stop.wait_for(|s| *s).await;
                    }
                })
                .await;
            let _ = out.send(String::from("released"));
        }
    }
    drop(out);
    writer.await?;
    Ok(())
}
