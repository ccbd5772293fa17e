//! Response shapes of seed 000's routes, each a `Serialize` struct whose fields are in the order
//! of their JSON names (the order the `json!` maps had), so the bytes on the wire are unchanged.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use yizhan_common::time::serialize_local;

use crate::follow_admin::ArticleBody;
use yizhan_common::follow::followers::{FollowerStatus, Source};

/// `{"success": …}`, the seed's `result` object.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    pub success: bool,
}

/// `POST|GET …/qrcode`: the code when it is ready, else where to poll for it (202).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum QrCodeAnswer {
    #[serde(rename_all = "camelCase")]
    Ready { qrcode_url: Option<String>, result: Outcome },
    Pending {
        poll: String,
        result: Outcome,
        #[schema(value_type = String, example = "pending")]
        status: &'static str,
    },
}

/// One department of `GET …/qrcode-list`; `qrcodeUrl` is `null` until its code is ready.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentCodeView {
    pub id: i64,
    pub name: String,
    pub qrcode_url: Option<String>,
}

/// `GET …/qrcode-list` (seed 000 §3): `page`/`pageSize` only when the query asked for a page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QrCodeList {
    pub count: i64,
    pub department: Vec<DepartmentCodeView>,
    /// Only when the query asked for a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = u32, required = false)]
    pub page: Option<u32>,
    /// Only when the query asked for a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = u32, required = false)]
    pub page_size: Option<u32>,
    pub result: Outcome,
}

/// `PATCH /admin/departments/{id}`: the department's welcome settings after the change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentSettings {
    pub id: i64,
    pub name: String,
    pub page_url: Option<String>,
    pub welcome_text: Option<String>,
}

/// A follower of a department's code; times in the service zone.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowerView {
    #[schema(format = DateTime)]
    pub followed_at: String,
    pub openid: String,
    #[schema(schema_with = crate::openapi::schemas::follower_source)]
    pub source: Source,
    #[schema(schema_with = crate::openapi::schemas::follower_status)]
    pub status: FollowerStatus,
    #[schema(format = DateTime)]
    pub unfollowed_at: Option<String>,
}

/// A keyword auto-reply rule.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeywordRuleView {
    pub id: i64,
    pub match_kind: String,
    pub pattern: String,
    pub priority: i32,
    pub reply_text: String,
    pub reply_url: Option<String>,
    /// Present when the rule answers news (图文).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_articles: Option<Vec<ArticleBody>>,
}

/// A topic of the board.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"topic": "食堂", "posts": 12, "lastPostAt": "2026-12-05T11:10:00+08:00"}))]
pub struct TopicView {
    pub topic: String,
    pub posts: i64,
    #[serde(serialize_with = "serialize_local")]
    pub last_post_at: DateTime<Utc>,
}

/// A post of the board (its author is not shown).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 41, "topic": "食堂", "content": "二楼的面很好吃", "createdAt": "2026-12-05T11:10:00+08:00"}))]
pub struct TopicPostView {
    pub id: i64,
    pub topic: String,
    pub content: String,
    #[serde(serialize_with = "serialize_local")]
    pub created_at: DateTime<Utc>,
}
