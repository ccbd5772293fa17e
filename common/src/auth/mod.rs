//! Authentication primitives: password hashing and opaque API tokens.

pub mod password;
pub mod token;
