//! Request extractors that answer with the error envelope.

mod auth;
mod json;
mod pagination;

pub use auth::{AdminOnly, AuthUser, Authorized, RoleSet};
pub use json::{ApiJson, OptionalJson};
pub use pagination::{Page, Pagination, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
