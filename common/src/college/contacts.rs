//! Contact cards (name, position, department, QQ, telephone, mobile, e-mail) of the staff, a
//! user's colleagues, and substring search over the cards (trigram-indexed, see the migration
//! `contacts`). Only active users with a staff role (staff, admin, counselor) are in the book:
//! patients and visitors of the other seeds never show.

use sqlx::PgConnection;

use super::contains_pattern;

/// The roles whose holders are in the contact book.
pub const BOOK_ROLES: [&str; 3] = ["staff", "admin", "counselor"];
/// At most this many colleagues per user.
pub const MAX_COLLEAGUES: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactCard {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub department: String,
    pub qq: String,
    pub telephone: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// Whether the user asking has this person among their colleagues.
    pub is_colleague: bool,
}

/// The editable fields of one's own card; `None` leaves a field as it is. An empty mobile or
/// e-mail clears it.
#[derive(Debug, Clone, Default)]
pub struct CardChange {
    pub name: Option<String>,
    pub position: Option<String>,
    pub department: Option<String>,
    pub qq: Option<String>,
    pub telephone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// The card of `user_id` (any user: one's own card exists whatever one's roles) as `viewer` sees it.
pub async fn card(conn: &mut PgConnection, viewer: i64, user_id: i64) -> sqlx::Result<Option<ContactCard>> {
    sqlx::query_as!(
        ContactCard,
        r#"SELECT u.id, u.name, coalesce(m.position, '') AS "position!", coalesce(m.department, '') AS "department!",
                  coalesce(m.qq, '') AS "qq!", coalesce(m.telephone, '') AS "telephone!", u.phone AS mobile, u.email,
                  EXISTS (SELECT 1 FROM colleagues c WHERE c.user_id = $1 AND c.colleague_id = u.id) AS "is_colleague!"
             FROM users u LEFT JOIN user_meta m ON m.user_id = u.id
            WHERE u.id = $2"#,
        viewer,
        user_id,
    )
    .fetch_optional(conn)
    .await
}

/// Whether `user_id` is in the book (active, with a staff role).
pub async fn in_book(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<bool> {
    let roles = &BOOK_ROLES.map(String::from)[..];
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND is_active AND roles && $2::TEXT[]) AS "found!""#,
        user_id,
        roles,
    )
    .fetch_one(conn)
    .await?;
    Ok(found)
}

