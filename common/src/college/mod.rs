//! Seed 002 (college staff services): the contact book and colleagues. Meeting rooms, repairs
//! and service guides join this folder as they are built.

pub mod contacts;
