//! Fetching an avatar image: only from addresses the guard allows (every redirect checked too),
//! within a timeout, and no larger than the limit (a declared length over it is refused before the
//! body; a body that grows past it is cut off while streaming, by the store).

use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;

use super::config::AvatarConfig;
use super::guard::{refused_literal, GuardedResolver, PrivateAddress};
use crate::storage::{Accept, Storage, StorageError, StoredObject};

/// Why an avatar was not stored.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not a fetchable URL: {0}")]
    BadUrl(String),
    #[error(transparent)]
    Private(#[from] PrivateAddress),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("the image host answered HTTP {0}")]
    Status(u16),
    /// Connection refused or reset, timeout, a broken body: may pass.
    #[error("fetching: {0}")]
    Network(String),
    #[error(transparent)]
    Store(#[from] StorageError),
}

/// Whether trying again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchFailure {
    /// Network errors, timeouts, 5xx and 429 from the image host, a failing store.
    Transient,
    /// A bad or private URL, too many redirects, another 4xx, too large, not an image.
    Permanent,
}

impl FetchError {
    pub fn failure(&self) -> FetchFailure {
        match self {
            Self::Network(_) => FetchFailure::Transient,
            Self::Status(s) if *s >= 500 || *s == 429 => FetchFailure::Transient,
            Self::Store(StorageError::Body(_) | StorageError::Backend(_)) => FetchFailure::Transient,
            _ => FetchFailure::Permanent,
        }
    }
}

/// Fetches avatar images; cheap to clone.
#[derive(Debug, Clone)]
pub struct AvatarFetcher {
    http: reqwest::Client,
    config: Arc<AvatarConfig>,
}

impl AvatarFetcher {
    pub fn new(config: AvatarConfig) -> anyhow::Result<Self> {
        let (allow_private, max_redirects) = (config.allow_private, config.max_redirects);
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                let error = TooManyRedirects(max_redirects);
                return attempt.error(error);
            }
            if !matches!(attempt.url().scheme(), "http" | "https") {
                let error = NotHttp(attempt.url().scheme().to_owned());
                return attempt.error(error);
            }
            match refused_literal(attempt.url(), allow_private) {
                Some(refused) => attempt.error(refused),
                None => attempt.follow(),
            }
        });
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(std::time::Duration::from_secs(5)))
            .redirect(redirects)
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .user_agent("yizhan-avatar-fetcher")
            .build()?;
        Ok(Self { http, config: Arc::new(config) })
    }

    pub fn config(&self) -> &AvatarConfig {
        &self.config
    }

    /// Fetches `url` and stores the image under `avatars/` (at most `AVATAR_MAX_BYTES`, an image
    /// by its first bytes).
    pub async fn fetch_into(&self, url: &str, storage: &Storage) -> Result<StoredObject, FetchError> {
        let response = self.get(url).await?;
        Ok(storage.put_stream("avatars", body(response), Accept::Images, Some(self.config.max_bytes)).await?)
    }

    async fn get(&self, url: &str) -> Result<reqwest::Response, FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::BadUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(FetchError::BadUrl(format!("`{}` URLs are not fetched", parsed.scheme())));
        }
        if let Some(refused) = refused_literal(&parsed, self.config.allow_private) {
            return Err(refused.into());
        }
        let response = self.http.get(parsed).send().await.map_err(classify)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if response.content_length().is_some_and(|n| n > self.config.max_bytes) {
            return Err(StorageError::TooLarge { limit: self.config.max_bytes }.into());
        }
        Ok(response)
    }
}

/// The body as it arrives.
fn body(response: reqwest::Response) -> impl Stream<Item = Result<Bytes, String>> + Send {
    futures::stream::unfold(Some(response), |response| async move {
        let mut response = response?;
        match response.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(response))),
            Ok(None) => None,
            Err(err) => Some((Err(err.without_url().to_string()), None)),
        }
    })
}

#[derive(Debug, thiserror::Error)]
#[error("more than {0} redirects")]
struct TooManyRedirects(usize);

#[derive(Debug, thiserror::Error)]
#[error("a redirect to a `{0}` URL")]
struct NotHttp(String);

/// A reqwest error: a refusal of ours found in its chain, or a network error.
fn classify(err: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<PrivateAddress>() {
            return FetchError::Private(refused.clone());
        }
        if let Some(TooManyRedirects(n)) = e.downcast_ref::<TooManyRedirects>() {
            return FetchError::TooManyRedirects(*n);
        }
        if let Some(NotHttp(scheme)) = e.downcast_ref::<NotHttp>() {
            return FetchError::BadUrl(format!("a redirect to a `{scheme}` URL"));
        }
        source = e.source();
    }
    if err.is_builder() {
        return FetchError::BadUrl(err.without_url().to_string());
    }
    FetchError::Network(format!("{:#}", anyhow::Error::new(err.without_url())))
}
