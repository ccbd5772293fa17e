//! H5 users: their WeChat profile (nickname, avatar) and the one phone bound to them after an
//! SMS code. A phone belongs to one user: binding it elsewhere (the code proves the number) moves
//! it, and the previous user is unbound.

use sqlx::PgConnection;

/// A user's WeChat profile and bound phone (each may be missing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    pub phone: Option<String>,
    pub nickname: Option<String>,
    pub avatar_url: Option<String>,
}

/// The idempotency key of the stored copy of a user's WeChat avatar.
pub fn wechat_avatar_key(user_id: i64, source_url: &str) -> String {
    format!("wechat_avatar:{user_id}:{source_url}")
}

/// Records the nickname and avatar web OAuth gave (an empty value keeps the previous one).
pub async fn save_profile(conn: &mut PgConnection, user_id: i64, nickname: &str, avatar_url: Option<&str>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO wechat_profiles (user_id, nickname, avatar_url) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE
            SET nickname = CASE WHEN EXCLUDED.nickname = '' THEN wechat_profiles.nickname ELSE EXCLUDED.nickname END,
                avatar_url = COALESCE(EXCLUDED.avatar_url, wechat_profiles.avatar_url), updated_at = now()",
        user_id,
        nickname,
        avatar_url
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The user's profile and binding.
pub async fn binding_of(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Binding> {
    let row = sqlx::query!(
        r#"SELECT b.phone AS "phone?", p.nickname AS "nickname?", p.avatar_url AS "avatar_url?"
             FROM (SELECT $1::bigint AS user_id) u
             LEFT JOIN phone_bindings b ON b.user_id = u.user_id
             LEFT JOIN wechat_profiles p ON p.user_id = u.user_id"#,
        user_id
    )
    .fetch_one(conn)
    .await?;
    Ok(Binding { phone: row.phone, nickname: row.nickname, avatar_url: row.avatar_url })
}

/// The phone bound to the user, if any.
pub async fn phone_of(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT phone FROM phone_bindings WHERE user_id = $1", user_id).fetch_optional(conn).await
}

/// Binds `phone` (normalised) to the user; another user holding it loses it. Returns that user.
pub async fn bind_phone(conn: &mut PgConnection, user_id: i64, phone: &str) -> sqlx::Result<Option<i64>> {
    let previous: Option<i64> = sqlx::query_scalar!("DELETE FROM phone_bindings WHERE phone = $1 AND user_id <> $2 RETURNING user_id", phone, user_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(other) = previous {
        sqlx::query!("DELETE FROM visit_staff WHERE user_id = $1", other).execute(&mut *conn).await?;
    }
    sqlx::query!(
        "INSERT INTO phone_bindings (user_id, phone) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET phone = EXCLUDED.phone, bound_at = now()",
        user_id,
        phone
    )
    .execute(&mut *conn)
    .await?;
    // A staff record belongs to the phone Koala confirmed: a new phone drops it.
    sqlx::query!("DELETE FROM visit_staff WHERE user_id = $1 AND phone <> $2", user_id, phone).execute(conn).await?;
    Ok(previous)
}

/// The Official Account openid of the user bound to `phone`, if they signed in through web OAuth.
pub async fn openid_of_phone(conn: &mut PgConnection, mp_appid: &str, phone: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT i.openid FROM phone_bindings b JOIN wechat_identities i ON i.user_id = b.user_id AND i.appid = $1 WHERE b.phone = $2",
        mp_appid,
        phone
    )
    .fetch_optional(conn)
    .await
}
