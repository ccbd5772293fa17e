//! Token → user, kept in the process for a short while, so a request does not read the database
//! to authenticate. A change that could make a kept entry wrong (a token revoked or deleted, a
//! user's roles, activity or details changed, a user deleted) moves the `auth_generation`
//! counter in its own transaction (triggers, migration `20261205000400_auth_generation.sql`).
//! Each process reads the counter every [`POLL`] and drops its entries when it moved; it trusts
//! no entry when its last good read is older than [`TRUST`] (database unreachable, poller
//! stalled). A change made anywhere therefore reaches every process within about `POLL`, and one
//! made by this process at once ([`TokenCache::forget_all`] after its commit).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{user_for_token, TokenLookup, User};
use crate::auth::token;

/// How often each process reads the counter.
pub const POLL: Duration = Duration::from_millis(200);
/// No entry is used when the counter has not been read for this long.
pub const TRUST: Duration = Duration::from_millis(800);
/// An entry is read again from the database after this long (it also refreshes `last_used_at`).
const TTL: Duration = Duration::from_secs(60);
/// Most entries kept; beyond, the cache starts over.
const MAX_ENTRIES: usize = 10_000;
/// The generation before the counter was first read: matches no entry.
const UNREAD: i64 = i64::MIN;

/// The per-process cache (cheap to clone; clones share it).
#[derive(Clone, Default)]
pub struct TokenCache(Arc<Inner>);

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("generation", &self.0.generation.load(Ordering::Acquire)).finish_non_exhaustive()
    }
}

struct Inner {
    entries: Mutex<HashMap<Vec<u8>, Entry>>,
    /// The counter's value at the last good read ([`UNREAD`] before the first).
    generation: AtomicI64,
    /// When the counter was last read.
    read_at: Mutex<Option<Instant>>,
    poller: OnceLock<()>,
}

impl Default for Inner {
    fn default() -> Self {
        Self { entries: Mutex::default(), generation: AtomicI64::new(UNREAD), read_at: Mutex::default(), poller: OnceLock::new() }
    }
}

#[derive(Clone)]
struct Entry {
    user: User,
    token_id: i64,
    expires_at: DateTime<Utc>,
    /// The counter's value read before the database was.
    generation: i64,
    kept_at: Instant,
}

impl TokenCache {
    /// The user behind a presented token: from the cache when a trusted entry is there, else
    /// from the database (`users::user_for_token`), keeping a valid answer.
    pub async fn lookup(&self, pool: &PgPool, plain: &str) -> sqlx::Result<TokenLookup> {
        self.start_polling(pool);
        let key = token::digest(plain);
        if let Some(hit) = self.kept(&key) {
            return Ok(hit);
        }
        let generation = self.0.generation.load(Ordering::Acquire);
        let mut conn = pool.acquire().await?;
        let found = user_for_token(&mut conn, plain).await?;
        if let TokenLookup::Valid { user, token_id, expires_at } = &found {
            let entry = Entry { user: user.clone(), token_id: *token_id, expires_at: *expires_at, generation, kept_at: Instant::now() };
            let mut entries = self.0.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, entry);
        }
        Ok(found)
    }

    /// Drops every entry: called by this process after it committed a change to a token or a
    /// user, so its own next request sees the change (others see it through the counter).
    pub fn forget_all(&self) {
        self.0.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    fn kept(&self, key: &[u8]) -> Option<TokenLookup> {
        let read_at = *self.0.read_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if read_at.is_none_or(|at| at.elapsed() > TRUST) {
            return None;
        }
        let generation = self.0.generation.load(Ordering::Acquire);
        let entries = self.0.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let e = entries.get(key)?;
        let fresh = e.generation == generation && e.kept_at.elapsed() < TTL && e.expires_at > Utc::now();
        fresh.then(|| TokenLookup::Valid { user: e.user.clone(), token_id: e.token_id, expires_at: e.expires_at })
    }

    /// Starts this cache's poller on first use (it ends when the last clone is dropped).
    fn start_polling(&self, pool: &PgPool) {
        self.0.poller.get_or_init(|| {
            tokio::spawn(poll(Arc::downgrade(&self.0), pool.clone()));
        });
    }
}

async fn poll(cache: Weak<Inner>, pool: PgPool) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = cache.upgrade() else { return };
        match sqlx::query_scalar!("SELECT generation FROM auth_generation").fetch_one(&pool).await {
            Ok(generation) => {
                if inner.generation.load(Ordering::Acquire) != generation {
                    inner.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
                    inner.generation.store(generation, Ordering::Release);
                }
                *inner.read_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
            }
            Err(err) => tracing::warn!(error = %err, "reading the authentication generation failed; tokens are checked in the database"),
        }
    }
}
