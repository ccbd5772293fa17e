//! List pages: page and page size read leniently from the query (a bad value falls back to the
//! default instead of failing the page), and the pager a template shows under a table, whose
//! links keep the list's search and filters.

use crate::extract::{Pagination, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// A list page's query: `?q=&page=&pageSize=` (a search box and the pager's links).
#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub page: Option<String>,
    #[serde(rename = "pageSize")]
    pub page_size: Option<String>,
}

impl SearchQuery {
    /// The page asked for.
    pub fn pagination(&self) -> Pagination {
        pagination(self.page.as_deref(), self.page_size.as_deref())
    }

    /// The search box's text (blank: empty).
    pub fn text(&self) -> String {
        search_text(self.q.as_deref()).unwrap_or_default()
    }
}

/// The page asked for by `?page=&pageSize=`.
pub fn pagination(page: Option<&str>, page_size: Option<&str>) -> Pagination {
    let read = |raw: Option<&str>, default: u32, max: u32| raw.and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| (1..=max).contains(n)).unwrap_or(default);
    Pagination { page: read(page, 1, 1_000_000), page_size: read(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) }
}

/// A search box's text: trimmed, without NUL characters (which PostgreSQL cannot hold in text),
/// `None` when blank.
pub fn search_text(raw: Option<&str>) -> Option<String> {
    raw.map(|q| q.replace('\0', "")).map(|q| q.trim().to_owned()).filter(|q| !q.is_empty())
}

/// A filter's id (`?hospitalId=3`); blank or not a number is no filter.
pub fn id_param(raw: Option<&str>) -> Option<i64> {
    raw.and_then(|v| v.trim().parse().ok())
}

/// `base?k=v&…` with the non-empty `params` (a CSV export's link keeps the list's filters).
pub fn link(base: &str, params: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(params.iter().filter(|(_, v)| !v.is_empty())).finish();
    if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") }
}

/// Where a list is and how to reach its neighbours.
#[derive(Debug)]
pub struct Pager {
    pub page: u32,
    pub pages: u64,
    pub total: u64,
    pub first_row: u64,
    pub last_row: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list's path; `params` its filters (empty ones are left out of the links).
    pub fn new(base: &str, params: &[(&str, &str)], p: Pagination, total: u64) -> Self {
        let size = u64::from(p.page_size);
        let pages = total.div_ceil(size).max(1);
        let link = |page: u32| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
                query.append_pair(k, v);
            }
            query.append_pair("page", &page.to_string());
            if p.page_size != crate::extract::DEFAULT_PAGE_SIZE {
                query.append_pair("pageSize", &p.page_size.to_string());
            }
            format!("{base}?{}", query.finish())
        };
        let first_row = (u64::from(p.page) - 1) * size;
        Self {
            page: p.page,
            pages,
            total,
            first_row: if total > first_row { first_row + 1 } else { 0 },
            last_row: total.min(first_row + size),
            prev: (p.page > 1).then(|| link(p.page - 1)),
            next: (u64::from(p.page) < pages).then(|| link(p.page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_bad_numbers_fall_back() {
        let p = pagination(Some("2"), Some("abc"));
        assert_eq!((p.page, p.page_size), (2, DEFAULT_PAGE_SIZE));
        let pager = Pager::new("/admin/console/users", &[("q", "张 三"), ("role", "")], p, 45);
        assert_eq!(pager.pages, 3);
        assert_eq!((pager.first_row, pager.last_row), (21, 40));
        assert_eq!(pager.prev.as_deref(), Some("/admin/console/users?q=%E5%BC%A0+%E4%B8%89&page=1"));
        assert_eq!(pager.next.as_deref(), Some("/admin/console/users?q=%E5%BC%A0+%E4%B8%89&page=3"));
        assert_eq!(pagination(Some("0"), Some("1000")).page, 1);
    }
}
