//! Check-in items (打卡配置) and operators (打卡员) as an admin manages them, behind
//! `POST /admin/activities/{id}/clockin-items/`, `PUT /admin/activities/{id}/operators/` and the
//! console's check-in page: the checks (422 per field, by its JSON name) and the writes.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::college::activities::items::{self, ClockinItem};
use yizhan_common::college::activities::clockins;
use yizhan_common::users::{Role, User};

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

/// The roles an operator needs (those of `GET …/token`, `BookRole`).
const OPERATOR_ROLES: &[Role] = &[Role::Staff, Role::Admin, Role::Counselor];

/// At most this many operators per activity.
pub const MAX_OPERATORS: usize = 100;

/// `{label, start, end}`: the item's label and when scanning it counts.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub label: Option<String>,
    pub start: Option<DateTime<FixedOffset>>,
    pub end: Option<DateTime<FixedOffset>>,
}

/// `{user_ids: […]}`: the whole set of operators.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorsBody {
    pub user_ids: Option<Vec<i64>>,
}

/// 404 unless the activity exists.
pub async fn existing_activity(state: &AppState, activity_id: i64) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    if clockins::activity_exists(&mut conn, activity_id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("activity"))
    }
}

/// Checks the item (the label as the table's `CHECK`s want it, `end` after `start`), then adds
/// it: 404 unknown activity, 409 `label_exists`.
pub async fn add_item(state: &AppState, activity_id: i64, b: ItemBody) -> ApiResult<ClockinItem> {
    let mut errors = FieldErrors::new();
    let label = b.label.as_deref().map(str::trim).unwrap_or("");
    if let Some(problem) = items::label_problem(label) {
        errors.add("label", problem);
    }
    errors.check(b.start.is_none(), "start", "is required");
    errors.check(b.end.is_none(), "end", "is required");
    if let (Some(start), Some(end)) = (b.start, b.end) {
        errors.check(end <= start, "end", "must be after start");
    }
    errors.finish()?;
    let (Some(start), Some(end)) = (b.start, b.end) else { return Err(ApiError::field("start", "is required")) };
    existing_activity(state, activity_id).await?;
    let mut conn = state.db.acquire().await?;
    items::create(&mut conn, activity_id, label, start.to_utc(), end.to_utc())
        .await?
        .ok_or_else(|| ApiError::conflict("label_exists", "the activity has a check-in item of that label already"))
}

/// Replaces the activity's operators with exactly `user_ids` (422 naming the ids that are no
/// user; 404 unknown activity).
pub async fn set_operators(state: &AppState, activity_id: i64, b: OperatorsBody) -> ApiResult<Vec<i64>> {
    let Some(mut ids) = b.user_ids else { return Err(ApiError::field("user_ids", "is required")) };
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_OPERATORS {
        return Err(ApiError::field("user_ids", format!("at most {MAX_OPERATORS} operators")));
    }
    existing_activity(state, activity_id).await?;
    let mut conn = state.db.acquire().await?;
    let unknown = clockins::unknown_users(&mut conn, &ids).await?;
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(i64::to_string).collect();
        return Err(ApiError::field("user_ids", format!("no such user: {}", list.join(", "))));
    }
    // The code is fetched through a route for the contact book's roles: anyone else named here
    // could never show it, so the mistake is refused rather than kept.
    let mut cannot = Vec::new();
    for &id in &ids {
        let user = yizhan_common::users::find_by_id(&mut conn, id).await?;
        if !user.is_some_and(|u| OPERATOR_ROLES.iter().any(|r| u.has_role(*r))) {
            cannot.push(id.to_string());
        }
    }
    if !cannot.is_empty() {
        return Err(ApiError::field("user_ids", format!("operators need the role staff, admin or counselor: {}", cannot.join(", "))));
    }
    clockins::replace_operators(&mut conn, activity_id, &ids).await?;
    Ok(ids)
}

/// 404 unless the activity exists, then 403 unless the user is an admin or one of its operators.
pub async fn may_operate(state: &AppState, activity_id: i64, user: &User) -> ApiResult<()> {
    existing_activity(state, activity_id).await?;
    if user.has_role(Role::Admin) {
        return Ok(());
    }
    let mut conn = state.db.acquire().await?;
    if clockins::is_operator(&mut conn, activity_id, user.id).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden("only admins and this activity's check-in operators may show its codes"))
    }
}
