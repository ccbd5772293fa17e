//! Activities (活动) as an admin manages them, behind `POST|PATCH /admin/activities/…` and the
//! console's activity pages: the checks of the fields (each named by its JSON name; the form's
//! problems as `form[2].label`), the cover (an uploaded image, `POST /api/files`), and the writes.
//! The checks that need the stored activity (the period and window as merged, capacity not below
//! those enrolled, only additive form changes after the first enrollment) run in the transaction
//! that writes (`yizhan_common::college::activities::activity::update`).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use yizhan_common::college::activities::activity::{self, Activity, ActivityFields, Changed};
use yizhan_common::college::activities::form::{self, FormField, Problem};
use yizhan_common::storage::files::StoredFile;

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_PLACE: usize = 200;
pub const MAX_CAPACITY: i32 = 100_000;

/// The fields of `POST` (title, starts_at, ends_at, enroll_from and enroll_until required) and
/// `PATCH` (any). `capacity: null` is no limit, `cover_file_id: null` no cover.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBody {
    pub title: Option<String>,
    pub description: Option<String>,
    pub place: Option<String>,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// Places; `null`: no limit. Never below those enrolled.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>)]
    pub capacity: Option<Option<i32>>,
    pub enroll_from: Option<DateTime<FixedOffset>>,
    pub enroll_until: Option<DateTime<FixedOffset>>,
    /// An uploaded image (`POST /api/files`); `null`: no cover.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub cover_file_id: Option<Option<String>>,
    /// The whole form, in order (replaces the old one; after the first enrollment only additive changes).
    #[schema(value_type = Option<Vec<crate::openapi::schemas::FormFieldDoc>>)]
    pub form: Option<Vec<FormField>>,
    /// Seed 004's 讲座报名: students may see it, enroll and check in too (default `false`: staff only).
    pub open_to_students: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn add_problems(errors: &mut FieldErrors, problems: &[Problem]) {
    for (field, message) in problems {
        errors.add(field, message.clone());
    }
}

/// The field checks; the cover is looked up in `stored_files` (it must be an image).
async fn validate(state: &AppState, b: ActivityBody, creating: bool) -> ApiResult<ActivityFields> {
    let mut errors = FieldErrors::new();
    match &b.title {
        Some(t) => errors.text("title", t, MAX_TITLE),
        None => errors.check(creating, "title", "is required"),
    }
    errors.optional_text("description", b.description.as_deref(), MAX_DESCRIPTION);
    errors.optional_text("place", b.place.as_deref(), MAX_PLACE);
    for (field, value) in [("starts_at", b.starts_at), ("ends_at", b.ends_at), ("enroll_from", b.enroll_from), ("enroll_until", b.enroll_until)] {
        errors.check(creating && value.is_none(), field, "is required");
    }
    let capacity = b.capacity.flatten();
    errors.check(capacity.is_some_and(|c| !(1..=MAX_CAPACITY).contains(&c)), "capacity", "must be from 1 to 100000, or null for no limit");
    if let Some(form) = &b.form {
        add_problems(&mut errors, &form::check_design(form));
    }
    if let Some(Some(id)) = &b.cover_file_id {
        if !cover_is_image(state, id).await? {
            errors.add("cover_file_id", "must be the id of an uploaded image");
        }
    }
    errors.finish()?;
    let trim = |v: Option<String>| v.map(|s| s.trim().to_owned());
    let utc = |v: Option<DateTime<FixedOffset>>| v.map(|t| t.to_utc());
    let form = b.form.map(|fields| {
        fields
            .into_iter()
            .map(|f| FormField { label: f.label.trim().to_owned(), help: f.help.trim().to_owned(), options: f.options.iter().map(|o| o.trim().to_owned()).collect(), ..f })
            .collect()
    });
    Ok(ActivityFields {
        title: trim(b.title),
        description: trim(b.description),
        place: trim(b.place),
        starts_at: utc(b.starts_at),
        ends_at: utc(b.ends_at),
        capacity: b.capacity,
        enroll_from: utc(b.enroll_from),
        enroll_until: utc(b.enroll_until),
        cover_file_id: b.cover_file_id,
        form,
        open_to_students: b.open_to_students,
    })
}

async fn cover_is_image(state: &AppState, id: &str) -> ApiResult<bool> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Ok(false);
    }
    let mut conn = state.db.acquire().await?;
    Ok(StoredFile::find(&mut conn, id).await?.is_some_and(|f| f.content_type.starts_with("image/")))
}

fn refused(problems: &[Problem]) -> ApiError {
    let mut errors = FieldErrors::new();
    add_problems(&mut errors, problems);
    errors.finish().err().unwrap_or_else(|| ApiError::internal("a refusal without problems"))
}

/// Checks the fields (422 per field), then adds the activity. Its cover becomes public with it:
/// every user who may see the activity sees the cover (`/api/files/{id}`), not only the uploader.
pub async fn create_activity(state: &AppState, b: ActivityBody) -> ApiResult<Activity> {
    let fields = validate(state, b, true).await?;
    let mut tx = state.db.begin().await?;
    let created = activity::create(&mut tx, fields).await?.map_err(|p| refused(&p))?;
    publish_cover(&mut tx, &created).await?;
    tx.commit().await?;
    tracing::info!(activity.id = created.id, "activity created");
    Ok(created)
}

async fn publish_cover(conn: &mut sqlx::PgConnection, a: &Activity) -> sqlx::Result<()> {
    match &a.cover_file_id {
        Some(id) => StoredFile::publish(conn, id).await,
        None => Ok(()),
    }
}

/// Checks the fields sent, then changes them in one transaction with the checks that need the
/// stored activity (404 unknown activity, 422 per field).
pub async fn update_activity(state: &AppState, id: i64, b: ActivityBody) -> ApiResult<Activity> {
    let fields = validate(state, b, false).await?;
    let mut tx = state.db.begin().await?;
    match activity::update(&mut tx, id, fields).await? {
        Changed::Done(a) => {
            publish_cover(&mut tx, &a).await?;
            tx.commit().await?;
            Ok(*a)
        }
        Changed::NotFound => Err(ApiError::not_found("activity")),
        Changed::Refused(problems) => Err(refused(&problems)),
    }
}
