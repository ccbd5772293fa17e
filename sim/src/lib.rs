//! The simulator of external services: today the WeChat API (the paths the client uses, with
//! WeChat's checks and errcodes) plus inspection and control under `/_sim/`.
//!
//! - Tokens: `/cgi-bin/token` (each fetch replaces the last) and `/cgi-bin/stable_token` (normal
//!   mode returns the same token until its last 5 minutes; `force_refresh` invalidates it, ≤ 20 a
//!   day, ≥ 30 s apart), 7200 s lifetimes on a clock tests can advance (`POST /_sim/clock`).
//! - jscode2session with single-use codes that live 5 minutes (`POST /_sim/users` makes them).
//! - subscribe send enforcing template ids, keyword keys and limits and one-time grants.
//! - `GET /_sim/messages`, `POST /_sim/faults`, `GET /_sim/counters`.

mod admin;
mod limits;
mod mini;
mod oa;
mod send;
mod state;
mod tokens;

use axum::routing::{get, post};
use axum::Router;

pub use state::{Sim, SimConfig};

/// Every route of the simulator.
pub fn router(sim: Sim) -> Router {
    Router::new()
        .route("/cgi-bin/token", get(tokens::token))
        .route("/cgi-bin/stable_token", post(tokens::stable_token))
        .route("/sns/jscode2session", get(mini::jscode2session))
        .route("/sns/oauth2/access_token", get(mini::oauth_access_token))
        .route("/cgi-bin/message/subscribe/send", post(send::subscribe))
        .route("/cgi-bin/message/template/send", post(send::template))
        .route("/cgi-bin/message/custom/send", post(send::custom))
        .route("/cgi-bin/message/mass/send", post(send::mass_openids))
        .route("/cgi-bin/message/mass/sendall", post(send::mass_tag))
        .route("/cgi-bin/qrcode/create", post(oa::qrcode_create))
        .route("/cgi-bin/user/info", get(oa::user_info))
        .route("/_sim/messages", get(admin::messages))
        .route("/_sim/users", post(admin::users))
        .route("/_sim/templates", post(admin::templates))
        .route("/_sim/faults", post(admin::faults))
        .route("/_sim/clock", post(admin::clock))
        .route("/_sim/counters", get(admin::counters))
        .with_state(sim)
}

/// Serves until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, sim: Sim) -> anyhow::Result<()> {
    axum::serve(listener, router(sim)).await?;
    Ok(())
}
