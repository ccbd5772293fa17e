//! Who the caller is on one notice's conversation: staff who see the notice (admins; the
//! counselor who sent it) or a student among its recipients (bound through the H5 sign-in).
//! Anyone else gets 404, as if there were no such notice.

use yizhan_common::notices::comments::Author;
use yizhan_common::notices::{receipts, Scope};
use yizhan_common::users::{Role, User};

use super::reading::my_student;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

pub enum Party {
    Staff(Author),
    /// A recipient: the author carries their student id.
    Student(Author),
}

impl Party {
    pub fn author(&self) -> &Author {
        match self {
            Self::Staff(a) | Self::Student(a) => a,
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Self::Staff(_))
    }
}

fn is_staff(user: &User) -> bool {
    user.has_role(Role::Admin) || user.has_role(Role::Counselor)
}

/// The caller on notice `notice_id`.
pub async fn of(state: &AppState, auth: &AuthUser, notice_id: i64) -> ApiResult<Party> {
    if is_staff(&auth.user) {
        return Ok(Party::Staff(staff_on(state, &auth.user, notice_id).await?));
    }
    let student = my_student(state, auth).await?;
    let mut conn = state.db.acquire().await?;
    let name = sqlx::query_scalar!(
        "SELECT s.name FROM notice_recipients r JOIN students s ON s.id = r.student_id WHERE r.notice_id = $1 AND r.student_id = $2",
        notice_id,
        student
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ApiError::not_found("notice"))?;
    // Other readers see a student as their surname and 同学.
    let shown = format!("{}同学", name.chars().next().unwrap_or('某'));
    Ok(Party::Student(Author { user_id: auth.user.id, student_id: Some(student), name: shown }))
}

/// Staff who see notice `notice_id` (404 otherwise), named by their counselor card, else their
/// account's name.
pub async fn staff_on(state: &AppState, user: &User, notice_id: i64) -> ApiResult<Author> {
    let mut conn = state.db.acquire().await?;
    let scope = Scope::of(&mut conn, user).await?;
    receipts::find(&mut conn, scope, notice_id).await?.ok_or_else(|| ApiError::not_found("notice"))?;
    let card = sqlx::query_scalar!("SELECT name FROM counselors WHERE user_id = $1 OR wechat_user_id = $1 ORDER BY id LIMIT 1", user.id).fetch_optional(&mut *conn).await?;
    let name = card.unwrap_or_else(|| if user.name.trim().is_empty() { user.username.clone() } else { user.name.clone() });
    Ok(Author { user_id: user.id, student_id: None, name })
}
