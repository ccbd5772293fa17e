//! What the simulator knows before it starts: apps with their secrets, templates, lifetimes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use yizhan_common::config::{ConfigError, EnvReader};

use crate::koala::{SIM_KOALA_PASSWORD, SIM_KOALA_USERNAME};

/// Settings read from `SIM_*` variables; every default works for `scripts/dev` and the tests.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// `SIM_ADDR`: where it listens (default `127.0.0.1:9900`; port 0 picks one).
    pub addr: SocketAddr,
    /// `SIM_APPS`: `appid=secret,…` (default the Mini Program `wxsimmini` / `sim-mini-secret` and the
    /// Official Account `wxsimmp` / `sim-mp-secret`).
    pub apps: BTreeMap<String, String>,
    /// `SIM_TOKEN_TTL_SECS`: access-token lifetime (default 7200, as WeChat).
    pub token_ttl: Duration,
    /// `SIM_TEMPLATES`: `templateId=keyword|keyword…;…` (default seed 001's 模板ID1–6 and the
    /// reservation notices' 模板ID7–9, each with thing1, thing2, time3, thing4, thing5).
    pub templates: BTreeMap<String, Vec<String>>,
    /// Where `POST /_sim/callbacks` delivers when the request names no URL.
    pub callbacks: CallbackTarget,
    /// `SIM_SMTP_ADDR`: where the capturing SMTP server listens (unset: no SMTP server; port 0
    /// picks one; `scripts/dev` uses `127.0.0.1:9925`).
    pub smtp_addr: Option<SocketAddr>,
    /// `SIM_KOALA_USERNAME` / `SIM_KOALA_PASSWORD`: the Koala admin `POST /auth/login` accepts
    /// (default `sim-koala` / `sim-koala-password`).
    pub koala_username: String,
    pub koala_password: String,
    /// `SIM_KOALA_SESSION_SECS`: how long a Koala session lasts (default 3600).
    pub koala_session_ttl: Duration,
}

/// The Official Account side of callbacks: where they go and how they are signed and encrypted.
#[derive(Debug, Clone)]
pub struct CallbackTarget {
    /// `SIM_CALLBACK_URL`: the API's callback URL (optional; a request may name its own).
    pub url: Option<String>,
    /// `SIM_CALLBACK_TOKEN`: the token both sides sign with (default `sim-callback-token`;
    /// the API's `WECHAT_MP_TOKEN` must match).
    pub token: String,
    /// `SIM_CALLBACK_AES_KEY`: the EncodingAESKey for safe mode (default a fixed test key;
    /// the API's `WECHAT_MP_AES_KEY` must match).
    pub aes_key: String,
    /// `SIM_CALLBACK_APPID`: the appid in the encrypted trailer (default `wxsimmp`).
    pub appid: String,
}

pub const DEFAULT_CALLBACK_TOKEN: &str = "sim-callback-token";
pub const DEFAULT_CALLBACK_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

impl Default for CallbackTarget {
    fn default() -> Self {
        Self {
            url: None,
            token: DEFAULT_CALLBACK_TOKEN.into(),
            aes_key: DEFAULT_CALLBACK_AES_KEY.into(),
            appid: "wxsimmp".into(),
        }
    }
}

pub const DEFAULT_APPS: &str = "wxsimmini=sim-mini-secret,wxsimmp=sim-mp-secret";

impl SimConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        yizhan_common::config::load_dotenv();
        let mut env = EnvReader::new();
        let addr = env.optional("SIM_ADDR", SocketAddr::from(([127, 0, 0, 1], 9900)));
        let apps = parse_apps(&env.optional("SIM_APPS", DEFAULT_APPS.to_owned()));
        let ttl = env.optional("SIM_TOKEN_TTL_SECS", 7200u64);
        let templates = env.maybe::<String>("SIM_TEMPLATES").map(|raw| parse_templates(&raw)).unwrap_or_else(default_templates);
        let defaults = CallbackTarget::default();
        let callbacks = CallbackTarget {
            url: env.maybe("SIM_CALLBACK_URL"),
            token: env.optional("SIM_CALLBACK_TOKEN", defaults.token),
            aes_key: env.optional("SIM_CALLBACK_AES_KEY", defaults.aes_key),
            appid: env.optional("SIM_CALLBACK_APPID", defaults.appid),
        };
        let smtp_addr = env.maybe::<SocketAddr>("SIM_SMTP_ADDR");
        let koala_username = env.optional("SIM_KOALA_USERNAME", SIM_KOALA_USERNAME.to_owned());
        let koala_password = env.optional("SIM_KOALA_PASSWORD", SIM_KOALA_PASSWORD.to_owned());
        let koala_session_ttl = Duration::from_secs(env.optional("SIM_KOALA_SESSION_SECS", 3600u64).max(1));
        env.finish(|| {
            Some(Self {
                addr,
                apps,
                token_ttl: Duration::from_secs(ttl.max(1)),
                templates,
                callbacks,
                smtp_addr,
                koala_username,
                koala_password,
                koala_session_ttl,
            })
        })
    }

    /// Defaults on an ephemeral port (for tests).
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            apps: parse_apps(DEFAULT_APPS),
            token_ttl: Duration::from_secs(7200),
            templates: default_templates(),
            callbacks: CallbackTarget::default(),
            smtp_addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            koala_username: SIM_KOALA_USERNAME.into(),
            koala_password: SIM_KOALA_PASSWORD.into(),
            koala_session_ttl: Duration::from_secs(3600),
        }
    }
}

fn parse_apps(raw: &str) -> BTreeMap<String, String> {
    raw.split(',').filter_map(|p| p.split_once('=')).map(|(a, s)| (a.trim().to_owned(), s.trim().to_owned())).collect()
}

fn parse_templates(raw: &str) -> BTreeMap<String, Vec<String>> {
    raw.split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(t, keys)| (t.trim().to_owned(), keys.split('|').map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect()))
        .collect()
}

fn default_templates() -> BTreeMap<String, Vec<String>> {
    (1..=9)
        .map(|n| (format!("模板ID{n}"), ["thing1", "thing2", "time3", "thing4", "thing5"].map(String::from).to_vec()))
        .collect()
}
