//! `yizhan-sim`: imitates the external services on loopback so the rest of the system cannot tell
//! (WeChat's API paths with their checks and errcodes), plus `/_sim/*` to inspect and control it.

// A refusal is WeChat's ready-made answer (`Response`), moved once per request on the error path;
// boxing it would only add noise to every handler.
#![allow(clippy::result_large_err)]

pub mod avatar;
pub mod config;
mod callbacks;
mod control;
mod faults;
mod gate;
mod keywords;
mod material;
pub mod koala;
pub mod mail;
mod menu;
mod mini;
mod mp;
pub mod sms;
mod state;
mod token;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{delete, get, post};
use axum::Router;
use tokio::net::TcpListener;

pub use config::SimConfig;
pub use state::Sim;

/// Every simulated path.
pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/cgi-bin/token", get(token::token))
        .route("/cgi-bin/stable_token", post(token::stable_token))
        .route("/sns/jscode2session", get(mini::jscode2session))
        .route("/cgi-bin/message/subscribe/send", post(mini::subscribe_send))
        .route("/cgi-bin/message/template/send", post(mp::template_send))
        .route("/cgi-bin/message/custom/send", post(mp::custom_send))
        .route("/cgi-bin/message/mass/send", post(mp::mass_send))
        .route("/cgi-bin/message/mass/sendall", post(mp::mass_sendall))
        .route("/cgi-bin/qrcode/create", post(mp::qrcode_create))
        .route("/cgi-bin/user/info", get(mp::user_info))
        .route("/cgi-bin/tags/create", post(mp::tags_create))
        .route("/cgi-bin/tags/get", get(mp::tags_get))
        .route("/cgi-bin/tags/update", post(mp::tags_update))
        .route("/_sim/tags", get(mp::sim_tags))
        .route("/cgi-bin/tags/members/batchtagging", post(mp::tags_batchtagging))
        .route("/cgi-bin/tags/members/batchuntagging", post(mp::tags_batchuntagging))
        .route("/cgi-bin/material/add_material", post(material::add_material))
        .route("/cgi-bin/material/add_news", post(material::add_news))
        .route("/cgi-bin/media/upload", post(material::upload_media))
        .route("/_sim/events", get(control::events))
        .route("/sns/oauth2/access_token", get(mp::oauth_access_token))
        .route("/sns/userinfo", get(mp::sns_userinfo))
        .route("/cgi-bin/ticket/getticket", get(mp::getticket))
        .route("/cgi-bin/menu/create", post(menu::create))
        .route("/cgi-bin/menu/get", get(menu::get))
        .route("/_sim/menu", get(menu::current))
        .route("/_sim/users", post(control::create_user))
        .route("/_sim/grants", post(control::add_grants))
        .route("/_sim/messages", get(control::messages))
        .route("/_sim/faults", post(control::add_faults).delete(control::clear_faults))
        .route("/_sim/stats", get(control::stats))
        .route("/_sim/callbacks", post(callbacks::deliver).get(callbacks::list))
        .route("/", post(sms::send_sms))
        .route("/_sim/sms", get(sms::list).delete(sms::reset))
        .route("/_sim/sms/faults", post(sms::add_faults))
        .route("/_sim/mail", get(mail::list).delete(mail::reset))
        .route("/auth/login", post(koala::login))
        .route("/mobile-admin/subjects/list", get(koala::list))
        .route("/mobile-admin/visitors/purposes", get(koala::purposes))
        .route("/subject", post(koala::create))
        .route("/subject/{id}", get(koala::get_subject))
        .route("/_sim/koala", delete(koala::control::reset))
        .route("/_sim/koala/staffs", post(koala::control::add_staffs))
        .route("/_sim/koala/purposes", post(koala::control::set_purposes))
        .route("/_sim/koala/subjects", get(koala::control::subjects))
        .route("/_sim/koala/stats", get(koala::control::stats))
        .route("/_sim/koala/faults", post(koala::control::add_faults))
        .route("/_sim/koala/expire-sessions", post(koala::control::expire_sessions))
        .route("/_sim/avatar", get(avatar::hits).delete(avatar::reset))
        .route("/_sim/avatar/{name}", get(avatar::image))
        .with_state(sim)
}

/// A bound simulator.
pub struct SimServer {
    pub addr: SocketAddr,
    /// The capturing SMTP server, when configured.
    pub smtp_addr: Option<SocketAddr>,
    pub sim: Arc<Sim>,
    listener: TcpListener,
    smtp: Option<TcpListener>,
}

impl SimServer {
    pub async fn bind(config: SimConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let smtp = match config.smtp_addr {
            Some(at) => Some(TcpListener::bind(at).await?),
            None => None,
        };
        let smtp_addr = smtp.as_ref().map(TcpListener::local_addr).transpose()?;
        Ok(Self { addr, smtp_addr, sim: Arc::new(Sim::new(config)), listener, smtp })
    }

    pub async fn run_until(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        // The SMTP server lives as long as the HTTP one.
        let smtp = self.smtp.map(|l| tokio::spawn(mail::serve(l, self.sim.clone())));
        let served = axum::serve(self.listener, router(self.sim)).with_graceful_shutdown(stop).await;
        if let Some(task) = smtp {
            task.abort();
        }
        served?;
        Ok(())
    }
}

/// A simulator serving in the background until dropped (tests, benchmarks, tools).
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// The capturing SMTP server, when configured.
    pub smtp_addr: Option<SocketAddr>,
    pub sim: Arc<Sim>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl SimServer {
    /// Binds and serves in a background task; the server stops when the handle is dropped.
    pub async fn spawn(config: SimConfig) -> anyhow::Result<RunningSim> {
        let server = Self::bind(config).await?;
        let (base, sim, smtp_addr) = (format!("http://{}", server.addr), server.sim.clone(), server.smtp_addr);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run_until(async move {
            let _ = stopped.await;
        }));
        Ok(RunningSim { base, smtp_addr, sim, _stop: stop })
    }
}
