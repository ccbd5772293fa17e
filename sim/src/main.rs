//! `yizhan-sim`: listens on `SIM_LISTEN` (default `127.0.0.1:9800`) and imitates WeChat.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let addr = std::env::var("SIM_LISTEN").unwrap_or_else(|_| "127.0.0.1:9800".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(sim.addr = %listener.local_addr()?, "simulator listening");
    yizhan_sim::serve(listener, yizhan_sim::Sim::new(yizhan_sim::SimConfig::from_env())).await
}
