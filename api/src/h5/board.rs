//! The topic board (话题讨论) on H5: the topics with their number of posts, latest activity first,
//! and one topic's posts, newest first (hidden posts are not shown) — through `GET /school/topics`
//! and `GET /school/topics/{topic}/posts`'s handlers. Posts are written as `#话题 内容` messages
//! to the Official Account.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::list::ListQuery;
use super::paging::{pagination, Paged, Pager};
use super::student::as_page;
use super::{render, H5Result, H5User};
use crate::extract::ApiPath;
use crate::notice_shapes::short_time;
use crate::routes::follow::{topic_posts, topics};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Topic {
    topic: String,
    posts: i64,
    last_post_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Post {
    content: String,
    created_at: String,
}

impl Topic {
    fn href(&self) -> String {
        topic_path(&self.topic)
    }

    fn last_label(&self) -> String {
        short_time(&self.last_post_at)
    }
}

impl Post {
    fn time(&self) -> String {
        short_time(&self.created_at)
    }
}

/// The page of `topic` (percent-encoded: a path segment).
fn topic_path(topic: &str) -> String {
    let name: String = form_urlencoded::byte_serialize(topic.as_bytes()).collect();
    format!("/h5/school/topics/{}", name.replace('+', "%20"))
}

#[derive(Template)]
#[template(path = "h5/topics.html")]
struct TopicsPage {
    topics: Paged<Topic>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "h5/topic.html")]
struct TopicPage {
    topic: String,
    posts: Paged<Post>,
    pager: Pager,
}

/// `GET /h5/school/topics?page=`.
pub async fn topics_page(State(state): State<AppState>, user: H5User, Query(q): Query<ListQuery>) -> H5Result<Response> {
    let listed: Paged<Topic> = as_page(&topics(State(state), user.auth, pagination(q.page.as_deref())).await?.0)?;
    let pager = Pager::of(&listed, "/h5/school/topics", &[]);
    Ok(render(&TopicsPage { topics: listed, pager }))
}

/// `GET /h5/school/topics/{topic}?page=`.
pub async fn topic_page(State(state): State<AppState>, user: H5User, Path(topic): Path<String>, Query(q): Query<ListQuery>) -> H5Result<Response> {
    let answer = topic_posts(State(state), user.auth, ApiPath(topic.clone()), pagination(q.page.as_deref())).await?;
    let posts: Paged<Post> = as_page(&answer.0)?;
    let pager = Pager::of(&posts, &topic_path(&topic), &[]);
    Ok(render(&TopicPage { topic, posts, pager }))
}
