//! The Koala client: logs in with `POST /auth/login` (header `User-Agent: Koala Admin`), keeps
//! the `session` cookie for every later call, logs in again once when a call finds the session
//! expired and retries that call once. Every call has a timeout.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::config::KoalaConfig;
use super::envelope::{parse, Envelope, Failure, KoalaError};
use super::types::{same_phone, NewVisitor, Purpose, Staff, Subject};

/// The `User-Agent` Koala's admin API expects.
pub const USER_AGENT: &str = "Koala Admin";
/// On a request path that waits (binding lookups): the timeout of each call…
pub const WAIT_CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// …and of the whole operation, a re-login and retry included.
pub const WAIT_BUDGET: Duration = Duration::from_secs(3);

/// Where the visit purposes are listed.
const PURPOSES_PATH: &str = "/mobile-admin/visitors/purposes";
const PAGE_SIZE: u64 = 100;
/// Pages read at most by one lookup (10 000 subjects).
const MAX_PAGES: u64 = 100;

#[derive(Debug, Default)]
struct Shared {
    /// The current session cookie; its lock is held while logging in, so one login serves all.
    session: tokio::sync::Mutex<Option<SecretString>>,
    purposes: Mutex<Option<(Instant, Vec<Purpose>)>>,
}

/// Koala client; cheap to clone (clones share the session and the purpose cache).
#[derive(Debug, Clone)]
pub struct KoalaClient {
    http: reqwest::Client,
    config: Arc<KoalaConfig>,
    /// Of each call (the configured timeout, or shorter for a waiting request).
    timeout: Duration,
    shared: Arc<Shared>,
}

type Request<'a> = dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'a;

