//! A notice's vote: `PUT /school/notices/{id}/vote {choices}` casts or changes the caller's ballot
//! (a recipient, until the deadline: then 409 `vote_closed`); `GET /school/notices/{id}/vote-results`
//! gives its author the count per option.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::notices::receipts;
use yizhan_common::notices::votes::{self, Cast};
use yizhan_common::time::serialize_local;

use super::content::VoteView;
use super::reading::my_student;
use super::{scope_of, SchoolStaff};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, AuthUser, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"choices": [0, 2]}))]
pub struct BallotBody {
    /// Positions in the vote's `options` (0-based), at least one, at most `maxChoices`, none twice.
    choices: Vec<i64>,
}

#[utoipa::path(put, path = "/school/notices/{id}/vote", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = BallotBody,
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The vote with the caller's ballot (a new ballot replaces the earlier one)", body = VoteView),
        (status = 404, description = "Not a notice the caller received, or it has no vote", body = ErrorEnvelope),
        (status = 409, description = "`vote_closed` (the deadline has passed; nothing changed), `not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// Casts or changes the caller's ballot.
pub async fn cast(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<BallotBody>) -> ApiResult<Json<VoteView>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    let vote = votes::of_notice(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("vote"))?;
    let mut errors = FieldErrors::new();
    let choices = match votes::check_choices(&vote, &b.choices) {
        Ok(c) => c,
        Err(why) => {
            errors.add("choices", why);
            Vec::new()
        }
    };
    errors.finish()?;
    match votes::cast(&mut conn, id, student, &choices).await? {
        Cast::Recorded(mine) => {
            tracing::info!(notice.id = id, student.id = student, "ballot cast");
            let vote = votes::of_notice(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("vote"))?;
            Ok(Json(VoteView::of(vote, Some(mine))))
        }
        Cast::NotFound => Err(ApiError::not_found("vote")),
        Cast::Closed => Err(ApiError::conflict("vote_closed", "voting ended at the deadline")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OptionResult {
    label: String,
    votes: i64,
}

/// A vote's results, for its author.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"options": [{"label": "参加", "votes": 31}, {"label": "不参加", "votes": 4}], "maxChoices": 1, "voted": 35, "recipients": 42,
    "deadline": "2026-12-12T18:00:00+08:00", "closed": false}))]
pub struct VoteResults {
    options: Vec<OptionResult>,
    max_choices: i32,
    /// Recipients who cast a ballot.
    voted: i64,
    recipients: i64,
    #[serde(serialize_with = "serialize_local")]
    deadline: DateTime<Utc>,
    closed: bool,
}

#[utoipa::path(get, path = "/school/notices/{id}/vote-results", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "Ballots per option", body = VoteResults),
        (status = 404, description = "No such notice among the caller's, or it has no vote", body = ErrorEnvelope)))]
/// The results of a notice's vote.
pub async fn results(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<VoteResults>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let notice = receipts::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("notice"))?;
    let vote = votes::of_notice(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("vote"))?;
    let (counts, voted) = votes::results(&mut conn, id, vote.options.len()).await?;
    let options = vote.options.into_iter().zip(counts).map(|(label, votes)| OptionResult { label, votes }).collect();
    Ok(Json(VoteResults { options, max_choices: vote.max_choices, voted, recipients: notice.recipients, deadline: vote.deadline, closed: vote.closed }))
}
