//! Argon2id password hashing, run on a few dedicated threads so it never stalls the async runtime.
//!
//! Each hash takes 19 MiB. On tokio's blocking pool a hash could land on any of many threads,
//! each with its own malloc arena keeping those 19 MiB after the hash: a few dozen logins left
//! the api at a peak of 155–270 MB resident (`scripts/bench appointments`, 2026-12-05), against
//! 44 MB with the memory given back. Hashes run on one thread per core instead (more would not
//! hash faster), so at most that many hashes' memory is ever held.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{ PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};

type Work = Box<dyn FnOnce() + Send>;

/// The hashing threads' queue (started on first use).
fn hashers() -> &'static mpsc::Sender<Work> {
    static HASHERS: OnceLock<mpsc::Sender<Work>> = OnceLock::new();
    HASHERS.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Work>();
        let rx = Arc::new(Mutex::new(rx));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || loop {
                let next = match rx.lock() {
                    Ok(queue) => queue.recv(),
                    Err(_) => return,
                };
                let Ok(work) = next else { return };
                // A panic fails its own hash (its answer is dropped), not the thread.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            });
            if let Err(err) = spawned {
                tracing::error!(error = %err, "cannot start a password hashing thread");
            }
        }
        tx
    })
}

/// Runs `f` on a hashing thread.
async fn on_hasher<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let work: Work = Box::new(move || {
        let _ = tx.send(f());
    });
    hashers().send(work).map_err(|_| anyhow::anyhow!("no password hashing thread is running"))?;
    rx.await.map_err(|_| anyhow::anyhow!("password hashing failed"))
}

/// Hashes a password into a PHC string.
pub async fn hash(password: SecretString) -> anyhow::Result<String> {
    on_hasher(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    })
    .await?
}

/// A hash of a random password, verified against when a user does not exist so that the answer
/// takes as long as for a real user.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let mut random = [0u8; 16];
        OsRng.fill_bytes(&mut random);
        Argon2::default()
            .hash_password(&random, &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// True when `password` matches `stored`. A missing hash costs the same time and never matches.
pub async fn verify(password: SecretString, stored: Option<String>) -> bool {
    let found = stored.is_some();
    let ok = on_hasher(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    ok && found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_reject() {
        let hashed = hash(SecretString::from("s3cret-pass")).await.expect("hash");
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify(SecretString::from("s3cret-pass"), Some(hashed.clone())).await);
        assert!(!verify(SecretString::from("wrong"), Some(hashed)).await);
        assert!(!verify(SecretString::from("anything"), None).await);
    }
}
