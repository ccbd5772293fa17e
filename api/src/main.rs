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

/// Fixes glibc's mmap threshold at 128 KiB. Its default is dynamic: once a block larger than the
/// threshold (an Argon2 hash takes 19 MiB) is freed, the threshold rises to that size for the whole
/// process, and later large buffers stay in the malloc arenas. With the fixed threshold the api's
/// peak resident memory under `scripts/bench appointments` stays a fraction of what it was (README,
/// Benchmarks). `MALLOC_MMAP_THRESHOLD_` in the environment still wins.
#[allow(unsafe_code)]
fn fix_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called once before any thread starts.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
    }
}

fn main() -> anyhow::Result<()> {
    fix_mmap_threshold();
    serve()
}

#[tokio::main]
async fn serve() -> anyhow::Result<()> {
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