/// Applies `change` to `user_id`'s card (users row and contact details in one transaction).
pub async fn update(conn: &mut PgConnection, user_id: i64, change: &CardChange) -> sqlx::Result<()> {
    let clear = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_owned());
    sqlx::query!(
        "UPDATE users SET name = coalesce($2, name),
                phone = CASE WHEN $3::TEXT IS NULL THEN phone ELSE NULLIF($3, '') END,
                email = CASE WHEN $4::TEXT IS NULL THEN email ELSE NULLIF($4, '') END,
                updated_at = now()
          WHERE id = $1",
        user_id,
        clear(&change.name),
        clear(&change.mobile),
        clear(&change.email),
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO user_meta (user_id, position, department, qq, telephone)
         VALUES ($1, coalesce($2, ''), coalesce($3, ''), coalesce($4, ''), coalesce($5, ''))
         ON CONFLICT (user_id) DO UPDATE SET position = coalesce($2, user_meta.position),
                department = coalesce($3, user_meta.department), qq = coalesce($4, user_meta.qq),
                telephone = coalesce($5, user_meta.telephone)",
        user_id,
        clear(&change.position),
        clear(&change.department),
        clear(&change.qq),
        clear(&change.telephone),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A page of the book as `viewer` sees it, by name: everyone, or only `viewer`'s colleagues, and
/// only cards with `search` in one of their fields. Returns the page and the total.
pub async fn list(
    conn: &mut PgConnection,
    viewer: i64,
    colleagues_only: bool,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<ContactCard>, i64)> {
    let roles = &BOOK_ROLES.map(String::from)[..];
    // Two texts rather than `$4 IS NULL OR …`: a generic plan of the combined one would not use
    // the trigram indexes.
    let (rows, total) = match search.map(str::trim).filter(|s| !s.is_empty()) {
        Some(term) => {
            let pattern = contains_pattern(term);
            let rows = sqlx::query_as!(
                ContactCard,
                r#"WITH hits AS (
                       SELECT id FROM users WHERE lower(name || chr(31) || coalesce(phone, '')) LIKE $4
                       UNION
                       SELECT user_id FROM user_meta
                        WHERE lower(position || chr(31) || department || chr(31) || qq || chr(31) || telephone) LIKE $4)
                   SELECT u.id, u.name, coalesce(m.position, '') AS "position!", coalesce(m.department, '') AS "department!",
                          coalesce(m.qq, '') AS "qq!", coalesce(m.telephone, '') AS "telephone!", u.phone AS mobile, u.email,
                          (c.user_id IS NOT NULL) AS "is_colleague!"
                     FROM hits h JOIN users u ON u.id = h.id
                     LEFT JOIN user_meta m ON m.user_id = u.id
                     LEFT JOIN colleagues c ON c.user_id = $1 AND c.colleague_id = u.id
                    WHERE u.is_active AND u.roles && $3::TEXT[] AND (NOT $2 OR c.user_id IS NOT NULL)
                    ORDER BY u.name, u.id LIMIT $5 OFFSET $6"#,
                viewer,
                colleagues_only,
                roles,
                pattern,
                limit,
                offset,
            )
            .fetch_all(&mut *conn)
            .await?;
            let total = sqlx::query_scalar!(
                r#"WITH hits AS (
                       SELECT id FROM users WHERE lower(name || chr(31) || coalesce(phone, '')) LIKE $4
                       UNION
                       SELECT user_id FROM user_meta
                        WHERE lower(position || chr(31) || department || chr(31) || qq || chr(31) || telephone) LIKE $4)
                   SELECT count(*) AS "count!" FROM hits h JOIN users u ON u.id = h.id
                     LEFT JOIN colleagues c ON c.user_id = $1 AND c.colleague_id = u.id
                    WHERE u.is_active AND u.roles && $3::TEXT[] AND (NOT $2 OR c.user_id IS NOT NULL)"#,
                viewer,
                colleagues_only,
                roles,
                pattern,
            )
            .fetch_one(&mut *conn)
            .await?;
            (rows, total)
        }
        None => {
            let rows = sqlx::query_as!(
                ContactCard,
                r#"SELECT u.id, u.name, coalesce(m.position, '') AS "position!", coalesce(m.department, '') AS "department!",
                          coalesce(m.qq, '') AS "qq!", coalesce(m.telephone, '') AS "telephone!", u.phone AS mobile, u.email,
                          (c.user_id IS NOT NULL) AS "is_colleague!"
                     FROM users u
                     LEFT JOIN user_meta m ON m.user_id = u.id
                     LEFT JOIN colleagues c ON c.user_id = $1 AND c.colleague_id = u.id
                    WHERE u.is_active AND u.roles && $3::TEXT[] AND (NOT $2 OR c.user_id IS NOT NULL)
                    ORDER BY u.name, u.id LIMIT $4 OFFSET $5"#,
                viewer,
                colleagues_only,
                roles,
                limit,
                offset,
            )
            .fetch_all(&mut *conn)
            .await?;
            let total = sqlx::query_scalar!(
                r#"SELECT count(*) AS "count!" FROM users u
                     LEFT JOIN colleagues c ON c.user_id = $1 AND c.colleague_id = u.id
                    WHERE u.is_active AND u.roles && $3::TEXT[] AND (NOT $2 OR c.user_id IS NOT NULL)"#,
                viewer,
                colleagues_only,
                roles,
            )
            .fetch_one(&mut *conn)
            .await?;
            (rows, total)
        }
    };
    Ok((rows, total))
}

/// What adding a colleague did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Added now, or already a colleague (adding is idempotent).
    Yes,
    /// The user has [`MAX_COLLEAGUES`] already.
    Full,
}

/// Adds `colleague` (who must be in the book: check with [`in_book`]) to `user`'s colleagues.
pub async fn add_colleague(conn: &mut PgConnection, user: i64, colleague: i64) -> sqlx::Result<Added> {
    // The count and the insert in one statement; concurrent adds by one user may pass the cap by
    // their number, which the cap tolerates (it bounds a list, it is not a quota).
    let added = sqlx::query_scalar!(
        r#"WITH ins AS (
               INSERT INTO colleagues (user_id, colleague_id)
               SELECT $1, $2 WHERE (SELECT count(*) FROM colleagues WHERE user_id = $1) < $3
               ON CONFLICT DO NOTHING RETURNING 1)
           SELECT (EXISTS (SELECT 1 FROM ins)
                   OR EXISTS (SELECT 1 FROM colleagues WHERE user_id = $1 AND colleague_id = $2)) AS "added!""#,
        user,
        colleague,
        MAX_COLLEAGUES,
    )
    .fetch_one(conn)
    .await?;
    Ok(if added { Added::Yes } else { Added::Full })
}

/// Removes `colleague` from `user`'s colleagues; removing one who is not there is fine.
pub async fn remove_colleague(conn: &mut PgConnection, user: i64, colleague: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM colleagues WHERE user_id = $1 AND colleague_id = $2", user, colleague).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_terms_match_literally() {
        assert_eq!(contains_pattern(" 王 "), "%王%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern("Zhang"), "%zhang%");
    }
}
