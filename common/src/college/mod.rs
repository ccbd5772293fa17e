//! Seed 002 (college staff services): the contact book and colleagues, repairs, meeting rooms.
//! Availability, reservations and service guides join this folder as they are built.

pub mod contacts;
pub mod repairs;
pub mod rooms;
