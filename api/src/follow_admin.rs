//! Seed 000's admin actions behind both the JSON routes (`POST …/wx/qrcode`, `…/wx/keywords`)
//! and the console's QR-code and keyword pages: asking for a department's code (claiming it and
//! enqueueing its creation job in one transaction) and checking keyword rules, so both give the
//! same errors and write the same rows.

use serde::{Deserialize, Serialize};
use yizhan_common::follow::keywords::{self, RuleArticle, RuleFields, MATCH_KINDS, MAX_RULES};
use yizhan_common::wechat::callback::MAX_ARTICLES;
use yizhan_common::follow::qrcodes::{self, DepartmentCode, QrcodeStatus};
use yizhan_common::jobs::kinds::CreateDepartmentQrCode;
use yizhan_common::outbox::Enqueue;

use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

/// The department's code as it stands; when it is not ready, the code row is claimed (a new
/// one, a failed one, or one left pending past `QRCODE_RECLAIM_SECS`) and the creation job
/// enqueued in the same transaction, then pushed. 404 for an unknown department.
pub async fn request_code(state: &AppState, department_id: i64) -> ApiResult<DepartmentCode> {
    let mut tx = state.db.begin().await?;
    let code = qrcodes::find(&mut tx, department_id).await?.ok_or_else(|| ApiError::not_found("department"))?;
    if code.status == Some(QrcodeStatus::Ready) {
        return Ok(code);
    }
    let mut jobs = Enqueued::default();
    if qrcodes::claim(&mut tx, department_id, state.config.qrcode_reclaim_after).await? {
        jobs.add(CreateDepartmentQrCode { department_id }.enqueue(&mut tx).await?);
    }
    jobs.commit(tx, state).await?;
    let mut conn = state.db.acquire().await?;
    qrcodes::find(&mut conn, department_id).await?.ok_or_else(|| ApiError::not_found("department"))
}

/// A keyword rule as the JSON body (or the console's form) gives it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"pattern": "挂号", "matchKind": "contains", "replyText": "点击预约挂号", "replyUrl": "https://example.org/book", "priority": 10}))]
pub struct RuleBody {
    /// The text to match (`exact`, `contains`), a regular expression (`regex`, case-insensitive,
    /// e.g. `^(奖|助)学金`), or anything for `fallback` (it is not used).
    pub pattern: String,
    /// `exact`, `contains` (the default), `regex`, or `fallback` (answers text that no other
    /// rule matched).
    #[serde(default = "contains")]
    #[schema(default = "contains")]
    pub match_kind: String,
    pub reply_text: String,
    pub reply_url: Option<String>,
    #[serde(default)]
    pub priority: i32,
    /// 1–8 articles: the rule answers news (图文) instead of `replyText`.
    #[serde(default)]
    pub reply_articles: Option<Vec<ArticleBody>>,
}

/// One article of a news answer.
#[derive(Debug, Deserialize, Serialize, Clone, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"title": "奖学金评定通知", "description": "2026 年度评定安排", "picUrl": "https://example.org/cover.jpg", "url": "https://example.org/n/1"}))]
pub struct ArticleBody {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub pic_url: String,
    pub url: String,
}

impl From<ArticleBody> for RuleArticle {
    fn from(a: ArticleBody) -> Self {
        Self { title: a.title, description: a.description, pic_url: a.pic_url, url: a.url }
    }
}

impl From<RuleArticle> for ArticleBody {
    fn from(a: RuleArticle) -> Self {
        Self { title: a.title, description: a.description, pic_url: a.pic_url, url: a.url }
    }
}

fn contains() -> String {
    "contains".into()
}

pub(crate) fn is_web_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn check_rule(b: &RuleBody) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    errors.text("pattern", &b.pattern, 100);
    errors.text("replyText", &b.reply_text, 600);
    errors.optional_text("replyUrl", b.reply_url.as_deref(), 500);
    errors.check(!MATCH_KINDS.contains(&b.match_kind.as_str()), "matchKind", "must be `exact`, `contains`, `regex` or `fallback`");
    if b.match_kind == "regex" && !b.pattern.trim().is_empty() {
        if let Err(why) = keywords::check_regex(b.pattern.trim()) {
            errors.add("pattern", why);
        }
    }
    if let Some(articles) = &b.reply_articles {
        errors.check(articles.is_empty() || articles.len() > MAX_ARTICLES, "replyArticles", "must hold 1 to 8 articles");
        for (i, a) in articles.iter().enumerate().take(MAX_ARTICLES) {
            errors.text(&format!("replyArticles[{i}].title"), &a.title, 64);
            errors.optional_text(&format!("replyArticles[{i}].description"), Some(a.description.as_str()).filter(|d| !d.is_empty()), 120);
            errors.check(!is_web_url(&a.url) || a.url.len() > 500, &format!("replyArticles[{i}].url"), "must be an http(s) URL of at most 500 characters");
            errors.check(
                !a.pic_url.is_empty() && (!is_web_url(&a.pic_url) || a.pic_url.len() > 500),
                &format!("replyArticles[{i}].picUrl"),
                "must be empty or an http(s) URL of at most 500 characters",
            );
        }
    }
    errors.finish()
}

fn fields<'a>(b: &'a RuleBody, articles: Option<&'a [RuleArticle]>) -> RuleFields<'a> {
    // A fallback rule's pattern is not matched; keep what was sent, trimmed, for the list.
    RuleFields {
        pattern: b.pattern.trim(),
        match_kind: &b.match_kind,
        reply_text: &b.reply_text,
        reply_url: b.reply_url.as_deref(),
        priority: b.priority,
        reply_articles: articles,
    }
}

fn articles(b: &RuleBody) -> Option<Vec<RuleArticle>> {
    b.reply_articles.as_ref().map(|a| a.iter().cloned().map(RuleArticle::from).collect())
}

/// Checks the rule (422 per field), then adds it (409 `too_many_rules` past [`MAX_RULES`]).
pub async fn create_rule(state: &AppState, b: &RuleBody) -> ApiResult<i64> {
    check_rule(b)?;
    let articles = articles(b);
    let mut conn = state.db.acquire().await?;
    keywords::create(&mut conn, fields(b, articles.as_deref()))
        .await?
        .ok_or_else(|| ApiError::conflict("too_many_rules", format!("at most {MAX_RULES} keyword rules")))
}

/// Checks the rule, then replaces rule `id` with it (404 for an unknown rule).
pub async fn update_rule(state: &AppState, id: i64, b: &RuleBody) -> ApiResult<()> {
    check_rule(b)?;
    let articles = articles(b);
    let mut conn = state.db.acquire().await?;
    if keywords::update(&mut conn, id, fields(b, articles.as_deref())).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("keyword rule"))
    }
}

/// Deletes rule `id` (404 for an unknown rule).
pub async fn delete_rule(state: &AppState, id: i64) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    if keywords::delete(&mut conn, id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("keyword rule"))
    }
}
