//! Schemas written for the document: the error envelope, the query parameters of pagination,
//! and the shapes of `yizhan-common` types the API sends or reads (`common` does not depend on
//! utoipa: its text enums get a string-enum schema from their `ALL` list, its structs a mirror
//! here whose fields a test compares with real answers).

#![allow(dead_code)] // Documentation shapes: described, never built.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

use crate::error::PeriodView;

/// Every error answer: one envelope, `{"error": {...}}`.
#[derive(ToSchema)]
#[schema(example = json!({"error": {"code": "room_taken", "message": "the room is reserved for part of that time",
    "conflict": {"reserve_from": "2026-12-04T09:00:00+08:00", "reserve_to": "2026-12-04T10:00:00+08:00"}}}))]
pub struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code: `validation_failed`, `not_found`, `forbidden`,
    /// `rate_limited`, or the domain's (`schedule_full`, `room_taken`, …).
    #[schema(example = "validation_failed")]
    code: String,
    /// For people; may change.
    message: String,
    /// 422 `validation_failed` only: a message per field, keyed by the field's name as sent.
    #[schema(value_type = BTreeMap<String, String>, required = false)]
    fields: Option<BTreeMap<String, String>>,
    /// 409 `room_taken` only: the period the request lost to.
    #[schema(value_type = PeriodView, required = false)]
    conflict: Option<PeriodView>,
}

/// `?page=&pageSize=` (also `page_size`): 20 per page by default, at most 100.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page (also `page_size`).
    #[param(minimum = 1, maximum = 100, default = 20)]
    page_size: Option<u32>,
}

/// Seed 002's `?page=` (20 per page; `page_size` up to 100 is also read).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrfPageQuery {
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    page: Option<u32>,
    /// Items per page (also `pageSize`).
    #[param(minimum = 1, maximum = 100, default = 20)]
    page_size: Option<u32>,
}

/// Seed 001's optional subscribe fields (what the Mini Program's `wx.requestSubscribeMessage`
/// and `wx.login()` answered), accepted by each of its write routes and read leniently: a value
/// that cannot be used is ignored, never an error.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeFields {
    /// A fresh `wx.login()` code, exchanged later for the openid the messages go to.
    #[schema(value_type = Option<String>, example = "0a3Xyz000abc")]
    wx_code: Option<Value>,
    /// `wx.requestSubscribeMessage`'s answer: template id → `accept` / `reject` / `ban`.
    #[schema(value_type = Option<Object>, example = json!({"TEMPLATE_ID": "accept"}))]
    subscribe_auth_result: Option<Value>,
    /// Where the user was asked (free text, kept with the decisions).
    #[schema(value_type = Option<String>)]
    subscribe_scene: Option<Value>,
}

/// A queue's counts (`GET /admin/queues`).
#[derive(ToSchema)]
#[schema(as = QueueStats)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatsDoc {
    #[schema(schema_with = queue_name)]
    queue: String,
    pending: u64,
    scheduled: u64,
    running: u64,
    done: u64,
    dead: u64,
    /// Milliseconds since the oldest pending job was queued (0 when none).
    oldest_pending_age_ms: u64,
}

/// A job that used up its attempts, with its last error.
#[derive(ToSchema)]
#[schema(as = DeadJob)]
#[serde(rename_all = "camelCase")]
pub struct DeadJobDoc {
    id: String,
    kind: String,
    payload: Value,
    attempts: u32,
    redeliveries: u32,
    last_error: String,
    died_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn text_enum<'a>(values: impl IntoIterator<Item = &'a str>, nullable: bool) -> Object {
    let mut values: Vec<Value> = values.into_iter().map(Value::from).collect();
    let kind = if nullable {
        values.push(Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(kind).enum_values(Some(values)).build()
}

/// `schema_with` functions for `yizhan-common`'s text enums (their `ALL` lists).
macro_rules! text_enums {
    ($($name:ident => $ty:ty),* $(,)?) => {$(
        pub fn $name() -> Object {
            text_enum(<$ty>::ALL.iter().map(|v| v.as_str()), false)
        }
    )*};
}

text_enums! {
    appointment_status => yizhan_common::hospital::AppointmentStatus,
    payment_status => yizhan_common::hospital::PaymentStatus,
    waitlist_status => yizhan_common::hospital::WaitlistStatus,
    follower_source => yizhan_common::follow::followers::Source,
    follower_status => yizhan_common::follow::followers::FollowerStatus,
    repair_status => yizhan_common::college::repairs::RepairStatus,
    reservation_status => yizhan_common::college::reservations::ReservationStatus,
    request_status => yizhan_common::college::reservations::RequestStatus,
    field_kind => yizhan_common::college::activities::form::FieldKind,
}

/// One field of an activity's enrollment form (`yizhan-common`'s `FormField`): answers are
/// stored under `id`, which stays the same when the label changes.
#[derive(ToSchema)]
#[schema(as = FormField, example = json!({"id": "days", "kind": "multiple_choice", "label": "参加哪几天", "help": "",
    "required": true, "min": 1, "max": 2, "options": ["周六", "周日"]}))]
pub struct FormFieldDoc {
    /// 1–64 of `A-Z a-z 0-9 _ -`.
    id: String,
    #[schema(schema_with = field_kind)]
    kind: String,
    label: String,
    #[schema(required = false)]
    help: String,
    #[schema(required = false)]
    required: bool,
    /// `number`: the smallest value; `multiple_choice`: the fewest picks.
    #[schema(required = false)]
    min: Option<f64>,
    /// `number`: the largest value; `multiple_choice`: the most picks.
    #[schema(required = false)]
    max: Option<f64>,
    /// The choices of `single_choice` and `multiple_choice`, in order.
    #[schema(required = false)]
    options: Vec<String>,
}

/// A refused request's reason, `null` until refused.
pub fn refusal_or_null() -> Object {
    text_enum(yizhan_common::college::reservations::Refusal::ALL.iter().map(|v| v.as_str()), true)
}

pub fn queue_name() -> Object {
    text_enum(yizhan_common::jobs::QueueName::ALL.iter().map(|q| q.as_str()), false)
}