impl KoalaClient {
    pub fn new(config: KoalaConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { http, timeout: config.timeout, config: Arc::new(config), shared: Arc::default() })
    }

    pub fn config(&self) -> &KoalaConfig {
        &self.config
    }

    /// For a request that waits on Koala (binding lookups): runs `op` on this client with
    /// [`WAIT_CALL_TIMEOUT`] per call, bounded as a whole by [`WAIT_BUDGET`]; running out is
    /// [`KoalaError::Unavailable`], which the API answers as 502 `koala_unavailable`.
    pub async fn waiting<T, Fut>(&self, op: impl FnOnce(KoalaClient) -> Fut) -> Result<T, KoalaError>
    where
        Fut: Future<Output = Result<T, KoalaError>>,
    {
        let client = Self { timeout: self.timeout.min(WAIT_CALL_TIMEOUT), ..self.clone() };
        tokio::time::timeout(WAIT_BUDGET, op(client))
            .await
            .unwrap_or_else(|_| Err(KoalaError::Unavailable(format!("no answer within {} ms", WAIT_BUDGET.as_millis()))))
    }

    /// `GetStaffs` by phone: the employees with this phone number.
    pub async fn staffs_by_phone(&self, phone: &str) -> Result<Vec<Staff>, KoalaError> {
        self.subjects("employee", "", phone).await
    }

    /// `GetStaffs` by name and phone.
    pub async fn staffs_by_name_phone(&self, name: &str, phone: &str) -> Result<Vec<Staff>, KoalaError> {
        self.subjects("employee", name, phone).await
    }

    /// `GetPurpose`: the visit purposes, kept for `KOALA_PURPOSE_CACHE_SECS`.
    pub async fn purposes(&self) -> Result<Vec<Purpose>, KoalaError> {
        let ttl = self.config.purpose_cache;
        if let Some((at, list)) = self.shared.purposes.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if at.elapsed() < ttl {
                return Ok(list.clone());
            }
        }
        let url = self.url(PURPOSES_PATH);
        let list: Vec<Purpose> = self.call("purposes", &move |http| http.get(&url)).await?.data;
        *self.shared.purposes.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// Creates a visitor subject (`subject_type` 1) for its time window. Not idempotent: see
    /// [`KoalaClient::find_visitor`].
    pub async fn create_visitor(&self, visitor: &NewVisitor) -> Result<Subject, KoalaError> {
        let (url, body) = (self.url("/subject"), visitor.body());
        Ok(self.call("create_subject", &move |http| http.post(&url).json(&body)).await?.data)
    }

    /// The visitor subject Koala already holds for this visitor and window, if any.
    pub async fn find_visitor(&self, visitor: &NewVisitor) -> Result<Option<Subject>, KoalaError> {
        let found = self.subjects("visitor", &visitor.name, &visitor.phone).await?;
        Ok(found.into_iter().find(|s| visitor.is(s)))
    }

    /// One subject by id.
    pub async fn subject(&self, id: i64) -> Result<Subject, KoalaError> {
        let url = self.url(&format!("/subject/{id}"));
        Ok(self.call("get_subject", &move |http| http.get(&url)).await?.data)
    }

    /// `GET /mobile-admin/subjects/list` of `category` and `name` (empty: all), page by page,
    /// kept when the phone matches.
    async fn subjects(&self, category: &str, name: &str, phone: &str) -> Result<Vec<Subject>, KoalaError> {
        let url = self.url("/mobile-admin/subjects/list");
        let mut found = Vec::new();
        for page in 1..=MAX_PAGES {
            let query = [("category", category.to_owned()), ("name", name.to_owned()), ("page", page.to_string()), ("size", PAGE_SIZE.to_string())];
            let reply: Envelope<Vec<Subject>> = self.call("list_subjects", &|http| http.get(&url).query(&query)).await?;
            let last = reply.data.len() < usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX)
                || reply.page.is_some_and(|p| p.total <= page);
            found.extend(reply.data.into_iter().filter(|s| s.phone.as_deref().is_some_and(|p| same_phone(p, phone))));
            if last {
                break;
            }
        }
        Ok(found)
    }

    /// One call with the session: on an expired session, one new login and one retry.
    async fn call<T: DeserializeOwned>(&self, op: &'static str, request: &Request<'_>) -> Result<Envelope<T>, KoalaError> {
        let session = self.session(None).await?;
        match self.send(request, &session).await {
            Err(Failure::SessionExpired) => {
                tracing::info!(koala.op = op, "Koala session expired: logging in again");
                let fresh = self.session(Some(&session)).await?;
                match self.send(request, &fresh).await {
                    Err(Failure::SessionExpired) => {
                        Err(KoalaError::Unavailable(format!("{op}: the session expired again right after logging in")))
                    }
                    Err(Failure::Error(err)) => Err(err),
                    Ok(reply) => Ok(reply),
                }
            }
            Err(Failure::Error(err)) => Err(err),
            Ok(reply) => Ok(reply),
        }
    }

    async fn send<T: DeserializeOwned>(&self, request: &Request<'_>, session: &SecretString) -> Result<Envelope<T>, Failure> {
        let response = request(&self.http)
            .header(header::USER_AGENT, USER_AGENT)
            .header(header::COOKIE, format!("session={}", session.expose_secret()))
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| Failure::Error(self.transport(e)))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| Failure::Error(self.transport(e)))?;
        parse(status, &body)
    }

    /// The current session, or a new one when there is none or it is `stale` (the one a call just
    /// found expired; another call may have replaced it meanwhile).
    async fn session(&self, stale: Option<&SecretString>) -> Result<SecretString, KoalaError> {
        let mut slot = self.shared.session.lock().await;
        if let Some(current) = slot.as_ref() {
            if stale.is_none_or(|s| s.expose_secret() != current.expose_secret()) {
                return Ok(current.clone());
            }
        }
        *slot = None;
        let fresh = self.login().await?;
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    async fn login(&self) -> Result<SecretString, KoalaError> {
        let body = serde_json::json!({"username": self.config.username, "password": self.config.password.expose_secret()});
        let response = self
            .http
            .post(self.url("/auth/login"))
            .header(header::USER_AGENT, USER_AGENT)
            .json(&body)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        let cookie = response.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(session_cookie);
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        match parse::<serde_json::Value>(status, &body) {
            Ok(_) => cookie.ok_or_else(|| KoalaError::Unavailable("login answered without a session cookie".into())),
            Err(Failure::SessionExpired) => Err(KoalaError::Rejected { code: -401, desc: "login refused (HTTP 401)".into() }),
            Err(Failure::Error(err)) => {
                tracing::warn!(error = %err, "Koala login failed");
                Err(err)
            }
        }
    }

    /// A transport error; the URL (which may carry a name) is left out.
    fn transport(&self, err: reqwest::Error) -> KoalaError {
        if err.is_timeout() {
            return KoalaError::Unavailable(format!("no answer within {} ms", self.timeout.as_millis()));
        }
        KoalaError::Unavailable(err.without_url().to_string())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base)
    }
}

/// The value of `session=…` in a `Set-Cookie` header.
fn session_cookie(set_cookie: &str) -> Option<SecretString> {
    let value = set_cookie.split(';').next()?.trim().strip_prefix("session=")?;
    (!value.is_empty()).then(|| SecretString::from(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::session_cookie;

    #[test]
    fn the_session_cookie_is_read_from_set_cookie() {
        let got = session_cookie("session=abc123; Path=/; HttpOnly").expect("cookie");
        assert_eq!(got.expose_secret(), "abc123");
        assert!(session_cookie("other=1; Path=/").is_none());
        assert!(session_cookie("session=; Path=/").is_none());
    }
}
