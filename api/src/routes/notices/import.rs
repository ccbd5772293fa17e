//! `POST /school/students/import?dryRun=true` with a CSV file as the body (`text/csv`): every
//! row checked first; any bad row → 422 naming each (`line 3.phone`) and nothing written; a dry
//! run reports what would be created and updated and writes nothing.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::notices::import;

use super::{scope_of, SchoolStaff};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    /// `true`: check and count, write nothing.
    dry_run: Option<bool>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"dryRun": false, "rows": 40, "created": 38, "updated": 2}))]
pub struct ImportView {
    dry_run: bool,
    /// Data rows read.
    rows: usize,
    /// New student numbers.
    created: usize,
    /// Known student numbers, updated.
    updated: usize,
}

#[utoipa::path(post, path = "/school/students/import", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv", description = "A header line (学号,姓名,班级[,年级,专业,手机] or studentNo,name,class[,grade,major,phone]), then one line per student"),
    responses((status = 200, description = "Imported (or, with `dryRun=true`, checked): the counts", body = ImportView),
        (status = 422, description = "`validation_failed`: `fields` names each bad row's field as `line <n>.<field>` (`line 1.header`, `line <n>.file` for the file); nothing was written", body = ErrorEnvelope)))]
/// Imports students from CSV into the caller's classes: all rows or none.
pub async fn import(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiQuery(q): ApiQuery<ImportQuery>, body: String) -> ApiResult<Json<ImportView>> {
    let scope = scope_of(&state, &who).await?;
    let dry_run = q.dry_run.unwrap_or(false);
    if body.contains('\0') {
        return Err(ApiError::field("line 1.file", "must not contain NUL characters"));
    }
    let mut tx = state.db.begin().await?;
    let report = import::import(&mut tx, scope, &body, dry_run).await?;
    if !report.errors.is_empty() {
        let fields = report.errors.iter().map(|e| (format!("line {}.{}", e.line, e.field), e.message.clone()));
        return Err(ApiError::validation(fields.collect()));
    }
    if !dry_run {
        tx.commit().await?;
        tracing::info!(user.id = who.user().id, rows = report.rows, created = report.created, updated = report.updated, "students imported");
    }
    Ok(Json(ImportView { dry_run, rows: report.rows, created: report.created, updated: report.updated }))
}
