//! What a notice carries besides its text, as the compose body gives it and the pages show it:
//! an optional vote (`vote: {options, maxChoices?, deadline}`) and attachments (`attachments:
//! [{fileId, name?}]`, files the author uploaded with `POST /api/files`). Checked with the rest of
//! the notice (422 naming `vote.options`, `attachments[2].fileId`…), saved in the transaction that
//! sends it.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use yizhan_common::notices::attachments::{self, Attachment, MAX_ATTACHMENTS, MAX_NAME_CHARS, MAX_TOTAL_BYTES};
use yizhan_common::notices::votes::{self, NewVote, Vote, MAX_OPTIONS, MAX_OPTION_CHARS, MIN_OPTIONS};
use yizhan_common::storage::FileKind;
use yizhan_common::time::serialize_local;

use crate::college_admin::guides::filename;
use crate::error::FieldErrors;

/// A vote to attach to a notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"options": ["周三下午", "周四下午", "周五上午"], "maxChoices": 2, "deadline": "2026-12-12T18:00:00+08:00"}))]
pub struct VoteBody {
    /// 2–20 options, each 1–50 characters, all different.
    options: Vec<String>,
    /// 1 (the default): single choice; more: up to that many options.
    max_choices: Option<i32>,
    /// When voting ends (in the future, at most a year ahead); ballots after it are 409.
    deadline: DateTime<FixedOffset>,
}

/// A file to attach.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"fileId": "0123456789abcdef0123456789abcdef", "name": "申请表.pdf"}))]
pub struct AttachmentBody {
    /// A file the author uploaded (`POST /api/files`).
    file_id: String,
    /// The name it downloads as (folders and control characters dropped, the real type's
    /// extension kept); default `附件<n>`.
    name: Option<String>,
}

/// The checked content, to save with the notice.
#[derive(Debug, Default)]
pub struct Content {
    vote: Option<NewVote>,
    files: Vec<(String, String)>,
}

/// Checks the vote and the attachments, adding what is wrong to `errors`.
pub async fn check(
    conn: &mut PgConnection,
    author_id: i64,
    vote: Option<VoteBody>,
    files: Option<Vec<AttachmentBody>>,
    now: DateTime<Utc>,
    errors: &mut FieldErrors,
) -> sqlx::Result<Content> {
    let vote = vote.and_then(|v| check_vote(v, now, errors));
    let files = check_files(conn, author_id, files.unwrap_or_default(), errors).await?;
    Ok(Content { vote, files })
}

fn check_vote(v: VoteBody, now: DateTime<Utc>, errors: &mut FieldErrors) -> Option<NewVote> {
    let options: Vec<String> = v.options.iter().map(|o| o.trim().to_owned()).collect();
    let before = errors.len();
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len()) {
        errors.add("vote.options", format!("must hold {MIN_OPTIONS}–{MAX_OPTIONS} options"));
    }
    for (i, o) in options.iter().enumerate() {
        errors.text(&format!("vote.options[{i}]"), o, MAX_OPTION_CHARS);
        errors.check(options[..i].contains(o), &format!("vote.options[{i}]"), "repeats an earlier option");
    }
    let max_choices = v.max_choices.unwrap_or(1);
    errors.check(max_choices < 1 || usize::try_from(max_choices).unwrap_or(0) > options.len(), "vote.maxChoices", "must be between 1 and the number of options");
    let deadline = v.deadline.with_timezone(&Utc);
    errors.check(deadline <= now || deadline > now + chrono::Duration::days(366), "vote.deadline", "must be in the future, at most a year ahead");
    (errors.len() == before).then_some(NewVote { options, max_choices, deadline })
}

async fn check_files(conn: &mut PgConnection, author_id: i64, files: Vec<AttachmentBody>, errors: &mut FieldErrors) -> sqlx::Result<Vec<(String, String)>> {
    if files.len() > MAX_ATTACHMENTS {
        errors.add("attachments", format!("must be at most {MAX_ATTACHMENTS} files"));
        return Ok(Vec::new());
    }
    let ids: Vec<String> = files.iter().map(|f| f.file_id.clone()).collect();
    let owned = attachments::owned_files(conn, author_id, &ids).await?;
    let mut out = Vec::with_capacity(files.len());
    let mut total = 0;
    for (i, f) in files.into_iter().enumerate() {
        let Some(file) = owned.iter().find(|o| o.id == f.file_id) else {
            errors.add(&format!("attachments[{i}].fileId"), "must be a file you uploaded (POST /api/files)");
            continue;
        };
        if ids[..i].contains(&f.file_id) {
            errors.add(&format!("attachments[{i}].fileId"), "is attached twice");
            continue;
        }
        total += file.size;
        let given = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if given.is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
            errors.add(&format!("attachments[{i}].name"), format!("must be at most {MAX_NAME_CHARS} characters"));
            continue;
        }
        let name = match FileKind::from_mime(&file.content_type) {
            Some(kind) => filename(given, &format!("附件{}", i + 1), kind),
            None => given.unwrap_or("附件").to_owned(),
        };
        out.push((f.file_id, name));
    }
    errors.check(total > MAX_TOTAL_BYTES, "attachments", &format!("must be at most {} MiB together", MAX_TOTAL_BYTES / 1024 / 1024));
    Ok(out)
}

/// Saves the content of the notice just sent (same transaction).
pub async fn save(conn: &mut PgConnection, notice_id: i64, c: &Content) -> sqlx::Result<()> {
    if let Some(v) = &c.vote {
        votes::save(conn, notice_id, v).await?;
    }
    if !c.files.is_empty() {
        attachments::save(conn, notice_id, &c.files).await?;
    }
    Ok(())
}

/// An attachment as the notice lists it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"fileId": "0123456789abcdef0123456789abcdef", "name": "申请表.pdf", "contentType": "application/pdf", "size": 48213,
    "url": "/school/notices/12/attachments/0123456789abcdef0123456789abcdef"}))]
pub struct AttachmentView {
    pub file_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Where its recipients and its author download it.
    pub url: String,
}

impl AttachmentView {
    pub fn of(notice_id: i64, a: Attachment) -> Self {
        let url = format!("/school/notices/{notice_id}/attachments/{}", a.file_id);
        Self { file_id: a.file_id, name: a.name, content_type: a.content_type, size: a.size, url }
    }
}

pub async fn attachment_views(conn: &mut PgConnection, notice_id: i64) -> sqlx::Result<Vec<AttachmentView>> {
    Ok(attachments::of_notice(conn, notice_id).await?.into_iter().map(|a| AttachmentView::of(notice_id, a)).collect())
}

/// A notice's vote as a recipient sees it (with their own ballot).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"options": ["周三下午", "周四下午"], "maxChoices": 1, "deadline": "2026-12-12T18:00:00+08:00", "closed": false, "myChoices": [1]}))]
pub struct VoteView {
    pub options: Vec<String>,
    /// 1: single choice.
    pub max_choices: i32,
    #[serde(serialize_with = "serialize_local")]
    pub deadline: DateTime<Utc>,
    /// The deadline has passed: no more ballots.
    pub closed: bool,
    /// The caller's ballot (positions in `options`); empty before they vote.
    pub my_choices: Vec<i16>,
}

impl VoteView {
    pub fn of(v: Vote, mine: Option<Vec<i16>>) -> Self {
        Self { options: v.options, max_choices: v.max_choices, deadline: v.deadline, closed: v.closed, my_choices: mine.unwrap_or_default() }
    }
}
