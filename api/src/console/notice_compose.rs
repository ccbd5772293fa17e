//! Composing and sending a seed 004 notice from the console (admins, counselors): title, body
//! (rich text, sanitized by the API), category, urgency, the audience (everyone the author sees,
//! classes, groups, a grade/major/class filter, or chosen students by number), the confirmation
//! flag and an optional vote. The form becomes `POST /school/notices`'s body and goes through its
//! handler, which checks everything before it writes anything and sends in the same transaction;
//! a refused form comes back with each message under its part (422), nothing written.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use yizhan_common::notices::categories::{self, Category};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::reservations::local_input;
use super::school::{as_page, body, caller, id_field};
use super::session::Signed;
use super::students::{class_choices, student_by_no, ClassChoice, Found};
use super::PageError;
use crate::extract::{ApiJson, ApiQuery, Authorized, Pagination};
use crate::routes::notices::for_pages::{self as api, SchoolStaff};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct GroupChoice {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "console/notice_form.html")]
struct ComposePage {
    layout: Layout,
    categories: Vec<Category>,
    classes: Vec<ClassChoice>,
    groups: Vec<GroupChoice>,
    form: Fields,
    errors: FieldMessages,
}

impl ComposePage {
    fn ticked(&self, name: &str, id: &i64) -> bool {
        self.form.all(name).contains(&id.to_string())
    }

    fn is(&self, name: &str, value: &str) -> bool {
        self.form.text(name) == value
    }

    /// The messages of the audience or the vote, each after the part it names.
    fn messages(&self, prefix: &str) -> Vec<String> {
        self.errors.under(prefix).into_iter().map(|(field, message)| format!("{}{message}", part_label(field))).collect()
    }

    fn category_selected(&self, id: &i64) -> bool {
        self.form.text("categoryId") == id.to_string()
    }
}

async fn page(state: &AppState, me: &Signed<SchoolStaff>, form: Fields, errors: FieldMessages) -> Result<ComposePage, PageError> {
    let who: Authorized<SchoolStaff> = caller(me)?;
    let classes = class_choices(state, &who).await?;
    let q = body(json!({}))?;
    let found: Found<GroupChoice> = as_page(&api::people::groups(State(state.clone()), who, ApiQuery(q), Pagination { page: 1, page_size: 100 }).await?.0)?;
    let mut conn = state.db.acquire().await?;
    let categories = categories::list(&mut conn).await?;
    drop(conn);
    let layout = Layout::new(state, &me.session, "notices", "发通知").await?;
    Ok(ComposePage { layout, categories, classes, groups: found.results, form, errors })
}

/// The part of the audience or the vote a message names, as the form calls it.
fn part_label(field: &str) -> String {
    match field {
        "audience.classIds" => "班级：".into(),
        "audience.groupIds" => "分组：".into(),
        "audience.studentIds" => "学生：".into(),
        "vote.options" => "选项：".into(),
        "vote.maxChoices" => "最多选几项：".into(),
        "vote.deadline" => "截止时间：".into(),
        f => match f.strip_prefix("vote.options[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => format!("第 {} 个选项：", n + 1),
            None => String::new(),
        },
    }
}

/// `GET /admin/console/notices/new`.
pub async fn form(State(state): State<AppState>, me: Signed<SchoolStaff>) -> Result<Response, PageError> {
    let form = Fields::from_pairs([("urgency", "normal".to_owned()), ("audience", "classes".to_owned()), ("maxChoices", "1".to_owned())]);
    Ok(html(&page(&state, &me, form, FieldMessages::default()).await?))
}

/// The ids of the ticked boxes named `name`.
fn ids(f: &Fields, name: &str) -> Vec<i64> {
    f.all(name).iter().map(|v| id_field(v)).collect()
}

/// The audience part of the body; student numbers are looked up among the caller's students
/// (an unknown one is a message on `audience.studentIds`).
async fn audience(state: &AppState, who: &Authorized<SchoolStaff>, f: &Fields, errors: &mut FieldMessages) -> Result<Value, PageError> {
    Ok(match f.text("audience").as_str() {
        "everyone" => json!({"kind": "everyone"}),
        "groups" => json!({"kind": "groups", "groupIds": ids(f, "groupIds")}),
        "filter" => {
            let class_id = f.optional("filterClassId").map(|c| id_field(&c));
            json!({"kind": "filter", "grade": f.optional("grade"), "major": f.optional("major"), "classId": class_id})
        }
        "students" => {
            let numbers: Vec<String> = f.text("studentNos").split(|c: char| c == ',' || c == '，' || c.is_whitespace()).filter(|n| !n.is_empty()).map(str::to_owned).collect();
            let mut found = Vec::new();
            let mut unknown = Vec::new();
            for no in numbers.iter().take(200) {
                match student_by_no(state, who, no).await? {
                    Some(id) => found.push(id),
                    None => unknown.push(no.as_str()),
                }
            }
            if numbers.len() > 200 {
                errors.add("audience.studentIds", "最多 200 个学号");
            } else if !unknown.is_empty() {
                errors.add("audience.studentIds", format!("你负责的学生中没有这些学号：{}", unknown.join("、")));
            }
            json!({"kind": "students", "studentIds": found})
        }
        _ => json!({"kind": "classes", "classIds": ids(f, "classIds")}),
    })
}

/// The optional vote: options one per line, at most this many choices, a deadline
/// (`datetime-local` in the service zone).
fn vote(f: &Fields, errors: &mut FieldMessages) -> Value {
    let raw = f.raw("voteOptions");
    let options: Vec<&str> = raw.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if options.is_empty() {
        return Value::Null;
    }
    let deadline = local_input(&f.text("voteDeadline"));
    if deadline.is_none() {
        errors.add("vote.deadline", "须为日期时间，如 2027-03-01 09:00");
    }
    let max: i64 = f.text("maxChoices").parse().unwrap_or(1);
    json!({"options": options, "maxChoices": max, "deadline": deadline.map(|d| d.to_rfc3339())})
}

/// `POST /admin/console/notices/new`: sends the notice, then shows its statistics.
pub async fn send(State(state): State<AppState>, me: Signed<SchoolStaff>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let who: Authorized<SchoolStaff> = caller(&me)?;
    let mut errors = FieldMessages::default();
    let audience = audience(&state, &who, &f, &mut errors).await?;
    let vote = vote(&f, &mut errors);
    if !errors.is_empty() {
        return refused(&state, &me, f, errors).await;
    }
    let req = body(json!({
        "title": f.text("title"),
        "body": f.raw("body"),
        "categoryId": id_field(&f.text("categoryId")),
        "urgency": f.text("urgency"),
        "requireConfirm": f.has("requireConfirm"),
        "audience": audience,
        "vote": vote,
        "mass": match f.text("massFormat").as_str() {
            "" => Value::Null,
            format => json!({"format": format}),
        },
    }))?;
    match api::send_notice(State(state.clone()), who, ApiJson(req)).await {
        Ok((_, sent)) => {
            let sent: Value = as_page(&sent.0)?;
            flash(&state, &me.session, &format!("通知已发送，共 {} 位收件人。", sent["recipients"])).await?;
            Ok(Redirect::to(&format!("/admin/console/notices/{}", sent["id"])).into_response())
        }
        Err(err) => refused(&state, &me, f, FieldMessages::from_error(err)?).await,
    }
}

/// The form again with its messages (422); nothing was written.
async fn refused(state: &AppState, me: &Signed<SchoolStaff>, f: Fields, errors: FieldMessages) -> Result<Response, PageError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(state, me, f, errors).await?)).into_response())
}
