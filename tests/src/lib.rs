//! Shared helpers for whole-system tests.
