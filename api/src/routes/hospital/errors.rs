//! Hospital refusals as API errors.

use yizhan_common::hospital::HospitalError;

use crate::error::ApiError;

impl From<HospitalError> for ApiError {
    fn from(err: HospitalError) -> Self {
        let message = err.to_string();
        match err {
            HospitalError::NotFound(what) => ApiError::not_found(what),
            HospitalError::Invalid { field, message } => ApiError::field(field, message),
            HospitalError::ScheduleFull => ApiError::conflict("schedule_full", message),
            HospitalError::ScheduleAvailable => ApiError::conflict("schedule_available", message),
            HospitalError::ScheduleClosed => ApiError::conflict("schedule_closed", message),
            HospitalError::AlreadyBooked => ApiError::conflict("already_booked", message),
            HospitalError::AlreadyWaiting => ApiError::conflict("already_waiting", message),
            HospitalError::AlreadyCancelled => ApiError::conflict("already_cancelled", message),
            HospitalError::SameSchedule => ApiError::conflict("same_schedule", message),
            HospitalError::AppointmentClosed => ApiError::conflict("appointment_closed", message),
            HospitalError::FeeDiffers => ApiError::conflict("fee_differs", message),
            HospitalError::TooManyWaiting => ApiError::conflict("too_many_waiting", message),
            HospitalError::CapacityBelowBooked { booked } => ApiError::conflict("capacity_below_booked", message)
                .with_fields([("capacity".to_owned(), format!("cannot be below the {booked} places already booked"))]),
            HospitalError::ScheduleInUse { fields } => ApiError::conflict("schedule_in_use", message).with_fields(
                fields.into_iter().map(|f| (f.to_owned(), "cannot change once the schedule has appointments or a waitlist".to_owned())),
            ),
            HospitalError::Db(db) => db.into(),
        }
    }
}
