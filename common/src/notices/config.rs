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
    /// `NOTICE_CUSTOM_WINDOW_HOURS` (48): a recipient whose last message, click, follow or scan is
    /// this recent gets a customer-service message instead of a template (0: never).
    pub custom_window: Duration,
    /// `NOTICE_MASS_MIN_RECIPIENTS` (unset: never): a notice to everyone, to classes or to groups
    /// with at least this many recipients goes out as one mass send per tag to those its tags reach.
    pub mass_min_recipients: Option<i64>,
    /// `NOTICE_MASS_FORMAT` (`text`): a mass send as text, or as `news` (图文) built from permanent
    /// material, which needs `NOTICE_MASS_COVER`.
    pub mass_news: bool,
    /// `NOTICE_MASS_COVER`: the cover image of news mass sends (a JPEG, PNG, GIF or BMP file of at
    /// most 10 MB, readable by the workers), uploaded as permanent material by each send.
    pub mass_cover: Option<String>,
    /// `NOTICE_H5_BASE_URL`: the public origin the H5 pages (`/h5/school/…`) are reached at, e.g.
    /// `https://h5.school.edu.cn` (a domain the Official Account's web OAuth allows): WeChat sends
    /// the browser back to it with the OAuth code. Unset: the H5 pages cannot sign anyone in.
    pub h5_base: Option<String>,
}

impl Default for NoticesConfig {
    fn default() -> Self {
        Self {
            bind_url: None,
            bind_code_ttl: Duration::from_secs(72 * 3600),
            bind_code_max_attempts: 5,
            bind_attempts_per_hour: 10,
            template: None,
            page_url: None,
            h5_base: None,
            custom_window: Duration::from_secs(48 * 3600),
            mass_min_recipients: None,
            mass_news: false,
            mass_cover: None,
        }
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
        let window_hours = env.optional("NOTICE_CUSTOM_WINDOW_HOURS", 48u64);
        if window_hours > 48 {
            env.invalid("NOTICE_CUSTOM_WINDOW_HOURS", "WeChat's customer-service window is 48 hours at most");
        }
        let mass_min: Option<i64> = env.maybe("NOTICE_MASS_MIN_RECIPIENTS");
        if mass_min.is_some_and(|n| n < 2) {
            env.invalid("NOTICE_MASS_MIN_RECIPIENTS", "must be at least 2");
        }
        let format: String = env.optional("NOTICE_MASS_FORMAT", "text".to_owned());
        let mass_cover: Option<String> = env.maybe::<String>("NOTICE_MASS_COVER").filter(|p| !p.trim().is_empty());
        let mass_news = match format.as_str() {
            "text" => false,
            "news" => true,
            _ => {
                env.invalid("NOTICE_MASS_FORMAT", "must be text or news");
                false
            }
        };
        if mass_news && mass_cover.is_none() {
            env.invalid("NOTICE_MASS_COVER", "news mass sends need a cover image (NOTICE_MASS_FORMAT=news)");
        }
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
            custom_window: Duration::from_secs(window_hours.min(48) * 3600),
            mass_min_recipients: mass_min,
            mass_news,
            mass_cover,
            h5_base: h5_base.map(|u| u.trim().trim_end_matches('/').to_owned()).filter(|u| !u.is_empty()),
        }
    }
}
