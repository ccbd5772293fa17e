//! Categories of faults and who is mailed each category's reports: an address with categories
//! receives those; an address with none receives every category (the seed's rule).

use sqlx::PgConnection;

/// At most this many categories and this many recipient addresses.
pub const MAX_CATEGORIES: i64 = 200;
pub const MAX_RECIPIENTS: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: i64,
    pub email: String,
    /// Empty: every category.
    pub categories: Vec<i64>,
}

/// Every category by name.
pub async fn categories(conn: &mut PgConnection) -> sqlx::Result<Vec<Category>> {
    sqlx::query_as!(Category, "SELECT id, name FROM repair_categories ORDER BY name, id").fetch_all(conn).await
}

/// Adds a category; `None` when the name is taken or there are [`MAX_CATEGORIES`] already.
pub async fn add_category(conn: &mut PgConnection, name: &str) -> sqlx::Result<Option<Category>> {
    sqlx::query_as!(
        Category,
        "INSERT INTO repair_categories (name) SELECT $1 WHERE (SELECT count(*) FROM repair_categories) < $2
         ON CONFLICT DO NOTHING RETURNING id, name",
        name,
        MAX_CATEGORIES,
    )
    .fetch_optional(conn)
    .await
}

/// Every recipient with its categories.
pub async fn recipients(conn: &mut PgConnection) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as!(
        Recipient,
        r#"SELECT r.id, r.email, coalesce(array_agg(rc.category_id ORDER BY rc.category_id)
                    FILTER (WHERE rc.category_id IS NOT NULL), '{}') AS "categories!"
             FROM repair_recipients r LEFT JOIN repair_recipient_categories rc ON rc.recipient_id = r.id
            GROUP BY r.id ORDER BY r.email"#,
    )
    .fetch_all(conn)
    .await
}

/// Why a recipient was not added.
#[derive(Debug, PartialEq, Eq)]
pub enum AddRecipient {
    Added(Recipient),
    EmailTaken,
    UnknownCategory,
    Full,
}

/// Adds an address for `categories` (empty: every category), in `conn`'s transaction.
pub async fn add_recipient(conn: &mut PgConnection, email: &str, categories: &[i64]) -> sqlx::Result<AddRecipient> {
    let known = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM repair_categories WHERE id = ANY($1)"#, categories).fetch_one(&mut *conn).await?;
    let mut wanted = categories.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if known != i64::try_from(wanted.len()).unwrap_or(i64::MAX) {
        return Ok(AddRecipient::UnknownCategory);
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO repair_recipients (email) SELECT $1 WHERE (SELECT count(*) FROM repair_recipients) < $2
         ON CONFLICT DO NOTHING RETURNING id",
        email,
        MAX_RECIPIENTS,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else {
        let taken = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM repair_recipients WHERE lower(email) = lower($1)) AS "taken!""#, email)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(if taken { AddRecipient::EmailTaken } else { AddRecipient::Full });
    };
    sqlx::query!("INSERT INTO repair_recipient_categories (recipient_id, category_id) SELECT $1, unnest($2::BIGINT[])", id, &wanted)
        .execute(conn)
        .await?;
    Ok(AddRecipient::Added(Recipient { id, email: email.to_owned(), categories: wanted }))
}

/// Removes a recipient; `false` when there was none.
pub async fn remove_recipient(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM repair_recipients WHERE id = $1", id).execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// The addresses a report of `category` is mailed to.
pub async fn recipients_for(conn: &mut PgConnection, category: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT r.email FROM repair_recipients r
          WHERE EXISTS (SELECT 1 FROM repair_recipient_categories rc WHERE rc.recipient_id = r.id AND rc.category_id = $1)
             OR NOT EXISTS (SELECT 1 FROM repair_recipient_categories rc WHERE rc.recipient_id = r.id)
          ORDER BY r.email",
        category,
    )
    .fetch_all(conn)
    .await
}
