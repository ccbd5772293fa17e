//! Request extractors that answer with the error envelope.

mod auth;
mod client_ip;
mod json;
mod pagination;
mod params;

pub use auth::{AdminOnly, AuthUser, Authorized, CampusMembers, RoleSet, SchoolStaff};
pub use client_ip::{ClientIp, OverTls, TrustedProxies};
pub use json::{ApiJson, OptionalJson};
pub use params::{ApiPath, ApiQuery};
pub use pagination::{Page, Pagination, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
