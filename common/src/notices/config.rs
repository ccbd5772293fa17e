//! Seed 004's settings (`NOTICE_*`).

use std::time::Duration;

use crate::config::EnvReader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticesConfig {
    /// `NOTICE_BIND_URL`: the bind page (through the Official Account's web OAuth) that a follow
    /// and the 绑定 menu item answer with; unset: no link is offered.
    pub bind_url: Option<String>,
    /// `NOTICE_BIND_CODE_TTL_HOURS` (72): how long a counselor's one-time code works.
    pub bind_code_ttl: Duration,
    /// `NOTICE_BIND_CODE_MAX_ATTEMPTS` (5): wrong tries before a code is spent.
    pub bind_code_max_attempts: i32,
    /// `NOTICE_BIND_ATTEMPTS_PER_HOUR` (10): bind attempts one account may make an hour, whatever
    /// the student numbers (429 beyond), so codes cannot be guessed across students.
    pub bind_attempts_per_hour: u32,
    /// `NOTICE_TEMPLATE`: the Official Account template notices and reminders go out as
    /// (keywords `first`, `keyword1` category, `keyword2` urgency, `keyword3` title, `remark`);
    /// unset: sending a notice answers 503.
    pub template: Option<String>,
    /// `NOTICE_PAGE_URL`: the notice page a message opens (`{id}` is the notice), through web OAuth.
    pub page_url: Option<String>,
    /// `NOTICE_H5_BASE_URL`: the public origin the H5 pages (`/h5/school/…`) are reached at, e.g.
    /// `https://h5.school.edu.cn` (a domain the Official Account's web OAuth allows): WeChat sends
    /// the browser back to it with the OAuth code. Unset: the H5 pages cannot sign anyone in.
    pub h5_base: Option<String>,
}

impl Default for NoticesConfig {
    fn default() -> Self {
        Self { bind_url: None, bind_code_ttl: Duration::from_secs(72 * 3600), bind_code_max_attempts: 5, bind_attempts_per_hour: 10, template: None, page_url: None, h5_base: None }
    }
}

impl NoticesConfig {
    pub fn read(env: &mut EnvReader) -> Self {
        let d = Self::default();
        let bind_url: Option<String> = env.maybe("NOTICE_BIND_URL");
        let ttl_hours = env.optional("NOTICE_BIND_CODE_TTL_HOURS", 72u64);
        let attempts = env.optional("NOTICE_BIND_CODE_MAX_ATTEMPTS", d.bind_code_max_attempts);
        let per_hour = env.optional("NOTICE_BIND_ATTEMPTS_PER_HOUR", d.bind_attempts_per_hour);
        let template: Option<String> = env.maybe("NOTICE_TEMPLATE");
        let page_url: Option<String> = env.maybe("NOTICE_PAGE_URL");
        let h5_base: Option<String> = env.maybe("NOTICE_H5_BASE_URL");
        if ttl_hours == 0 || attempts < 1 || per_hour == 0 {
            env.invalid("NOTICE_BIND_*", "NOTICE_BIND_CODE_TTL_HOURS, NOTICE_BIND_CODE_MAX_ATTEMPTS and NOTICE_BIND_ATTEMPTS_PER_HOUR must be at least 1");
        }
        Self {
            bind_url: bind_url.filter(|u| !u.trim().is_empty()),
            bind_code_ttl: Duration::from_secs(ttl_hours.max(1) * 3600),
            bind_code_max_attempts: attempts.max(1),
            bind_attempts_per_hour: per_hour.max(1),
            template: template.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
            page_url: page_url.filter(|u| !u.trim().is_empty()),
            h5_base: h5_base.map(|u| u.trim().trim_end_matches('/').to_owned()).filter(|u| !u.is_empty()),
        }
    }
}
