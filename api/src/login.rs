//! Checking a username and password, behind the login throttle: shared by `POST /auth/get-token/`
//! (which then issues an API token) and the console's sign-in (which then starts a session).

use std::net::IpAddr;

use secrecy::{ExposeSecret, SecretString};
use yizhan_common::auth::password;
use yizhan_common::users::{self, User};

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;
use crate::throttle;

/// The active user these credentials name. 422 for a blank field, 429 (with `Retry-After`) while
/// a throttle bucket is full, 400 `invalid_credentials` for anything else that fails (unknown
/// user, wrong password, disabled account alike). A success gives its throttle attempt back.
pub async fn authenticate(state: &AppState, ip: IpAddr, username: &str, secret: SecretString) -> ApiResult<User> {
    let mut errors = FieldErrors::new();
    errors.text("username", username, 150);
    errors.check(secret.expose_secret().is_empty(), "password", "is required");
    errors.finish()?;

    let attempt = throttle::reserve(state, username, ip).await?;
    let mut conn = state.db.acquire().await?;
    let (user, hash) = match users::find_by_username(&mut conn, username).await? {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let valid = password::verify(secret, hash).await;
    match user {
        Some(user) if valid && user.is_active => {
            throttle::succeeded(state, attempt).await;
            Ok(user)
        }
        _ => Err(ApiError::bad_request("invalid_credentials", "unable to log in with the provided credentials")),
    }
}
