//! Pagination: `?page=1&pageSize=20` (also `page_size`) in, `{count,page,pageSize,results}` out.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 100;

/// Which page a list endpoint should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    pub page: u32,
    pub page_size: u32,
}

impl Default for Pagination {
    fn default() -> Self {
        Self { page: 1, page_size: DEFAULT_PAGE_SIZE }
    }
}

impl Pagination {
    pub fn limit(self) -> i64 {
        i64::from(self.page_size)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }
}

#[derive(Deserialize)]
struct RawPagination {
    page: Option<String>,
    #[serde(alias = "page_size")]
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<RawPagination>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("invalid_query", "the query string could not be read"))?;
        let page = number(raw.page.as_deref(), "page", 1, 1, 1_000_000)?;
        let page_size = number(raw.page_size.as_deref(), "pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)?;
        Ok(Self { page, page_size })
    }
}

fn number(raw: Option<&str>, field: &str, default: u32, min: u32, max: u32) -> Result<u32, ApiError> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else { return Ok(default) };
    match raw.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::field(field, format!("must be a whole number from {min} to {max}"))),
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub count: i64,
    pub page: u32,
    pub page_size: u32,
    pub results: Vec<T>,
}

impl<T> Page<T> {
    pub fn new(results: Vec<T>, count: i64, p: Pagination) -> Self {
        Self { count, page: p.page, page_size: p.page_size, results }
    }
}
