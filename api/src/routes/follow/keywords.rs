//! Keyword auto-reply rules, managed by admins: `exact` or `contains`, replying text or a link.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use yizhan_common::follow::keywords::{self, MAX_RULES};

use super::views::KeywordRuleView;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::routes::views::{Created, List};
use crate::extract::{AdminOnly, ApiJson, ApiPath, Authorized};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRule {
    pattern: String,
    #[serde(default = "contains")]
    match_kind: String,
    reply_text: String,
    reply_url: Option<String>,
    #[serde(default)]
    priority: i32,
}

fn contains() -> String {
    "contains".into()
}

pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewRule>) -> ApiResult<(StatusCode, Json<Created>)> {
    let mut errors = FieldErrors::new();
    errors.text("pattern", &b.pattern, 100);
    errors.text("replyText", &b.reply_text, 600);
    errors.optional_text("replyUrl", b.reply_url.as_deref(), 500);
    errors.check(!["exact", "contains"].contains(&b.match_kind.as_str()), "matchKind", "must be `exact` or `contains`");
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    let id = keywords::create(&mut conn, b.pattern.trim(), &b.match_kind, &b.reply_text, b.reply_url.as_deref(), b.priority)
        .await?
        .ok_or_else(|| ApiError::conflict("too_many_rules", format!("at most {MAX_RULES} keyword rules")))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

pub async fn list(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<List<KeywordRuleView>>> {
    let mut conn = state.db.acquire().await?;
    let rules = keywords::list(&mut conn).await?.into_iter().map(|r| KeywordRuleView {
        id: r.id,
        match_kind: r.match_kind,
        pattern: r.pattern,
        priority: r.priority,
        reply_text: r.reply_text,
        reply_url: r.reply_url,
    });
    Ok(Json(List::new(rules.collect())))
}

pub async fn remove(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    if keywords::delete(&mut conn, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("keyword rule"))
    }
}
