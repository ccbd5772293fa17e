//! Patients (就诊人): the people a user books for.

use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Patient {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub phone: String,
}

/// Most patients one user may register.
pub const MAX_PER_USER: i64 = 20;

/// Adds a patient; `None` when the user already has [`MAX_PER_USER`]. Runs in the caller's
/// transaction, which holds the user's cap lock until it ends (parallel creates cannot pass it).
pub async fn create(conn: &mut PgConnection, user_id: i64, name: &str, phone: &str) -> sqlx::Result<Option<i64>> {
    super::lock_user_cap(conn, super::CAP_PATIENTS, user_id).await?;
    sqlx::query_scalar!(
        "INSERT INTO patients (user_id, name, phone)
         SELECT $1, $2, $3 WHERE (SELECT count(*) FROM patients WHERE user_id = $1) < $4
         RETURNING id",
        user_id,
        name,
        phone,
        MAX_PER_USER
    )
    .fetch_optional(conn)
    .await
}

pub async fn list(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Vec<Patient>> {
    sqlx::query_as!(Patient, "SELECT id, user_id, name, phone FROM patients WHERE user_id = $1 ORDER BY id", user_id)
        .fetch_all(conn)
        .await
}

/// The patient when it belongs to `user_id`.
pub async fn owned(conn: &mut PgConnection, user_id: i64, patient_id: i64) -> sqlx::Result<Option<Patient>> {
    sqlx::query_as!(Patient, "SELECT id, user_id, name, phone FROM patients WHERE id = $1 AND user_id = $2", patient_id, user_id)
        .fetch_optional(conn)
        .await
}
