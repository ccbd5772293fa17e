use clap::{Parser, Subcommand};
use secrecy::SecretString;
use yizhan_api::{admin, ApiConfig, Server};
use yizhan_common::config::CoreConfig;
use yizhan_common::{db, telemetry};

/// The Yizhan HTTP API.
#[derive(Parser)]
#[command(name = "yizhan-api", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin account, or reset its password and admin role if it exists.
    CreateAdmin {
        #[arg(long)]
        username: String,
        /// The password; if omitted, read from ADMIN_PASSWORD.
        #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let config = ApiConfig::from_env()?;
            telemetry::init(config.core.log_format, &config.core.rust_log);
            Server::bind(config).await?.run_until_stopped().await
        }
        Command::Migrate => {
            let core = CoreConfig::from_env()?;
            telemetry::init(core.log_format, &core.rust_log);
            db::migrate(&db::pool(&core)?).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin { username, password } => {
            let core = CoreConfig::from_env()?;
            telemetry::init(core.log_format, &core.rust_log);
            let id = admin::create_admin(&db::pool(&core)?, &username, SecretString::from(password)).await?;
            tracing::info!(user.id = id, "admin ready");
            Ok(())
        }
    }
}
