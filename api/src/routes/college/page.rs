//! Seed 002's list shape, Django REST framework's page: `{"count", "next", "previous",
//! "results"}`, where `next` and `previous` are the same request's path and query with another
//! `page` (or `null`).

use axum::http::Uri;
use serde::Serialize;

use crate::extract::Pagination;

/// Django REST framework's page: `next`/`previous` are the same request's path and query with
/// another `page`, or `null`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DrfPage<T> {
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

impl<T> DrfPage<T> {
    pub fn new(results: Vec<T>, count: i64, page: Pagination, uri: &Uri) -> Self {
        let last = u32::try_from((count.max(1) + page.limit() - 1) / page.limit()).unwrap_or(u32::MAX);
        let next = (page.page < last).then(|| link(uri, page.page + 1));
        let previous = (page.page > 1).then(|| link(uri, page.page - 1));
        Self { count, next, previous, results }
    }
}

/// `uri` with its `page` parameter set to `page` (the other parameters kept as sent).
fn link(uri: &Uri, page: u32) -> String {
    let mut params: Vec<&str> = uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty() && !p.starts_with("page=")).collect();
    let page = format!("page={page}");
    params.push(&page);
    format!("{}?{}", uri.path(), params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u32) -> Pagination {
        Pagination { page: n, page_size: 20 }
    }

    #[test]
    fn links_keep_the_other_parameters() {
        let uri: Uri = "/contacts/?my=yes&page=2&search=%E7%8E%8B".parse().expect("uri");
        let p = DrfPage::new(vec![0; 20], 45, page(2), &uri);
        assert_eq!(p.next.as_deref(), Some("/contacts/?my=yes&search=%E7%8E%8B&page=3"));
        assert_eq!(p.previous.as_deref(), Some("/contacts/?my=yes&search=%E7%8E%8B&page=1"));
        let last = DrfPage::new(vec![0; 5], 45, page(3), &uri);
        assert_eq!(last.next, None);
        let only = DrfPage::<u8>::new(vec![], 0, page(1), &"/contacts/".parse().expect("uri"));
        assert_eq!((only.next, only.previous), (None, None));
    }
}
