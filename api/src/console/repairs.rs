//! 故障报修 (seed 002): every report with filters (status, category, the days filed; pages; CSV
//! of the whole filtered list), one report with its status change (待处理 → 处理中 → 已解决,
//! the reporter mailed), the categories, and who is mailed each category's reports (an address
//! with no category receives them all). Checks and writes are `crate::college_admin::repairs`'s,
//! the same as the `/admin/repairs/…` JSON routes.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use yizhan_common::college::contacts::{self, ContactCard};
use yizhan_common::college::repairs::routing::{self, Category, Recipient};
use yizhan_common::college::repairs::{self, Repair, RepairFilter, RepairStatus};

use super::csv::Csv;
use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, local_minute, Layout};
use super::list::{id_param, link, pagination, Pager};
use super::queues::ConfirmPage;
use super::sends::day_range;
use super::session::Signed;
use super::PageError;
use crate::college_admin::repairs as shared;
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/repairs";
const CATEGORIES: &str = "/admin/console/repairs/categories";
const RECIPIENTS: &str = "/admin/console/repairs/recipients";
/// Most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 10_000;

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

impl ListQuery {
    /// The filter (a value that is not one is no filter), and its values as the links repeat them.
    fn filter(&self) -> (RepairFilter, [(&'static str, String); 4]) {
        let status = self.status.as_deref().and_then(|s| shared::parse_status(s).ok());
        let category = id_param(self.category.as_deref());
        let day = |v: &Option<String>| v.as_deref().and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
        let (from, to) = (day(&self.from), day(&self.to));
        let text = |v: Option<String>| v.unwrap_or_default();
        let params = [
            ("status", status.map_or("", RepairStatus::as_str).to_owned()),
            ("category", text(category.map(|c| c.to_string()))),
            ("from", text(from.map(|d| d.to_string()))),
            ("to", text(to.map(|d| d.to_string()))),
        ];
        let filter = RepairFilter {
            reporter: None,
            status,
            category,
            created_from: from.and_then(day_range).map(|(start, _)| start),
            created_before: to.and_then(day_range).map(|(_, end)| end),
        };
        (filter, params)
    }
}

/// The statuses in their order, with their names.
fn statuses() -> Vec<(&'static str, &'static str)> {
    RepairStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}

struct RepairRow {
    id: i64,
    created: String,
    location: String,
    category: String,
    description: String,
    reporter: String,
    status: &'static str,
    status_label: &'static str,
    updated: String,
}

impl From<Repair> for RepairRow {
    fn from(r: Repair) -> Self {
        Self {
            id: r.id,
            created: local_minute(r.created_at),
            location: r.location,
            category: r.category_name,
            description: r.description,
            reporter: r.reporter_name,
            status: r.status.as_str(),
            status_label: r.status.label(),
            updated: local_minute(r.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "console/repairs.html")]
struct RepairsPage {
    layout: Layout,
    rows: Vec<RepairRow>,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<Category>,
    status: String,
    category: Option<i64>,
    from: String,
    to: String,
    pager: Pager,
    csv_href: String,
}

async fn categories(state: &AppState) -> Result<Vec<Category>, PageError> {
    let mut conn = state.db.acquire().await?;
    Ok(routing::categories(&mut conn).await?)
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (filter, params) = q.filter();
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let (rows, total) = repairs::list(&mut conn, filter, page.limit(), page.offset()).await?;
    drop(conn);
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = RepairsPage {
        layout: Layout::new(&state, &me.session, "repairs", "故障报修").await?,
        rows: rows.into_iter().map(RepairRow::from).collect(),
        statuses: statuses(),
        categories: categories(&state).await?,
        status: params[0].1.to_owned(),
        category: filter.category,
        from: params[2].1.to_owned(),
        to: params[3].1.to_owned(),
        pager: Pager::new(LIST, &params, page, u64::try_from(total).unwrap_or(0)),
        csv_href: link(&format!("{LIST}.csv"), &params),
    };
    Ok(html(&page))
}

/// The whole filtered list (up to [`CSV_MAX_ROWS`]) as CSV.
pub async fn export(State(state): State<AppState>, _me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (filter, _) = q.filter();
    let mut conn = state.db.acquire().await?;
    let (rows, _) = repairs::list(&mut conn, filter, CSV_MAX_ROWS, 0).await?;
    let mut csv = Csv::new(&["编号", "报修时间", "位置", "类别", "故障概述", "报修人", "状态", "更新时间"]);
    for r in rows.into_iter().map(RepairRow::from) {
        let id = r.id.to_string();
        csv.row([id.as_str(), &r.created, &r.location, &r.category, &r.description, &r.reporter, r.status_label, &r.updated]);
    }
    Ok(csv.into_response("repairs.csv"))
}

#[derive(Template)]
#[template(path = "console/repair.html")]
struct RepairPage {
    layout: Layout,
    repair: RepairRow,
    reporter: Option<ContactCard>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: FieldMessages,
}

async fn find(state: &AppState, id: &str) -> Result<Repair, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    repairs::find(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

async fn repair_page(state: &AppState, me: &Signed<AdminOnly>, r: Repair, errors: FieldMessages) -> Result<RepairPage, PageError> {
    let mut conn = state.db.acquire().await?;
    let reporter = contacts::card(&mut conn, me.user().id, r.reporter_id).await?;
    drop(conn);
    let layout = Layout::new(state, &me.session, "repairs", format!("报修 #{}", r.id)).await?;
    Ok(RepairPage { layout, repair: r.into(), reporter, statuses: statuses(), errors })
}

pub async fn show(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    Ok(html(&repair_page(&state, &me, r, FieldMessages::default()).await?))
}

/// Changes the status as `PATCH /admin/repairs/{id}/` does: a real change mails the reporter.
pub async fn set_status(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let r = find(&state, &id).await?;
    let status = match shared::parse_status(&f.text("status")) {
        Ok(status) => status,
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&repair_page(&state, &me, r, errors).await?)).into_response());
        }
    };
    let message = if status == r.status {
        format!("报修 #{} 的状态本来就是“{}”，没有改动。", r.id, status.label())
    } else {
        shared::set_status(&state, r.id, status).await?;
        format!("已将报修 #{} 的状态改为“{}”，并通知了报修人。", r.id, status.label())
    };
    flash(&state, &me.session, &message).await?;
    Ok(Redirect::to(&format!("{LIST}/{}", r.id)).into_response())
}

#[derive(Template)]
#[template(path = "console/repair_categories.html")]
struct CategoriesPage {
    layout: Layout,
    categories: Vec<Category>,
    form: Fields,
    errors: FieldMessages,
}

async fn categories_page(state: &AppState, me: &Signed<AdminOnly>, form: Fields, errors: FieldMessages) -> Result<CategoriesPage, PageError> {
    let layout = Layout::new(state, &me.session, "repairs", "报修分类").await?;
    Ok(CategoriesPage { layout, categories: categories(state).await?, form, errors })
}

pub async fn category_list(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&categories_page(&state, &me, Fields::default(), FieldMessages::default()).await?))
}

