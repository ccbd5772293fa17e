//! The console's session cookie and the `Signed<R>` extractor that every page takes.
//!
//! The cookie `yz_console` holds 256 random bits (`HttpOnly`, `SameSite=Lax`, `Path=/admin/console`,
//! `Secure` when the request came over TLS); the session row holds only their hash. A bearer
//! token is not looked at: without the cookie a page sends the browser to sign in.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use yizhan_common::users::{self, Role, Session};

use super::PageError;
use crate::extract::RoleSet;
use crate::state::AppState;

pub const COOKIE: &str = "yz_console";

/// The roles that may sign in to the console at all; each page narrows this down.
#[derive(Debug)]
pub struct ConsoleRoles;

impl RoleSet for ConsoleRoles {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Staff, Role::Counselor];
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let pairs = headers.get_all(header::COOKIE).into_iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';'));
    pairs.filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value for the console: `value` for `max_age_secs`, or removal with 0.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}")
}

/// A signed-in console user holding a role of `R` (and one of [`ConsoleRoles`]): their session.
#[derive(Debug)]
pub struct Signed<R: RoleSet = ConsoleRoles> {
    pub session: Session,
    _roles: PhantomData<R>,
}

impl<R: RoleSet> Signed<R> {
    pub fn user(&self) -> &users::User {
        &self.session.user
    }
}

/// The session behind the request's cookie, looked up once per request.
pub async fn current(parts: &mut Parts, state: &AppState) -> Result<Option<Session>, PageError> {
    if let Some(session) = parts.extensions.get::<Session>() {
        return Ok(Some(session.clone()));
    }
    let Some(value) = cookie(&parts.headers, COOKIE).filter(|v| !v.is_empty() && v.len() <= 256) else { return Ok(None) };
    let mut conn = state.db.acquire().await?;
    let session = users::session_for(&mut conn, value).await?;
    if let Some(s) = &session {
        parts.extensions.insert(s.clone());
    }
    Ok(session)
}

impl<R: RoleSet> FromRequestParts<AppState> for Signed<R> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(session) = current(parts, state).await? else {
            // Back to the page after signing in; a form's POST goes back to the page it came from.
            let next = if parts.method == Method::GET { parts.uri.path_and_query().map_or("", |p| p.as_str()) } else { "" };
            return Err(PageError::SignIn { next: next.to_owned() });
        };
        let holds = |roles: &[Role]| roles.iter().any(|r| session.user.has_role(*r));
        if !holds(ConsoleRoles::ROLES) || !holds(R::ROLES) {
            return Err(PageError::forbidden());
        }
        Ok(Self { session, _roles: PhantomData })
    }
}

/// `next` if it is a console page (so sign-in cannot be used to send the browser elsewhere).
pub fn safe_next(next: &str) -> &str {
    let console = next.starts_with("/admin/console/") && !next.contains("//") && !next.contains('\\');
    if console { next } else { "/admin/console/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/admin/console/users?page=2"), "/admin/console/users?page=2");
        for bad in ["https://evil.example/", "//evil.example/admin/console/", "/admin/users", "/admin/console/\\\\evil", ""] {
            assert_eq!(safe_next(bad), "/admin/console/", "{bad}");
        }
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "yz_console_login=a; yz_console=b".parse().expect("header"));
        assert_eq!(cookie(&headers, COOKIE), Some("b"));
        assert_eq!(cookie(&headers, "yz_console_login"), Some("a"));
        assert_eq!(cookie(&headers, "other"), None);
    }
}
