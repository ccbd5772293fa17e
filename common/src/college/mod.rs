//! Seed 002 (college staff services): the contact book and colleagues, repairs, meeting rooms.
//! Reservations and their single-consumer decisions; service guides join this folder when built.

pub mod contacts;
pub mod repairs;
pub mod rooms;
pub mod reservations;
