//! Staff: users whose bound phone Koala confirmed as an employee (`GetStaffs` by name and phone).
//! Only staff apply as hosts (an application authorized at once) and authorize visits.

use sqlx::PgConnection;

use crate::koala::Staff;

/// A confirmed staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub subject_id: i64,
    pub name: String,
    pub phone: String,
    pub department: Option<String>,
    pub avatar_source: Option<String>,
}

/// The idempotency key of the stored copy of a staff avatar.
pub fn staff_avatar_key(subject_id: i64, source_url: &str) -> String {
    format!("koala_staff:{subject_id}:{source_url}")
}

/// Records (or refreshes) the staff record of `user_id` from Koala's answer.
pub async fn save(conn: &mut PgConnection, user_id: i64, phone: &str, staff: &Staff) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO visit_staff (user_id, subject_id, name, phone, department, avatar_source) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET subject_id = EXCLUDED.subject_id, name = EXCLUDED.name, phone = EXCLUDED.phone,
             department = EXCLUDED.department, avatar_source = EXCLUDED.avatar_source, verified_at = now()",
        user_id,
        staff.id,
        staff.name.as_deref().unwrap_or_default(),
        phone,
        staff.department,
        staff.avatar
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The staff record of `user_id` for its current phone.
pub async fn of_user(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Option<StaffRecord>> {
    sqlx::query_as!(
        StaffRecord,
        "SELECT s.subject_id, s.name, s.phone, s.department, s.avatar_source
           FROM visit_staff s JOIN phone_bindings b ON b.user_id = s.user_id AND b.phone = s.phone
          WHERE s.user_id = $1",
        user_id
    )
    .fetch_optional(conn)
    .await
}
