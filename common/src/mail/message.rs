//! Building a message: text and HTML bodies from a template with `{{name}}` slots, and attachments
//! within a size limit.

use std::collections::BTreeMap;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;

/// A message kind's wording; `{{name}}` is replaced by the parameter `name` (HTML-escaped in `html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailTemplate {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// A template filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl MailTemplate {
    pub fn render(&self, params: &BTreeMap<String, String>) -> Rendered {
        Rendered {
            subject: fill(&self.subject, params, false),
            text: fill(&self.text, params, false),
            html: self.html.as_ref().map(|h| fill(h, params, true)),
        }
    }
}

fn fill(template: &str, params: &BTreeMap<String, String>, html: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        let value = params.get(name).map(String::as_str).unwrap_or_default();
        out.push_str(&if html { escape_html(value) } else { value.to_owned() });
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why a message could not be built (permanent: retrying builds the same message).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("attachments are {size} bytes, more than the {limit} allowed (MAIL_ATTACHMENT_MAX_BYTES)")]
    TooLarge { size: usize, limit: usize },
    #[error("bad address `{0}`")]
    Address(String),
    #[error("bad content type `{0}`")]
    ContentType(String),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
}

/// The whole message: `multipart/alternative` (text, HTML) inside `multipart/mixed` with the
/// attachments, or just the text.
pub fn build(
    from: &str,
    to: &[String],
    body: &Rendered,
    attachments: &[MailAttachment],
    attachment_limit: usize,
) -> Result<Message, BuildError> {
    let size: usize = attachments.iter().map(|a| a.bytes.len()).sum();
    if size > attachment_limit {
        return Err(BuildError::TooLarge { size, limit: attachment_limit });
    }
    let mut builder = Message::builder().from(from.parse::<Mailbox>().map_err(|_| BuildError::Address(from.into()))?);
    for addr in to {
        builder = builder.to(addr.parse::<Mailbox>().map_err(|_| BuildError::Address(addr.clone()))?);
    }
    builder = builder.subject(body.subject.clone());
    let text = SinglePart::plain(body.text.clone());
    let content = match &body.html {
        Some(html) => MultiPart::alternative().singlepart(text).singlepart(SinglePart::html(html.clone())),
        None if attachments.is_empty() => return Ok(builder.singlepart(text)?),
        None => MultiPart::mixed().singlepart(text),
    };
    if attachments.is_empty() {
        return Ok(builder.multipart(content)?);
    }
    let mut mixed = if body.html.is_some() { MultiPart::mixed().multipart(content) } else { content };
    for a in attachments {
        let ct = ContentType::parse(&a.content_type).map_err(|_| BuildError::ContentType(a.content_type.clone()))?;
        mixed = mixed.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
    }
    Ok(builder.multipart(mixed)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BTreeMap<String, String> {
        [("name".to_owned(), "<张三>".to_owned())].into_iter().collect()
    }

    #[test]
    fn templates_fill_slots_and_escape_html() {
        let t = MailTemplate { subject: "致{{ name }}".into(), text: "你好 {{name}}，{{missing}}!".into(), html: Some("<b>{{name}}</b>".into()) };
        let r = t.render(&params());
        assert_eq!(r.subject, "致<张三>");
        assert_eq!(r.text, "你好 <张三>，!");
        assert_eq!(r.html.as_deref(), Some("<b>&lt;张三&gt;</b>"));
        assert_eq!(fill("open {{ end", &params(), false), "open {{ end");
    }

    #[test]
    fn attachments_over_the_limit_are_refused() {
        let body = Rendered { subject: "s".into(), text: "t".into(), html: Some("<p>h</p>".into()) };
        let file = MailAttachment { filename: "a.pdf".into(), content_type: "application/pdf".into(), bytes: vec![0; 100] };
        let to = vec!["a@example.com".to_owned()];
        let err = build("Yizhan <noreply@example.com>", &to, &body, &[file.clone(), file.clone()], 150).expect_err("too large");
        assert!(matches!(err, BuildError::TooLarge { size: 200, limit: 150 }));
        let msg = build("Yizhan <noreply@example.com>", &to, &body, &[file], 150).expect("fits");
        let raw = String::from_utf8(msg.formatted()).expect("utf8");
        assert!(raw.contains("multipart/mixed") && raw.contains("multipart/alternative") && raw.contains("a.pdf"), "{raw}");
    }

    #[test]
    fn bad_addresses_are_refused() {
        let body = Rendered { subject: "s".into(), text: "t".into(), html: None };
        assert!(matches!(build("x@example.com", &["not an address".into()], &body, &[], 10), Err(BuildError::Address(_))));
    }
}
