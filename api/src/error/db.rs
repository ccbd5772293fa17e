//! Database errors as answers: not found → 404, named constraints → 409, the rest opaque 500.

use axum::http::StatusCode;

use super::ApiError;

/// Unique constraints a client can run into, with the answer each one deserves.
const CONFLICTS: &[(&str, &str, &str)] = &[
    ("users_username_key", "username_taken", "username is already taken"),
    ("room_reservations_no_overlap", "room_taken", "the room is reserved for part of that time"),
    ("hospitals_name_key", "hospital_taken", "a hospital with that name exists"),
    ("departments_name_key", "department_taken", "the hospital already has a department with that name"),
    ("schedules_slot_key", "schedule_taken", "the department already has a schedule for that date and period"),
];

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => ApiError::not_found("resource"),
            sqlx::Error::Database(db) => {
                let constraint = db.constraint().unwrap_or_default();
                if let Some((_, code, message)) = CONFLICTS.iter().find(|(name, _, _)| *name == constraint) {
                    return ApiError::conflict(code, *message);
                }
                if db.is_foreign_key_violation() || db.is_check_violation() {
                    tracing::warn!(constraint, "constraint rejected a write");
                    return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "constraint_violated", "the request violates a data constraint");
                }
                ApiError::internal(err)
            }
            sqlx::Error::PoolTimedOut => {
                tracing::error!("database pool timed out");
                ApiError::unavailable("the database is busy or unreachable; try again")
            }
            _ => ApiError::internal(err),
        }
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(err: redis::RedisError) -> Self {
        tracing::error!(error = %err, "redis error");
        ApiError::unavailable("a backing store is unreachable; try again")
    }
}

impl From<yizhan_common::mail::PlanMailError> for ApiError {
    fn from(err: yizhan_common::mail::PlanMailError) -> Self {
        match err {
            yizhan_common::mail::PlanMailError::Db(err) => err.into(),
            other => ApiError::internal(other),
        }
    }
}
