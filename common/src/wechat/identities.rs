//! Users ↔ openids. One openid belongs to one user per app; a user has one openid per app.
//!
//! Rebinding rules: binding the openid a user already has changes nothing; binding a new openid
//! replaces the user's old one (they switched WeChat accounts); an openid bound to another user
//! is never taken over silently — [`Bind::TakenByOther`] — the caller decides.

use sqlx::PgConnection;

/// What a bind did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    Created,
    Unchanged,
    Replaced,
    TakenByOther(i64),
}

pub async fn bind(conn: &mut PgConnection, user_id: i64, appid: &str, openid: &str, unionid: Option<&str>) -> sqlx::Result<Bind> {
    let owner: Option<i64> = sqlx::query_scalar!("SELECT user_id FROM wechat_identities WHERE appid = $1 AND openid = $2 FOR UPDATE", appid, openid)
        .fetch_optional(&mut *conn)
        .await?;
    match owner {
        Some(other) if other != user_id => return Ok(Bind::TakenByOther(other)),
        Some(_) => return Ok(Bind::Unchanged),
        None => {}
    }
    let replaced = sqlx::query!(
        "UPDATE wechat_identities SET openid = $3, unionid = COALESCE($4, unionid), updated_at = now()
          WHERE user_id = $1 AND appid = $2",
        user_id,
        appid,
        openid,
        unionid
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if replaced == 1 {
        return Ok(Bind::Replaced);
    }
    sqlx::query!("INSERT INTO wechat_identities (user_id, appid, openid, unionid) VALUES ($1, $2, $3, $4)", user_id, appid, openid, unionid)
        .execute(conn)
        .await?;
    Ok(Bind::Created)
}

/// The user an openid belongs to.
pub async fn user_of(conn: &mut PgConnection, appid: &str, openid: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT user_id FROM wechat_identities WHERE appid = $1 AND openid = $2", appid, openid)
        .fetch_optional(conn)
        .await
}

/// A user's openid in an app.
pub async fn openid_of(conn: &mut PgConnection, user_id: i64, appid: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT openid FROM wechat_identities WHERE user_id = $1 AND appid = $2", user_id, appid)
        .fetch_optional(conn)
        .await
}
