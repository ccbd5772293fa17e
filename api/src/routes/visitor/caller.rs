//! Who the caller is in seed 003: their token's user and the phone bound to it. The seed's
//! `phone`/`proposer` parameters are only accepted when they equal that phone (403 otherwise):
//! as written, anyone could read anyone's records with them.

use sqlx::PgConnection;
use yizhan_common::sms::normalize_mainland_mobile;
use yizhan_common::visitor::bindings;

use crate::error::{ApiError, ApiResult};

/// The caller's bound phone; 409 `not_bound` when there is none (the account, not the role, is
/// not ready: binding a phone fixes it).
pub async fn bound_phone(conn: &mut PgConnection, user_id: i64) -> ApiResult<String> {
    bindings::phone_of(conn, user_id)
        .await?
        .ok_or_else(|| ApiError::conflict("not_bound", "bind a phone first (POST /v2/wechat/binding)"))
}

/// The seed's identifying parameter: absent, or the caller's own phone (403 otherwise).
pub fn own_phone_param(param: Option<&str>, field: &str, phone: &str) -> ApiResult<()> {
    match param.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(()),
        Some(p) if normalize_mainland_mobile(p).as_deref() == Some(phone) => Ok(()),
        Some(_) => Err(ApiError::forbidden(format!("`{field}` must be your own bound phone"))),
    }
}
