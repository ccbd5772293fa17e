//! The six message kinds of seed 001 and their configured templates.

use std::collections::BTreeMap;

use crate::config::EnvReader;

/// A kind of subscribe message; each has its own template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    AppointmentSuccess,
    VisitReminder,
    WaitlistSuccess,
    WaitlistPromoted,
    RescheduleSuccess,
    Cancelled,
}

impl MessageKind {
    pub const ALL: [MessageKind; 6] = [
        MessageKind::AppointmentSuccess,
        MessageKind::VisitReminder,
        MessageKind::WaitlistSuccess,
        MessageKind::WaitlistPromoted,
        MessageKind::RescheduleSuccess,
        MessageKind::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::AppointmentSuccess => "appointment_success",
            MessageKind::VisitReminder => "visit_reminder",
            MessageKind::WaitlistSuccess => "waitlist_success",
            MessageKind::WaitlistPromoted => "waitlist_promoted",
            MessageKind::RescheduleSuccess => "reschedule_success",
            MessageKind::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The template id the seed's front end uses until real ids are configured.
    fn default_template(self) -> &'static str {
        match self {
            MessageKind::AppointmentSuccess => "模板ID1",
            MessageKind::VisitReminder => "模板ID2",
            MessageKind::WaitlistSuccess => "模板ID3",
            MessageKind::WaitlistPromoted => "模板ID4",
            MessageKind::RescheduleSuccess => "模板ID5",
            MessageKind::Cancelled => "模板ID6",
        }
    }

    /// The note (`thing5` by default) each kind carries.
    pub fn default_note(self) -> &'static str {
        match self {
            MessageKind::AppointmentSuccess | MessageKind::VisitReminder => "请提前15分钟到院",
            MessageKind::WaitlistSuccess => "有号源释放时将自动为您预约",
            MessageKind::WaitlistPromoted => "候补成功，已为您预约",
            MessageKind::RescheduleSuccess => "改约成功，请按新时间就诊",
            MessageKind::Cancelled => "预约已取消",
        }
    }

    fn env_suffix(self) -> String {
        self.as_str().to_ascii_uppercase()
    }
}

/// Where a template keyword's value comes from.
pub const FIELD_SOURCES: [&str; 7] = ["patient_name", "department", "visit_time", "hospital", "note", "order_no", "queue_number"];

const DEFAULT_FIELDS: &str = "thing1=patient_name,thing2=department,time3=visit_time,thing4=hospital,thing5=note";

/// Per kind: the template id (`SUBSCRIBE_TEMPLATE_<KIND>`), its keyword mapping
/// (`SUBSCRIBE_FIELDS_<KIND>`, `keyword=source,…`) and the page opened from the message
/// (`SUBSCRIBE_PAGE`, `{id}` replaced by the appointment id).
#[derive(Debug, Clone)]
pub struct TemplateConfig {
    templates: BTreeMap<MessageKind, String>,
    fields: BTreeMap<MessageKind, Vec<(String, String)>>,
    pub page: String,
    /// `SUBSCRIBE_GRANT_CAP`: most unspent grants one user holds per template; accepts beyond it
    /// are recorded as `over_cap` (never granted, never failing the request).
    pub grant_cap: i64,
}

/// Unspent grants per user and template when `SUBSCRIBE_GRANT_CAP` is not set.
pub const DEFAULT_GRANT_CAP: i64 = 10;

impl TemplateConfig {
    pub fn read(env: &mut EnvReader) -> Self {
        let mut templates = BTreeMap::new();
        let mut fields = BTreeMap::new();
        for kind in MessageKind::ALL {
            let suffix = kind.env_suffix();
            let template = env.optional(&format!("SUBSCRIBE_TEMPLATE_{suffix}"), kind.default_template().to_owned());
            templates.insert(kind, template);
            let name = format!("SUBSCRIBE_FIELDS_{suffix}");
            let raw = env.optional(&name, DEFAULT_FIELDS.to_owned());
            match parse_fields(&raw) {
                Ok(parsed) => {
                    fields.insert(kind, parsed);
                }
                Err(why) => env.invalid(&name, why),
            }
        }
        let page = env.optional("SUBSCRIBE_PAGE", "pages/profile/appointments?id={id}".to_owned());
        let grant_cap = env.optional("SUBSCRIBE_GRANT_CAP", DEFAULT_GRANT_CAP);
        if !(1..=1000).contains(&grant_cap) {
            env.invalid("SUBSCRIBE_GRANT_CAP", format!("must be from 1 to 1000, got {grant_cap}"));
        }
        Self { templates, fields, page, grant_cap }
    }

    /// The defaults (the seed's template names and keyword mapping).
    pub fn defaults() -> Self {
        let mut env = EnvReader::new();
        let mut config = Self::read(&mut env);
        for kind in MessageKind::ALL {
            config.templates.insert(kind, kind.default_template().to_owned());
        }
        config
    }

    pub fn template(&self, kind: MessageKind) -> &str {
        self.templates.get(&kind).map(String::as_str).unwrap_or_else(|| kind.default_template())
    }

    pub fn fields(&self, kind: MessageKind) -> &[(String, String)] {
        self.fields.get(&kind).map(Vec::as_slice).unwrap_or_default()
    }
}

fn parse_fields(raw: &str) -> Result<Vec<(String, String)>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, source) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not keyword=source"))?;
            if !FIELD_SOURCES.contains(&source.trim()) {
                return Err(format!("unknown source `{source}` (one of {})", FIELD_SOURCES.join(", ")));
            }
            Ok((key.trim().to_owned(), source.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mapping_follows_the_seed() {
        let parsed = parse_fields(DEFAULT_FIELDS).expect("parse");
        assert_eq!(parsed[0], ("thing1".into(), "patient_name".into()));
        assert_eq!(parsed[2], ("time3".into(), "visit_time".into()));
        assert!(parse_fields("thing1=nonsense").is_err());
        assert!(parse_fields("thing1").is_err());
    }
}
