use yizhan_common::{shutdown, telemetry};
use yizhan_sim::{SimConfig, SimServer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = SimConfig::from_env()?;
    let format = std::env::var("LOG_FORMAT").ok().and_then(|f| f.parse().ok()).unwrap_or(yizhan_common::config::LogFormat::Pretty);
    telemetry::init(format, &std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()));
    let server = SimServer::bind(config).await?;
    tracing::info!(addr = %server.addr, smtp = ?server.smtp_addr, "simulator listening");
    server.run_until(shutdown::signal()).await?;
    tracing::info!("simulator stopped");
    Ok(())
}
