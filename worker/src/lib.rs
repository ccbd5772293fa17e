//! The Yizhan worker process.
