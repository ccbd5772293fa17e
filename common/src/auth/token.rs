//! Opaque API tokens: 256 random bits shown once to the client, stored only as SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly issued token: the text for the client and the hash for the database.
#[derive(Debug)]
pub struct IssuedToken {
    pub plain: String,
    pub hash: Vec<u8>,
}

/// Makes a new random token.
pub fn generate() -> IssuedToken {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let plain = URL_SAFE_NO_PAD.encode(bytes);
    let hash = digest(&plain);
    IssuedToken { plain, hash }
}

/// The stored form of a token.
pub fn digest(plain: &str) -> Vec<u8> {
    Sha256::digest(plain.as_bytes()).to_vec()
}

/// Extracts the token from an `Authorization` header: `Bearer <t>` (seed 001) or `Token <t>` (seed 002).
pub fn from_authorization(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let token = rest.trim();
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    (known && !token.is_empty() && token.len() <= 256).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = generate();
        let b = generate();
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.plain.len(), 43);
        assert_eq!(digest(&a.plain), a.hash);
    }

    #[test]
    fn both_header_schemes_are_accepted() {
        assert_eq!(from_authorization("Bearer abc"), Some("abc"));
        assert_eq!(from_authorization("Token abc"), Some("abc"));
        assert_eq!(from_authorization("token  abc "), Some("abc"));
        assert_eq!(from_authorization("Basic abc"), None);
        assert_eq!(from_authorization("Bearer"), None);
        assert_eq!(from_authorization("Bearer "), None);
    }
}
