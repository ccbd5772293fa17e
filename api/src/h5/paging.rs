//! A page of a JSON list as the H5 pages show it: the rows and links to the page before and after
//! (the list's own filters kept in the links).

use serde::Deserialize;

use crate::extract::Pagination;

/// Rows per H5 page.
pub const PAGE_SIZE: u32 = 10;

/// `{count, page, pageSize, results}` as the JSON routes answer it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T> {
    pub count: i64,
    pub page: u32,
    pub page_size: u32,
    pub results: Vec<T>,
}

/// The `page` of a link (anything else: the first), [`PAGE_SIZE`] rows.
pub fn pagination(page: Option<&str>) -> Pagination {
    let page = page.and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| (1..=10_000).contains(p)).unwrap_or(1);
    Pagination { page, page_size: PAGE_SIZE }
}

/// The links under a list.
#[derive(Debug, Default)]
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page: u32,
    pub pages: i64,
}

impl Pager {
    /// The links of `p` at `path` with the filters `keep` (empty ones left out).
    pub fn of<T>(p: &Paged<T>, path: &str, keep: &[(&str, &str)]) -> Self {
        let size = i64::from(p.page_size.max(1));
        let pages = ((p.count + size - 1) / size).max(1);
        let link = |page: u32| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in keep.iter().filter(|(_, v)| !v.is_empty()) {
                q.append_pair(k, v);
            }
            q.append_pair("page", &page.to_string());
            format!("{path}?{}", q.finish())
        };
        Self {
            prev: (p.page > 1).then(|| link(p.page - 1)),
            next: (i64::from(p.page) < pages).then(|| link(p.page + 1)),
            page: p.page,
            pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_keep_the_filters_and_stop_at_the_ends() {
        let p = Paged::<()> { count: 21, page: 2, page_size: 10, results: Vec::new() };
        let pager = Pager::of(&p, "/h5/school/notices", &[("q", "奖学金"), ("categoryId", "")]);
        assert_eq!(pager.prev.as_deref(), Some("/h5/school/notices?q=%E5%A5%96%E5%AD%A6%E9%87%91&page=1"));
        assert_eq!(pager.next.as_deref(), Some("/h5/school/notices?q=%E5%A5%96%E5%AD%A6%E9%87%91&page=3"));
        let last = Pager::of(&Paged::<()> { count: 21, page: 3, page_size: 10, results: Vec::new() }, "/x", &[]);
        assert_eq!((last.next, last.pages), (None, 3));
        assert_eq!(pagination(Some("0")).page, 1);
        assert_eq!(pagination(Some("abc")).page, 1);
    }
}