/// Adds a category (the checks of `POST /admin/repairs/categories/`).
pub async fn add_category(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match shared::add_category(&state, &f.text("name")).await {
        Ok(c) => {
            flash(&state, &me.session, &format!("已添加分类“{}”。", c.name)).await?;
            Ok(Redirect::to(CATEGORIES).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&categories_page(&state, &me, f, errors).await?)).into_response())
        }
    }
}

struct RecipientRow {
    id: i64,
    email: String,
    /// The categories' names, or none: every category.
    categories: Vec<String>,
}

struct CategoryChoice {
    id: i64,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "console/repair_recipients.html")]
struct RecipientsPage {
    layout: Layout,
    recipients: Vec<RecipientRow>,
    choices: Vec<CategoryChoice>,
    email: String,
    errors: FieldMessages,
}

async fn recipients_page(state: &AppState, me: &Signed<AdminOnly>, form: &Fields, errors: FieldMessages) -> Result<RecipientsPage, PageError> {
    let all = categories(state).await?;
    let mut conn = state.db.acquire().await?;
    let recipients = routing::recipients(&mut conn).await?;
    drop(conn);
    let names: HashMap<i64, &str> = all.iter().map(|c| (c.id, c.name.as_str())).collect();
    let recipients = recipients
        .into_iter()
        .map(|r: Recipient| RecipientRow {
            id: r.id,
            email: r.email,
            categories: r.categories.iter().map(|id| names.get(id).map_or_else(|| format!("#{id}"), |n| (*n).to_owned())).collect(),
        })
        .collect();
    let checked = form.all("categories");
    let choices = all.into_iter().map(|c| CategoryChoice { checked: checked.contains(&c.id.to_string()), id: c.id, name: c.name }).collect();
    let layout = Layout::new(state, &me.session, "repairs", "报修通知邮箱").await?;
    Ok(RecipientsPage { layout, recipients, choices, email: form.text("email"), errors })
}

pub async fn recipient_list(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    Ok(html(&recipients_page(&state, &me, &Fields::default(), FieldMessages::default()).await?))
}

/// Adds an address for the checked categories (none: every category), with the checks of
/// `POST /admin/repairs/recipients/`.
pub async fn add_recipient(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    // A value that is not an id names no category, and the API's check says so.
    let ids: Vec<i64> = f.all("categories").iter().map(|v| v.trim().parse().unwrap_or(0)).collect();
    match shared::add_recipient(&state, &f.text("email"), &ids).await {
        Ok(r) => {
            let scope = if r.categories.is_empty() { "所有类别".to_owned() } else { format!("{} 个分类", r.categories.len()) };
            flash(&state, &me.session, &format!("已添加通知邮箱 {}（接收{scope}的报修）。", r.email)).await?;
            Ok(Redirect::to(RECIPIENTS).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&recipients_page(&state, &me, &f, errors).await?)).into_response())
        }
    }
}

/// Without `confirmed=1` it only asks; with it, the address is removed (as `DELETE
/// /admin/repairs/recipients/{id}/`).
pub async fn remove_recipient(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    let recipient = routing::recipients(&mut conn).await?.into_iter().find(|r| r.id == id).ok_or_else(PageError::not_found)?;
    drop(conn);
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "repairs", "请确认").await?;
        let question = format!("确定不再向 {} 发送报修通知吗？", recipient.email);
        return Ok(html(&ConfirmPage { layout, question, action: format!("{RECIPIENTS}/{id}/delete"), cancel: RECIPIENTS.to_owned() }));
    }
    shared::remove_recipient(&state, id).await?;
    flash(&state, &me.session, &format!("已删除通知邮箱 {}。", recipient.email)).await?;
    Ok(Redirect::to(RECIPIENTS).into_response())
}
