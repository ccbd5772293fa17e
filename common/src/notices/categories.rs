//! Notice categories (就业信息, 奖助学金, 教务…), managed by admins; students follow the ones they
//! want (`settings`).

use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub name: String,
}

pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<Category>> {
    sqlx::query_as!(Category, "SELECT id, name FROM notice_categories ORDER BY id").fetch_all(conn).await
}

/// Creates a category (a taken name is a unique violation, `notice_categories_name_key`).
pub async fn create(conn: &mut PgConnection, name: &str) -> sqlx::Result<Category> {
    sqlx::query_as!(Category, "INSERT INTO notice_categories (name) VALUES ($1) RETURNING id, name", name).fetch_one(conn).await
}

/// The ids among `ids` that name no category.
pub async fn unknown(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"SELECT x AS "x!" FROM unnest($1::bigint[]) x WHERE NOT EXISTS (SELECT 1 FROM notice_categories c WHERE c.id = x)"#,
        ids
    )
    .fetch_all(conn)
    .await
}
