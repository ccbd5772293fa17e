//! The statuses of seed 001's rows, each the `CHECK` list of its column.

crate::text_enum! {
    /// `appointments.status`.
    pub enum AppointmentStatus { Pending = "pending", Confirmed = "confirmed", Cancelled = "cancelled", Completed = "completed" }
}

impl AppointmentStatus {
    /// Still ahead: may be cancelled or moved, and is reminded.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed)
    }
}

crate::text_enum! {
    /// `appointments.payment_status`.
    pub enum PaymentStatus { Pending = "pending", Paid = "paid", Refunded = "refunded", Free = "free" }
}

crate::text_enum! {
    /// `waitlist_entries.status`.
    pub enum WaitlistStatus { Waiting = "waiting", Promoted = "promoted", Cancelled = "cancelled" }
}

crate::text_enum! {
    /// `refunds.status`.
    pub enum RefundStatus { Requested = "requested", Recorded = "recorded", Refunded = "refunded", Failed = "failed" }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn check_list(pool: &sqlx::PgPool, constraint: &str) -> Vec<String> {
        let def: String = sqlx::query_scalar!("SELECT pg_get_constraintdef(oid) AS \"def!\" FROM pg_constraint WHERE conname = $1", constraint)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("constraint {constraint}: {e}"));
        crate::text_enum::check_list(&def)
    }

    fn names<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(ToString::to_string).collect()
    }

    #[tokio::test]
    async fn each_status_enum_is_its_columns_check_list() {
        let pool = crate::testing::database().await;
        assert_eq!(check_list(&pool, "appointments_status_check").await, names(AppointmentStatus::ALL));
        assert_eq!(check_list(&pool, "appointments_payment_status_check").await, names(PaymentStatus::ALL));
        assert_eq!(check_list(&pool, "waitlist_entries_status_check").await, names(WaitlistStatus::ALL));
        assert_eq!(check_list(&pool, "refunds_status_check").await, names(RefundStatus::ALL));
    }
}
