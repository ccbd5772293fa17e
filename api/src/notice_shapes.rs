//! Seed 004's JSON answers as the HTML pages read them (the H5 pages in `crate::h5`, the console's
//! notice pages): each page calls its JSON route's handler and reads the answer into these shapes,
//! so a page shows exactly what the JSON API answers.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// A JSON answer read as a page's shape.
pub fn read<T: Serialize, U: DeserializeOwned>(v: &T) -> Result<U, ApiError> {
    serde_json::to_value(v).and_then(serde_json::from_value).map_err(ApiError::internal)
}

/// An API timestamp (`2026-12-12T18:00:00+08:00`, the service zone) as `2026-12-12 18:00`.
pub fn short_time(ts: &str) -> String {
    ts.get(..16).unwrap_or(ts).replace('T', " ")
}

pub fn urgency_label(u: &str) -> &'static str {
    match u {
        "urgent" => "紧急",
        "important" => "重要",
        _ => "一般",
    }
}

/// `GET /school/notices/{id}` (the author's notice).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentNotice {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub category: String,
    pub urgency: String,
    pub require_confirm: bool,
    pub sent_at: String,
    pub has_vote: bool,
}

impl SentNotice {
    pub fn urgency_label(&self) -> &'static str {
        urgency_label(&self.urgency)
    }

    pub fn sent_label(&self) -> String {
        short_time(&self.sent_at)
    }
}

/// `GET /school/notices/{id}/stats`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub recipients: i64,
    pub wechat: i64,
    pub unbound: i64,
    pub muted: i64,
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
    pub read: i64,
    pub confirmed: i64,
    pub voted: i64,
    pub classes: Vec<ClassRow>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassRow {
    pub class_name: String,
    pub recipients: i64,
    pub read: i64,
    pub confirmed: i64,
}
