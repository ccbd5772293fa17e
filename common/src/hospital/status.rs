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
