//! The Yizhan scheduler process.
use yizhan_common::telemetry;
use yizhan_scheduler::{Plugins, SchedulerConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = SchedulerConfig::from_env()?;
    telemetry::init(config.core.log_format, &config.core.rust_log);
    yizhan_scheduler::build(config, Plugins::default()).await?.run_until_stopped().await
}
