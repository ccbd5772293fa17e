//! The Yizhan scheduler process.
use yizhan_common::telemetry;
use yizhan_scheduler::SchedulerConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = SchedulerConfig::from_env()?;
    telemetry::init(config.core.log_format, &config.core.rust_log);
    yizhan_scheduler::build(config, Vec::new()).await?.run_until_stopped().await
}
