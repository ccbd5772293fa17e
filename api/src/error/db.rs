//! Database errors as answers: not found → 404, named constraints → 409, the database out of
//! reach (down, restarting, the pool exhausted) → 503, the rest opaque 500.

use axum::http::StatusCode;

use super::ApiError;

/// Unique constraints a client can run into, with the answer each one deserves.
const CONFLICTS: &[(&str, &str, &str)] = &[
    ("users_username_key", "username_taken", "username is already taken"),
    ("room_reservations_no_overlap", "room_taken", "the room is reserved for part of that time"),
    ("hospitals_name_key", "hospital_taken", "a hospital with that name exists"),
    ("departments_name_key", "department_taken", "the hospital already has a department with that name"),
    ("schedules_slot_key", "schedule_taken", "the department already has a schedule for that date and period"),
    ("counselors_user_key", "user_taken", "that user is already another counselor's account"),
    ("school_classes_name_key", "class_taken", "a class with that name exists"),
    ("students_student_no_key", "student_no_taken", "a student with that number exists"),
    ("student_groups_name_key", "group_taken", "a group with that name exists"),
    ("notice_categories_name_key", "category_taken", "a category with that name exists"),
];

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => ApiError::not_found("resource"),
            sqlx::Error::Database(db) if db.code().is_some_and(|c| is_unreachable_state(&c)) => {
                tracing::error!(code = %db.code().unwrap_or_default(), "the database went away");
                ApiError::unavailable("the database is unreachable; try again")
            }
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
            sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
                tracing::error!(error = %err, "the database connection failed");
                ApiError::unavailable("the database is unreachable; try again")
            }
            _ => ApiError::internal(err),
        }
    }
}

/// SQLSTATEs that say the server is going or gone, not that the request was wrong: class 08
/// (connection exception) and 57P01–57P03 (shut down by an administrator, crashed, not yet
/// accepting connections).
fn is_unreachable_state(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_503_not_500() {
        let io = sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"));
        assert_eq!(ApiError::from(io).status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ApiError::from(sqlx::Error::PoolClosed).status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(["08006", "08003", "57P01", "57P02", "57P03"].iter().all(|c| is_unreachable_state(c)));
        assert!(!["23505", "40001", "57014", "42P01"].iter().any(|c| is_unreachable_state(c)));
    }
}
