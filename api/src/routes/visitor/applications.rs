//! Seed 003 §3 `POST /v1/subject`: a visit application. The caller is the proposer (their bound
//! phone); the optional `proposer` must be that phone. The host applying (caller's phone = host
//! phone, a staff member Koala confirmed) → authorized at once; the visitor applying (caller's
//! phone = visitor phone) → pending. Stored here only; the notices (and, once authorized, the
//! Koala registrations) are jobs planned in the same transaction.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::sms::normalize_mainland_mobile;
use yizhan_common::visitor::{applications, plan, staff, Applicant, NewApplication, Person};

use super::caller::{bound_phone, own_phone_param};
use super::views::ApplicationView;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, AuthUser};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

/// How early a window may start (a form filled a few minutes before the visit).
const START_GRACE_MINUTES: i64 = 10;

#[derive(Deserialize, ToSchema)]
#[schema(as = VisitPersonBody)]
pub struct PersonBody {
    name: String,
    phone: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"visitor": {"name": "李四", "phone": "13900000002"}, "companions": [{"name": "赵六", "phone": "13900000003"}],
    "hostPhone": "13800000001", "purpose": "面试", "visitFrom": "2026-12-08T09:00:00+08:00", "visitTo": "2026-12-08T11:00:00+08:00", "note": "带笔记本"}))]
pub struct ApplicationBody {
    visitor: PersonBody,
    #[serde(default)]
    companions: Vec<PersonBody>,
    host_phone: String,
    /// One of `GET /v1/subject/purpose`'s names.
    purpose: String,
    visit_from: DateTime<FixedOffset>,
    visit_to: DateTime<FixedOffset>,
    #[serde(default)]
    note: Option<String>,
    /// The seed's 申请人手机号: optional, and only your own bound phone.
    #[serde(default)]
    proposer: Option<String>,
}

#[utoipa::path(post, path = "/v1/subject", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), request_body = ApplicationBody,
    responses((status = 201, description = "The application: `authorized` when the host applied, else `pending`", body = ApplicationView),
        (status = 409, description = "`not_bound`: no phone bound yet", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: `proposer` is not your phone, you are neither the host nor the visitor, or you apply as host without being confirmed staff", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: more than `VISIT_APPLICATIONS_PER_HOUR` applications this hour", body = ErrorEnvelope),
        (status = 502, description = "`koala_unavailable` (the purposes could not be read)", body = ErrorEnvelope)))]
/// 访客申请（员工或访客）.
pub async fn create(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<ApplicationBody>) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    let mut conn = state.db.acquire().await?;
    let me = bound_phone(&mut conn, auth.user.id).await?;
    own_phone_param(b.proposer.as_deref(), "proposer", &me)?;
    let new = validate(&state, &b, auth.user.id, &me)?;
    let applicant = if new.host_phone == me {
        if staff::of_user(&mut conn, auth.user.id).await?.is_none() {
            return Err(ApiError::forbidden("only staff confirmed by Koala (POST /v1/subject/binding) apply as host"));
        }
        Applicant::Host
    } else if new.visitor.phone == me {
        Applicant::Visitor
    } else {
        return Err(ApiError::forbidden("you must be the host or the visitor of the application"));
    };
    drop(conn);
    let koala = state.koala()?;
    let purposes = koala.waiting(|k| async move { k.purposes().await }).await?;
    if !purposes.iter().any(|p| p.name == new.purpose) {
        return Err(ApiError::field("purpose", "must be one of GET /v1/subject/purpose"));
    }
    // Each application messages people by number: a proposer sends only so many an hour.
    super::limits::take_application(&state, auth.user.id).await?;
    let new = NewApplication { applicant, ..new };
    let mut tx = state.db.begin().await?;
    let id = applications::insert(&mut tx, &new).await?;
    let app = applications::find_for_update(&mut tx, id).await?.ok_or_else(|| ApiError::internal("the application just written is gone"))?;
    let mut jobs = Enqueued::default();
    jobs.add(plan::plan_created(&mut tx, state.visit_channels(), &app).await?);
    jobs.commit(tx, &state).await?;
    tracing::info!(visit.id = id, visit.applicant = %applicant, visit.companions = app.companions.len(), "visit application");
    Ok((StatusCode::CREATED, Json((&app).into())))
}

/// Every field checked at once (422 naming each bad one); phones normalised.
fn validate(state: &AppState, b: &ApplicationBody, proposer_id: i64, me: &str) -> ApiResult<NewApplication> {
    let cfg = &state.config.visitors;
    let mut errors = FieldErrors::new();
    let person = |field: &str, p: &PersonBody, errors: &mut FieldErrors| -> Person {
        errors.text(&format!("{field}.name"), &p.name, 50);
        let phone = normalize_mainland_mobile(&p.phone);
        errors.check(phone.is_none(), &format!("{field}.phone"), "must be a mainland China mobile number");
        Person { name: p.name.trim().to_owned(), phone: phone.unwrap_or_default() }
    };
    let visitor = person("visitor", &b.visitor, &mut errors);
    let companions: Vec<Person> = b.companions.iter().enumerate().map(|(i, c)| person(&format!("companions[{i}]"), c, &mut errors)).collect();
    if companions.len() > cfg.max_companions {
        errors.add("companions", format!("at most {} companions", cfg.max_companions));
    }
    let mut seen = HashSet::from([visitor.phone.clone()]);
    for (i, c) in companions.iter().enumerate() {
        if !c.phone.is_empty() && !seen.insert(c.phone.clone()) {
            errors.add(&format!("companions[{i}].phone"), "each person needs their own phone");
        }
    }
    let host_phone = normalize_mainland_mobile(&b.host_phone);
    errors.check(host_phone.is_none(), "hostPhone", "must be a mainland China mobile number");
    let host_phone = host_phone.unwrap_or_default();
    errors.check(!host_phone.is_empty() && seen.contains(&host_phone), "hostPhone", "the host cannot be a visitor of the same application");
    errors.text("purpose", &b.purpose, 50);
    errors.optional_text("note", b.note.as_deref(), 500);
    let (from, to) = (b.visit_from.with_timezone(&Utc), b.visit_to.with_timezone(&Utc));
    let now = state.now();
    if to <= from {
        errors.add("visitTo", "must be after visitFrom");
    } else if to - from > chrono::Duration::from_std(cfg.max_window).unwrap_or(chrono::Duration::MAX) {
        errors.add("visitTo", format!("the visit may last at most {} hours", cfg.max_window.as_secs() / 3600));
    }
    if from < now - chrono::Duration::minutes(START_GRACE_MINUTES) {
        errors.add("visitFrom", "must not be in the past");
    }
    errors.finish()?;
    Ok(NewApplication {
        proposer_id,
        proposer_phone: me.to_owned(),
        applicant: Applicant::Visitor,
        visitor,
        companions,
        host_phone,
        purpose: b.purpose.trim().to_owned(),
        visit_from: from,
        visit_to: to,
        note: b.note.as_deref().unwrap_or_default().trim().to_owned(),
    })
}
