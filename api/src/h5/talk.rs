//! Under a notice on its H5 page: the public comments (oldest first, ten a page; hidden ones are
//! not shown) with the form to post one, and the student's private thread with the counselor
//! (ask a question, read the answers) — through `…/comments` and `…/thread`'s handlers, so the
//! same length limits and hourly limits hold; a refusal is said in Chinese above the form, the
//! text kept in it.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use yizhan_common::notices::comments::{COMMENTS_PER_HOUR, MAX_COMMENT_CHARS};
use yizhan_common::notices::replies::{MAX_REPLY_CHARS, REPLIES_PER_HOUR};

use super::paging::{pagination, Paged, Pager};
use super::student::{as_page, body, not_bound, show_notice, Shown};
use super::{check_csrf, H5Result, H5User};
use crate::console::form::Fields;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::notice_shapes::short_time;
use crate::routes::notices::for_pages as api;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub from_student: bool,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
struct Thread {
    messages: Vec<Reply>,
}

impl Comment {
    pub fn time(&self) -> String {
        short_time(&self.created_at)
    }

    pub fn anchor(&self) -> String {
        format!("c{}", self.id)
    }
}

impl Reply {
    pub fn time(&self) -> String {
        short_time(&self.created_at)
    }

    pub fn who(&self) -> &str {
        if self.from_student {
            "我"
        } else {
            &self.author_name
        }
    }
}

/// What the notice page shows under the notice.
#[derive(Debug)]
pub struct Talk {
    pub comments: Paged<Comment>,
    pub pager: Pager,
    pub thread: Vec<Reply>,
}

/// The comments' page `page` and the caller's thread on notice `id`.
pub async fn talk_of(state: &AppState, user: &H5User, id: i64, page: Option<&str>) -> H5Result<Talk> {
    let listed = api::comments(State(state.clone()), user.auth.clone(), ApiPath(id), pagination(page)).await.map_err(not_bound)?;
    let comments: Paged<Comment> = as_page(&listed.0)?;
    let thread: Thread = as_page(&api::thread(State(state.clone()), user.auth.clone(), ApiPath(id)).await.map_err(not_bound)?.0)?;
    let pager = Pager::of(&comments, &format!("/h5/school/notices/{id}"), &[]);
    Ok(Talk { comments, pager, thread: thread.messages })
}

/// A refusal of a comment or a question, in Chinese (`None`: not the writer's to fix).
fn refused(err: &ApiError, what: &str, max: usize, per_hour: i64) -> Option<String> {
    match err.code() {
        "validation_failed" => Some(format!("未发送：{what}需 1–{max} 字。")),
        "rate_limited" => Some(format!("未发送：每小时最多 {per_hour} 条{what}，请稍后再试。")),
        _ => None,
    }
}

/// What a form under the notice writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writing {
    Comment,
    Question,
}

/// `POST /h5/school/notices/{id}/comments` (`body`).
pub async fn comment(State(state): State<AppState>, user: H5User, Path(id): Path<i64>, form: axum::body::Bytes) -> H5Result<Response> {
    write(state, user, id, &form, Writing::Comment).await
}

/// `POST /h5/school/notices/{id}/thread` (`body`): a question to the counselor.
pub async fn ask(State(state): State<AppState>, user: H5User, Path(id): Path<i64>, form: axum::body::Bytes) -> H5Result<Response> {
    write(state, user, id, &form, Writing::Question).await
}

/// Writes the form's `body` through the JSON handler, then shows the notice with the outcome.
async fn write(state: AppState, user: H5User, id: i64, form: &[u8], what: Writing) -> H5Result<Response> {
    let form = Fields::parse(form);
    check_csrf(&user, &form)?;
    let text = form.raw("body");
    let req = body(json!({"body": text}))?;
    let (done, label, max, per_hour) = match what {
        Writing::Comment => ("评论已发表", "评论", MAX_COMMENT_CHARS, COMMENTS_PER_HOUR),
        Writing::Question => ("已发送给辅导员，回复会通过公众号通知你", "提问", MAX_REPLY_CHARS, REPLIES_PER_HOUR),
    };
    let (state_, auth) = (State(state.clone()), user.auth.clone());
    let written = match what {
        Writing::Comment => api::comment(state_, auth, ApiPath(id), ApiJson(req)).await.map(drop),
        Writing::Question => api::ask(state_, auth, ApiPath(id), ApiJson(req)).await.map(drop),
    };
    let shown = match written {
        Ok(()) => Shown::flash(done),
        Err(err) => match refused(&err, label, max, per_hour) {
            Some(problem) if what == Writing::Comment => Shown::problem(problem).with_comment(text),
            Some(problem) => Shown::problem(problem).with_question(text),
            None => return Err(not_bound(err)),
        },
    };
    show_notice(&state, user, id, shown).await
}
