//! Response shapes of seed 000's routes, each a `Serialize` struct whose fields are in the order
//! of their JSON names (the order the `json!` maps had), so the bytes on the wire are unchanged.

use serde::Serialize;
use yizhan_common::follow::followers::{FollowerStatus, Source};

/// `{"success": …}`, the seed's `result` object.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub success: bool,
}

/// `POST|GET …/qrcode`: the code when it is ready, else where to poll for it (202).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum QrCodeAnswer {
    #[serde(rename_all = "camelCase")]
    Ready { qrcode_url: Option<String>, result: Outcome },
    Pending { poll: String, result: Outcome, status: &'static str },
}

/// One department of `GET …/qrcode-list`; `qrcodeUrl` is `null` until its code is ready.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentCodeView {
    pub id: i64,
    pub name: String,
    pub qrcode_url: Option<String>,
}

/// `GET …/qrcode-list` (seed 000 §3): `page`/`pageSize` only when the query asked for a page.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QrCodeList {
    pub count: i64,
    pub department: Vec<DepartmentCodeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    pub result: Outcome,
}

/// `PATCH /admin/departments/{id}`: the department's welcome settings after the change.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentSettings {
    pub id: i64,
    pub name: String,
    pub page_url: Option<String>,
    pub welcome_text: Option<String>,
}

/// A follower of a department's code; times in the service zone.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowerView {
    pub followed_at: String,
    pub openid: String,
    pub source: Source,
    pub status: FollowerStatus,
    pub unfollowed_at: Option<String>,
}

/// A keyword auto-reply rule.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeywordRuleView {
    pub id: i64,
    pub match_kind: String,
    pub pattern: String,
    pub priority: i32,
    pub reply_text: String,
    pub reply_url: Option<String>,
}
