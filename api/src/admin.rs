//! Operator commands run from the command line: migrations and the first admin account.

use secrecy::SecretString;
use sqlx::PgPool;
use yizhan_common::auth::password;
use yizhan_common::users::{self, NewUser, Role, UserPatch};

/// Creates the admin, or (when the username exists) resets its password and grants the admin
/// role: running it twice leaves the same state.
pub async fn create_admin(pool: &PgPool, username: &str, secret: SecretString) -> anyhow::Result<i64> {
    anyhow::ensure!(!username.trim().is_empty(), "--username must not be empty");
    anyhow::ensure!(secrecy::ExposeSecret::expose_secret(&secret).chars().count() >= 8, "--password must be at least 8 characters");
    let hash = password::hash(secret).await?;
    let mut tx = pool.begin().await?;
    let id = match users::find_by_username(&mut tx, username).await? {
        Some((user, _)) => {
            let mut roles = user.roles.0.clone();
            if !roles.contains(&Role::Admin) {
                roles.push(Role::Admin);
            }
            let patch = UserPatch { roles: Some(roles), is_active: Some(true), password_hash: Some(hash), ..UserPatch::default() };
            users::update(&mut tx, user.id, &patch).await?;
            user.id
        }
        None => {
            let new = NewUser {
                username: username.trim().to_owned(),
                password_hash: Some(hash),
                name: username.trim().to_owned(),
                phone: None,
                email: None,
                roles: vec![Role::Admin],
            };
            users::create(&mut tx, &new).await?.id
        }
    };
    tx.commit().await?;
    Ok(id)
}
