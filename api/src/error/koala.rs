//! Koala failures on a request path that waits (binding lookups, purposes): 502
//! `koala_unavailable`, the cause logged here and never sent.

use axum::http::StatusCode;
use yizhan_common::koala::KoalaError;

use super::ApiError;

impl From<KoalaError> for ApiError {
    fn from(err: KoalaError) -> Self {
        tracing::warn!(error = %err, "Koala call failed on a request path");
        let message = match err {
            KoalaError::Unavailable(_) => "the access-control system (Koala) did not answer in time; try again",
            KoalaError::Rejected { .. } => "the access-control system (Koala) refused the lookup",
        };
        ApiError::new(StatusCode::BAD_GATEWAY, "koala_unavailable", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn koala_failures_are_502_koala_unavailable() {
        for err in [KoalaError::Unavailable("timeout".into()), KoalaError::Rejected { code: -1, desc: "x".into() }] {
            let api = ApiError::from(err);
            assert_eq!((api.status(), api.code()), (StatusCode::BAD_GATEWAY, "koala_unavailable"));
        }
    }
}
