//! The Yizhan scheduler process.
