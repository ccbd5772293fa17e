//! What seed 003's routes answer (camelCase, like the seed's other H5 contracts).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::time::{serialize_local, serialize_local_opt};
use yizhan_common::visitor::{Application, Person};

/// A WeChat binding: `{"bound": false}` when no phone is bound, else the phone with the
/// WeChat nickname and avatar (the stored copy once it is stored).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"bound": true, "phone": "13800000001", "nickname": "小王", "avatar": "/api/files/5f0c…"}))]
pub struct BindingView {
    pub bound: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// A staff member's binding (`GET|POST /v1/subject/binding`): Koala's staff id, name,
/// department and avatar (the stored copy once stored, Koala's URL until then).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"bound": true, "phone": "13800000001", "staffId": 12, "name": "王工", "department": "研发部", "avatar": "/api/files/5f0c…"}))]
pub struct StaffView {
    pub bound: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

impl StaffView {
    pub fn unbound() -> Self {
        Self { bound: false, phone: None, staff_id: None, name: None, department: None, avatar: None }
    }
}

/// A person of an application.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = VisitPerson)]
pub struct PersonView {
    pub name: String,
    pub phone: String,
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        Self { name: p.name.clone(), phone: p.phone.clone() }
    }
}

/// A visit application, as every seed 003 route answers it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    pub id: i64,
    /// `pending` (未授权), `authorized` (已授权) or `refused`.
    #[schema(example = "pending")]
    pub status: String,
    /// Who applied: `host` or `visitor`.
    #[schema(example = "visitor")]
    pub applicant: String,
    /// The proposer's phone (申请人).
    pub proposer: String,
    pub visitor: PersonView,
    pub companions: Vec<PersonView>,
    pub host_phone: String,
    pub purpose: String,
    #[serde(serialize_with = "serialize_local")]
    pub visit_from: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local")]
    pub visit_to: DateTime<Utc>,
    pub note: String,
    pub refusal_reason: Option<String>,
    #[serde(serialize_with = "serialize_local_opt")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "serialize_local")]
    pub created_at: DateTime<Utc>,
}

impl From<&Application> for ApplicationView {
    fn from(a: &Application) -> Self {
        Self {
            id: a.id,
            status: a.status.as_str().to_owned(),
            applicant: a.applicant.as_str().to_owned(),
            proposer: a.proposer_phone.clone(),
            visitor: (&a.visitor).into(),
            companions: a.companions.iter().map(PersonView::from).collect(),
            host_phone: a.host_phone.clone(),
            purpose: a.purpose.clone(),
            visit_from: a.visit_from,
            visit_to: a.visit_to,
            note: a.note.clone(),
            refusal_reason: a.refusal_reason.clone(),
            decided_at: a.decided_at,
            created_at: a.created_at,
        }
    }
}
