//! What can go wrong in the hospital domain, as the API needs to tell it.

/// A refusal the client can act on, or a database failure.
#[derive(Debug, thiserror::Error)]
pub enum HospitalError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("the schedule is fully booked")]
    ScheduleFull,
    #[error("the schedule has places left; book it instead of joining the waitlist")]
    ScheduleAvailable,
    #[error("the schedule's session has ended")]
    ScheduleClosed,
    #[error("this patient already has an appointment for the schedule")]
    AlreadyBooked,
    #[error("this patient is already on the waitlist for the schedule")]
    AlreadyWaiting,
    #[error("the appointment is already cancelled")]
    AlreadyCancelled,
    #[error("the appointment is already on that schedule")]
    SameSchedule,
    #[error("the appointment can no longer change: it is completed or its date has passed")]
    AppointmentClosed,
    #[error("a paid appointment can only move to a schedule with the same fee")]
    FeeDiffers,
    #[error("too many waitlist entries waiting for this account")]
    TooManyWaiting,
    #[error("the schedule has {booked} places booked; its capacity cannot go below that")]
    CapacityBelowBooked { booked: i32 },
    /// What patients were told (hospital, department, date, time, fee) cannot change once the
    /// schedule has live appointments or a waitlist; `fields` names what the change touched.
    #[error("the schedule has appointments or a waitlist; its hospital, department, date, time and fee are fixed")]
    ScheduleInUse { fields: Vec<&'static str> },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl HospitalError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }
}

pub type HospitalResult<T> = Result<T, HospitalError>;
