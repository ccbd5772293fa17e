//! Keyword auto-replies: the rules in the order they are tried, creating and changing one (the
//! checks of `crate::follow_admin`, as `POST`/`PUT /api/admin/nurses/msg/wx/keywords`), and
//! deleting one after a confirmation.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use yizhan_common::follow::keywords::{self, KeywordRule};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::queues::ConfirmPage;
use super::session::Signed;
use super::PageError;
use crate::extract::AdminOnly;
use crate::follow_admin::{self, ArticleBody, RuleBody};
use crate::state::AppState;

const LIST: &str = "/admin/console/keywords";

#[derive(Template)]
#[template(path = "console/keywords.html")]
struct RulesPage {
    layout: Layout,
    rules: Vec<KeywordRule>,
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    let mut conn = state.db.acquire().await?;
    let rules = keywords::list(&mut conn).await?;
    drop(conn);
    let layout = Layout::new(&state, &me.session, "keywords", "关键词回复").await?;
    Ok(html(&RulesPage { layout, rules }))
}

#[derive(Template)]
#[template(path = "console/keyword_form.html")]
struct RuleForm {
    layout: Layout,
    action: String,
    editing: bool,
    form: Fields,
    errors: FieldMessages,
}

async fn rule_form(state: &AppState, me: &Signed<AdminOnly>, id: Option<i64>, form: Fields, errors: FieldMessages) -> Result<RuleForm, PageError> {
    let (title, action) = match id {
        Some(id) => (format!("编辑关键词规则 #{id}"), format!("{LIST}/{id}")),
        None => ("新建关键词规则".to_owned(), format!("{LIST}/new")),
    };
    let layout = Layout::new(state, &me.session, "keywords", title).await?;
    Ok(RuleForm { layout, action, editing: id.is_some(), form, errors })
}

/// The rule the form posted; a priority that is not a number is 0, as an absent one is in the API.
/// The form does not edit news articles (the API does): a rule keeps the ones it has.
fn body(f: &Fields, articles: Option<Vec<ArticleBody>>) -> RuleBody {
    RuleBody {
        pattern: f.text("pattern"),
        match_kind: f.text("matchKind"),
        reply_text: f.text("replyText"),
        reply_url: f.optional("replyUrl"),
        priority: f.text("priority").parse().unwrap_or(0),
        reply_articles: articles,
    }
}

pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&rule_form(&state, &me, None, Fields::parse(b"matchKind=contains&priority=0"), FieldMessages::default()).await?))
}

pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match follow_admin::create_rule(&state, &body(&f, None)).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已创建关键词规则“{}”。", f.text("pattern"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&rule_form(&state, &me, None, f, errors).await?)).into_response())
        }
    }
}

async fn find(state: &AppState, id: &str) -> Result<KeywordRule, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    keywords::find(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    let fields: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("pattern", &r.pattern)
        .append_pair("matchKind", &r.match_kind)
        .append_pair("replyText", &r.reply_text)
        .append_pair("replyUrl", r.reply_url.as_deref().unwrap_or(""))
        .append_pair("priority", &r.priority.to_string())
        .finish();
    Ok(html(&rule_form(&state, &me, Some(r.id), Fields::parse(fields.as_bytes()), FieldMessages::default()).await?))
}

pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    let articles = r.reply_articles.map(|a| a.0.into_iter().map(ArticleBody::from).collect());
    match follow_admin::update_rule(&state, r.id, &body(&f, articles)).await {
        Ok(()) => {
            flash(&state, &me.session, &format!("已保存关键词规则“{}”。", f.text("pattern"))).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&rule_form(&state, &me, Some(r.id), f, errors).await?)).into_response())
        }
    }
}

/// Without `confirmed=1` it only asks; with it, the rule is deleted.
pub async fn delete(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "keywords", "请确认").await?;
        let question = format!("确定要删除关键词规则“{}”吗？", r.pattern);
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{}/delete", r.id), cancel: LIST.to_owned() }));
    }
    follow_admin::delete_rule(&state, r.id).await?;
    flash(&state, &me.session, &format!("已删除关键词规则“{}”。", r.pattern)).await?;
    Ok(Redirect::to(LIST).into_response())
}
