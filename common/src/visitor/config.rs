//! `VISIT_*` settings of seed 003.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::EnvReader;

/// How visit applications, binding codes and visit notices behave.
#[derive(Debug, Clone)]
pub struct VisitorConfig {
    /// `VISIT_MAX_COMPANIONS`: companions one application may name (default 5).
    pub max_companions: usize,
    /// `VISIT_MAX_HOURS`: longest visit window (default 24).
    pub max_window: Duration,
    /// `VISIT_CODE_TTL_SECS`: how long an SMS binding code works (default 300).
    pub code_ttl: Duration,
    /// `VISIT_CODE_MAX_ATTEMPTS`: wrong tries before a code is spent (default 5).
    pub code_max_attempts: i32,
    /// `VISIT_CODE_PER_PHONE_PER_HOUR`: codes sent to one number per hour (default 5; and one a minute).
    pub codes_per_phone_per_hour: u32,
    /// `VISIT_CODE_PER_IP_PER_HOUR`: codes asked for from one client address per hour (default 20).
    pub codes_per_ip_per_hour: u32,
    /// `VISIT_APPLICATIONS_PER_HOUR`: applications one user may file per hour (default 20; each
    /// one sends messages to the numbers it names).
    pub applications_per_hour: u32,
    /// `VISIT_TEMPLATE_<EVENT>`: the Official Account template of each notice event
    /// (`request`, `submitted`, `authorized`, `refused`); an event without one sends SMS only.
    pub templates: BTreeMap<String, String>,
    /// `VISIT_PAGE_URL`: the H5 page a template message opens, `{id}` replaced (default none).
    pub page_url: Option<String>,
}

impl Default for VisitorConfig {
    fn default() -> Self {
        Self {
            max_companions: 5,
            max_window: Duration::from_secs(24 * 3600),
            code_ttl: Duration::from_secs(300),
            code_max_attempts: 5,
            codes_per_phone_per_hour: 5,
            codes_per_ip_per_hour: 20,
            applications_per_hour: 20,
            templates: BTreeMap::new(),
            page_url: None,
        }
    }
}

impl VisitorConfig {
    pub fn read(env: &mut EnvReader) -> Self {
        let d = Self::default();
        let max_companions = env.optional("VISIT_MAX_COMPANIONS", d.max_companions);
        let max_hours = env.optional("VISIT_MAX_HOURS", 24u64);
        let code_ttl = env.optional("VISIT_CODE_TTL_SECS", 300u64);
        let code_max_attempts = env.optional("VISIT_CODE_MAX_ATTEMPTS", d.code_max_attempts);
        let per_phone = env.optional("VISIT_CODE_PER_PHONE_PER_HOUR", d.codes_per_phone_per_hour);
        let per_ip = env.optional("VISIT_CODE_PER_IP_PER_HOUR", d.codes_per_ip_per_hour);
        let page_url: Option<String> = env.maybe("VISIT_PAGE_URL");
        let applications = env.optional("VISIT_APPLICATIONS_PER_HOUR", d.applications_per_hour);
        if max_hours == 0 || code_ttl == 0 || code_max_attempts < 1 || per_phone == 0 || per_ip == 0 || applications == 0 {
            env.invalid("VISIT_*", "VISIT_MAX_HOURS, VISIT_CODE_TTL_SECS, VISIT_CODE_MAX_ATTEMPTS and the per-hour limits must be at least 1");
        }
        let templates = std::env::vars()
            .filter_map(|(k, v)| {
                let event = k.strip_prefix("VISIT_TEMPLATE_")?.to_ascii_lowercase();
                (!event.is_empty() && !v.trim().is_empty()).then(|| (event, v.trim().to_owned()))
            })
            .collect();
        Self {
            max_companions,
            max_window: Duration::from_secs(max_hours * 3600),
            code_ttl: Duration::from_secs(code_ttl.max(1)),
            code_max_attempts: code_max_attempts.max(1),
            codes_per_phone_per_hour: per_phone.max(1),
            codes_per_ip_per_hour: per_ip.max(1),
            applications_per_hour: applications.max(1),
            templates,
            page_url,
        }
    }

    /// The template of a notice event, when one is configured.
    pub fn template(&self, event: &str) -> Option<&str> {
        self.templates.get(event).map(String::as_str)
    }
}
