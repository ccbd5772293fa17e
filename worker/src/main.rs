use clap::Parser;
use yizhan_common::telemetry;
use yizhan_worker::{QueueList, WorkerConfig};

/// The Yizhan worker: runs queued jobs.
#[derive(Parser)]
#[command(name = "yizhan-worker", version)]
struct Cli {
    /// Queues and concurrency, e.g. `wechat=16,sms=4` (overrides WORKER_QUEUES; default: all).
    #[arg(long)]
    queues: Option<QueueList>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = WorkerConfig::from_env(cli.queues)?;
    telemetry::init(config.core.log_format, &config.core.rust_log);
    yizhan_worker::run(config).await
}
