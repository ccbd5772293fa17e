//! `sha1(concat(sorted(parts)))`: the GET verification signature (token, timestamp, nonce) and the
//! safe-mode `msg_signature` (token, timestamp, nonce, Encrypt).

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// Lower-case hex SHA-1 of the parts sorted byte-wise and concatenated.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted: Vec<&str> = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// True when `given` equals the signature of `parts`, compared in constant time.
pub fn verify_signature(parts: &[&str], given: &str) -> bool {
    let expected = signature(parts);
    let given = given.trim().to_ascii_lowercase();
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_signature_vector_from_the_notes() {
        let sig = signature(&["test", "1410685589", "test"]);
        assert_eq!(sig, "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
        assert!(verify_signature(&["test", "1410685589", "test"], &sig));
        assert!(verify_signature(&["1410685589", "test", "test"], &sig.to_uppercase()));
    }

    #[test]
    fn wrong_or_truncated_signatures_fail() {
        let parts = ["test", "1410685589", "test"];
        assert!(!verify_signature(&parts, "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe"));
        assert!(!verify_signature(&parts, "f21891de"));
        assert!(!verify_signature(&parts, ""));
        assert!(!verify_signature(&["test", "1410685590", "test"], "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"));
    }

    #[test]
    fn msg_signature_vector_from_the_notes() {
        let encrypt = include_str!("testdata/sample_encrypt.txt").trim();
        let parts = ["pamtest", "1458300676", "260774613", encrypt];
        assert_eq!(signature(&parts), "4f3ad57b6989f09f4eb392acce4f9e93942ed890");
    }
}
