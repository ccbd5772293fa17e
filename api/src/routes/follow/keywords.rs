//! Keyword auto-reply rules (the robot), managed by admins and counselors: `exact`, `contains`,
//! `regex` or `fallback`, answering text, a link or news (图文).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use yizhan_common::follow::keywords;

use super::views::KeywordRuleView;
use crate::error::ApiResult;
use crate::follow_admin::{self, ArticleBody, RuleBody};
use crate::routes::views::{Created, List};
use super::Moderators;
use crate::extract::{ApiJson, ApiPath, Authorized};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope};
use crate::openapi::TAG_FOLLOW;

#[utoipa::path(post, path = "/api/admin/nurses/msg/wx/keywords", tag = TAG_FOLLOW, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), request_body = RuleBody,
    responses((status = 201, description = "Created", body = Created)))]
/// Adds a keyword auto-reply rule.
pub async fn create(State(state): State<AppState>, _: Authorized<Moderators>, ApiJson(b): ApiJson<RuleBody>) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = follow_admin::create_rule(&state, &b).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(put, path = "/api/admin/nurses/msg/wx/keywords/{id}", tag = TAG_FOLLOW, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The rule's id")), request_body = RuleBody,
    responses((status = 204, description = "Replaced"), (status = 404, description = "No such rule", body = ErrorEnvelope)))]
/// `PUT …/keywords/{id}`: replaces a rule (the same checks as creating one).
pub async fn replace(State(state): State<AppState>, _: Authorized<Moderators>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<RuleBody>) -> ApiResult<StatusCode> {
    follow_admin::update_rule(&state, id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/admin/nurses/msg/wx/keywords", tag = TAG_FOLLOW, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    responses((status = 200, description = "Every rule", body = List<KeywordRuleView>)))]
/// The keyword auto-reply rules.
pub async fn list(State(state): State<AppState>, _: Authorized<Moderators>) -> ApiResult<Json<List<KeywordRuleView>>> {
    let mut conn = state.db.acquire().await?;
    let rules = keywords::list(&mut conn).await?.into_iter().map(|r| KeywordRuleView {
        id: r.id,
        match_kind: r.match_kind,
        pattern: r.pattern,
        priority: r.priority,
        reply_text: r.reply_text,
        reply_url: r.reply_url,
        reply_articles: r.reply_articles.map(|a| a.0.into_iter().map(ArticleBody::from).collect()),
    });
    Ok(Json(List::new(rules.collect())))
}

#[utoipa::path(delete, path = "/api/admin/nurses/msg/wx/keywords/{id}", tag = TAG_FOLLOW, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The rule's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such rule", body = ErrorEnvelope)))]
/// Deletes a rule.
pub async fn remove(State(state): State<AppState>, _: Authorized<Moderators>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    follow_admin::delete_rule(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
