//! 故障报修 as an admin manages it, behind `/admin/repairs/…` and the console's repair pages:
//! categories, the e-mail routing of each category (an address with no category receives every
//! category), and status changes (待处理 → 处理中 → 已解决; each real change mails the reporter,
//! planned in the change's transaction).

use yizhan_common::college::repairs::routing::{self, AddRecipient, Category, Recipient, MAX_CATEGORIES, MAX_RECIPIENTS};
use yizhan_common::college::repairs::{self, Repair, RepairStatus, ReportError};

use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

pub fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::UnknownCategory => ApiError::field("category", "is not a repair category"),
        ReportError::Mail(e) => ApiError::internal(e),
        ReportError::Db(e) => e.into(),
    }
}

/// A status as a query or a form names it (422 `status` otherwise).
pub fn parse_status(value: &str) -> ApiResult<RepairStatus> {
    value.parse::<RepairStatus>().map_err(|_| ApiError::field("status", "must be pending, in_progress or resolved"))
}

/// Checks the name (422 `name`), then adds the category (409 `category_exists`: the name is
/// taken, or there are [`MAX_CATEGORIES`] already).
pub async fn add_category(state: &AppState, name: &str) -> ApiResult<Category> {
    let mut errors = FieldErrors::new();
    errors.text("name", name, 50);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    let added = routing::add_category(&mut conn, name.trim()).await?;
    added.ok_or_else(|| ApiError::conflict("category_exists", format!("the name is taken, or there are {MAX_CATEGORIES} categories already")))
}

/// Checks the address (422 `email`), then adds it for `categories` (empty: every category);
/// 409 `recipient_exists` or `too_many_recipients`, 422 `categories` for an unknown one.
pub async fn add_recipient(state: &AppState, email: &str, categories: &[i64]) -> ApiResult<Recipient> {
    let email = email.trim();
    let mut errors = FieldErrors::new();
    errors.check(email.is_empty(), "email", "is required");
    errors.optional_email("email", Some(email));
    errors.check(categories.len() > 200, "categories", "at most 200 categories");
    errors.finish()?;
    let mut tx = state.db.begin().await?;
    let added = match routing::add_recipient(&mut tx, email, categories).await? {
        AddRecipient::Added(recipient) => recipient,
        AddRecipient::EmailTaken => return Err(ApiError::conflict("recipient_exists", "that address is a recipient already")),
        AddRecipient::UnknownCategory => return Err(ApiError::field("categories", "names a category that does not exist")),
        AddRecipient::Full => return Err(ApiError::conflict("too_many_recipients", format!("at most {MAX_RECIPIENTS} recipients"))),
    };
    tx.commit().await?;
    Ok(added)
}

/// Removes a recipient (404 when there is none).
pub async fn remove_recipient(state: &AppState, id: i64) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    if routing::remove_recipient(&mut conn, id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("recipient"))
    }
}

/// Moves report `id` to `status` (404 unknown report); a real change plans the reporter's e-mail
/// in the same transaction, pushed after the commit.
pub async fn set_status(state: &AppState, id: i64, status: RepairStatus) -> ApiResult<Repair> {
    let mut tx = state.db.begin().await?;
    let (repair, outbox) = repairs::set_status(&mut tx, id, status).await.map_err(report_error)?.ok_or_else(|| ApiError::not_found("repair"))?;
    let mut jobs = Enqueued::default();
    jobs.add(outbox);
    jobs.commit(tx, state).await?;
    Ok(repair)
}
