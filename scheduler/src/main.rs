use yizhan_common::config::CoreConfig;
use yizhan_common::{shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let core = CoreConfig::from_env()?;
    telemetry::init(core.log_format, &core.rust_log);
    tracing::info!("scheduler started");
    shutdown::signal().await;
    tracing::info!("scheduler stopped");
    Ok(())
}
