//! Authentication and role checks as extractors, so a handler states what it needs in its
//! signature: `AuthUser` for any signed-in user, `Authorized<AdminOnly>` for admins.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::{header, request::Parts};
use yizhan_common::auth::token;
use yizhan_common::users::{Role, TokenLookup, User};

use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in user and the token they used.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub token_id: i64,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("not_authenticated", "authentication credentials were not provided"))?;
        let presented = header
            .to_str()
            .ok()
            .and_then(token::from_authorization)
            .ok_or_else(|| ApiError::unauthorized("invalid_token", "use `Authorization: Bearer <token>` or `Token <token>`"))?;
        let auth = match state.tokens.lookup(&state.db, presented).await? {
            TokenLookup::Valid { user, token_id, .. } => AuthUser { user, token_id },
            TokenLookup::Unknown => return Err(ApiError::unauthorized("invalid_token", "the token is not valid")),
            TokenLookup::Expired => return Err(ApiError::unauthorized("token_expired", "the token has expired")),
            TokenLookup::Revoked => return Err(ApiError::unauthorized("token_revoked", "the token was revoked")),
            TokenLookup::Inactive => return Err(ApiError::unauthorized("account_disabled", "the account is disabled")),
        };
        parts.extensions.insert(auth.clone());
        Ok(auth)
    }
}

/// `Option<AuthUser>`: `None` without an `Authorization` header; a header that does not
/// authenticate is refused as for `AuthUser`.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(None);
        }
        <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await.map(Some)
    }
}

/// A set of roles allowed to call a handler.
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

/// Only administrators.
#[derive(Debug)]
pub struct AdminOnly;

impl RoleSet for AdminOnly {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Seed 004's school staff, who also keep the Official Account's robot, menu and topic board:
/// admins and counselors.
#[derive(Debug)]
pub struct SchoolStaff;

impl RoleSet for SchoolStaff {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Counselor];
}

/// The college's people: staff, admins, counselors and students (the service guides, which are
/// also seed 004's procedures and forms, and the teacher directory).
#[derive(Debug)]
pub struct CampusMembers;

impl RoleSet for CampusMembers {
    const ROLES: &'static [Role] = &[Role::Staff, Role::Admin, Role::Counselor, Role::Student];
}

/// A signed-in user holding at least one role of `R`; anyone else gets 403.
#[derive(Debug)]
pub struct Authorized<R: RoleSet> {
    pub auth: AuthUser,
    _roles: PhantomData<R>,
}

impl<R: RoleSet> Clone for Authorized<R> {
    fn clone(&self) -> Self {
        Self { auth: self.auth.clone(), _roles: PhantomData }
    }
}

impl<R: RoleSet> Authorized<R> {
    /// The same check for a user signed in another way (a console session, which has no token:
    /// `token_id` 0); `None` without one of the roles.
    pub fn of_user(user: User) -> Option<Self> {
        R::ROLES.iter().any(|role| user.has_role(*role)).then(|| Self { auth: AuthUser { user, token_id: 0 }, _roles: PhantomData })
    }

    pub fn user(&self) -> &User {
        &self.auth.user
    }
}

impl<R: RoleSet> FromRequestParts<AppState> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = <AuthUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if R::ROLES.iter().any(|role| auth.user.has_role(*role)) {
            Ok(Self { auth, _roles: PhantomData })
        } else {
            let wanted: Vec<&str> = R::ROLES.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!("this action needs the role {}", wanted.join(" or "))))
        }
    }
}
