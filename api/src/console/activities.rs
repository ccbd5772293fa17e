//! Activities (活动, seed 002): the list (search by title, pages) and one page to create or change
//! an activity with its enrollment form. The form designer is a table, one field per row (kind,
//! label, help, required, min, max, choices one per line); a blank row is ignored, a row without
//! an id gets the next free `fieldN`, and 「添加一行」 shows the form again with one more blank row
//! without saving. The checks and writes are `crate::college_admin::activities`'s, the same as
//! `POST|PATCH /admin/activities/…`, so a form change after the first enrollment is refused
//! the same way (the row's messages say which).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::college::activities::activity::{self, Activity, ActivityFilter};
use yizhan_common::college::activities::form::{FieldKind, FormField};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, local_minute, Layout};
use super::list::{pagination, search_text, Pager};
use super::reservations::{input_value, local_input};
use super::session::Signed;
use super::PageError;
use crate::college_admin::activities::{self as shared, ActivityBody};
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/activities";
const TIMES: [&str; 4] = ["starts_at", "ends_at", "enroll_from", "enroll_until"];

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

/// A row of the list.
struct ListRow {
    id: i64,
    title: String,
    place: String,
    starts_at: String,
    enroll_until: String,
    places: String,
}

#[derive(Template)]
#[template(path = "console/activities.html")]
struct ActivitiesPage {
    layout: Layout,
    rows: Vec<ListRow>,
    q: String,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let search = search_text(q.q.as_deref()).unwrap_or_default();
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let filter = ActivityFilter { enrolled_by: None, search: Some(search.as_str()), students_only: false };
    let (found, total) = activity::list(&mut conn, filter, page.limit(), page.offset()).await?;
    drop(conn);
    let rows = found
        .iter()
        .map(|a| ListRow {
            id: a.id,
            title: a.title.clone(),
            place: a.place.clone(),
            starts_at: local_minute(a.starts_at),
            enroll_until: local_minute(a.enroll_until),
            places: match a.capacity {
                Some(c) => format!("{} / {c}", a.enrolled),
                None => format!("{} / 不限", a.enrolled),
            },
        })
        .collect();
    let pager = Pager::new(LIST, &[("q", search.as_str())], page, u64::try_from(total).unwrap_or(0));
    let layout = Layout::new(&state, &me.session, "activities", "活动").await?;
    Ok(html(&ActivitiesPage { layout, rows, q: search, pager }))
}

/// One row of the form designer as the page shows it, with its messages.
struct DesignRow {
    id: String,
    kind: String,
    label: String,
    help: String,
    required: bool,
    min: String,
    max: String,
    options: String,
    errors: Vec<String>,
}

impl DesignRow {
    fn blank() -> Self {
        Self { id: String::new(), kind: "text".into(), label: String::new(), help: String::new(), required: false, min: String::new(), max: String::new(), options: String::new(), errors: Vec::new() }
    }
}

#[derive(Template)]
#[template(path = "console/activity_form.html")]
struct ActivityForm {
    layout: Layout,
    action: String,
    editing: bool,
    form: Fields,
    errors: FieldMessages,
    rows: Vec<DesignRow>,
    kinds: Vec<(&'static str, &'static str)>,
}

fn kind_label(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "单行文本",
        FieldKind::LongText => "多行文本",
        FieldKind::Number => "数字",
        FieldKind::SingleChoice => "单选",
        FieldKind::MultipleChoice => "多选",
        FieldKind::Date => "日期",
        FieldKind::Phone => "电话",
        FieldKind::Email => "电子邮件",
    }
}

/// The designer's rows as posted, in order (each input appears once per row).
fn posted_rows(f: &Fields) -> Vec<DesignRow> {
    let column = |name: &str| f.all(name);
    let (ids, kinds, labels, helps, required, mins, maxes, options) = (
        column("field_id"),
        column("field_kind"),
        column("field_label"),
        column("field_help"),
        column("field_required"),
        column("field_min"),
        column("field_max"),
        column("field_options"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
    (0..ids.len().max(labels.len()))
        .map(|i| DesignRow {
            id: at(&ids, i),
            kind: at(&kinds, i),
            label: at(&labels, i),
            help: at(&helps, i),
            required: at(&required, i) == "1",
            min: at(&mins, i),
            max: at(&maxes, i),
            options: options.get(i).cloned().unwrap_or_default(),
            errors: Vec::new(),
        })
        .collect()
}

fn is_blank(r: &DesignRow) -> bool {
    r.id.is_empty() && r.label.is_empty() && r.help.is_empty() && r.options.trim().is_empty() && r.min.is_empty() && r.max.is_empty()
}

/// The form the rows describe, and for each field the index of its row; a min or max that is
/// not a number is a message on its row (and `Err`).
fn design(rows: &mut [DesignRow]) -> Result<(Vec<FormField>, Vec<usize>), FieldMessages> {
    let mut fields = Vec::new();
    let mut at_row = Vec::new();
    let mut unreadable = false;
    for i in 0..rows.len() {
        if is_blank(&rows[i]) {
            continue;
        }
        if rows[i].id.is_empty() {
            let free = (1..).map(|n| format!("field{n}")).find(|id| !rows.iter().any(|r| &r.id == id)).unwrap_or_default();
            rows[i].id = free;
        }
        let r = &mut rows[i];
        let mut number = |name: &str, text: &str| match text {
            "" => None,
            t => t.parse::<f64>().ok().filter(|n| n.is_finite()).or_else(|| {
                r.errors.push(format!("{name}：须为数字"));
                unreadable = true;
                None
            }),
        };
        let (min_text, max_text) = (r.min.clone(), r.max.clone());
        let (min, max) = (number("最小", &min_text), number("最大", &max_text));
        let kind = r.kind.parse::<FieldKind>().unwrap_or(FieldKind::Text);
        let options = r.options.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
        fields.push(FormField { id: r.id.clone(), kind, label: r.label.clone(), help: r.help.clone(), required: r.required, min, max, options });
        at_row.push(i);
    }
    if unreadable {
        Err(FieldMessages::one("form", "请修改标出的行"))
    } else {
        Ok((fields, at_row))
    }
}

/// Puts the messages of `form[k].…` under the row of field `k`.
fn attach(rows: &mut [DesignRow], at_row: &[usize], errors: &FieldMessages) {
    let names = [("id", "字段标识"), ("kind", "类型"), ("label", "标题"), ("help", "说明"), ("required", "必填"), ("min", "最小"), ("max", "最大"), ("options", "选项")];
    for (k, &row) in at_row.iter().enumerate() {
        for (attr, name) in names {
            if let Some(m) = errors.get(&format!("form[{k}].{attr}")) {
                rows[row].errors.push(format!("{name}：{m}"));
            }
        }
    }
}

/// The activity the page posted (every field: a change sends them all), or the messages of the
/// times and numbers it cannot read.
fn body(f: &Fields, rows: &mut [DesignRow]) -> Result<(ActivityBody, Vec<usize>), FieldMessages> {
    let mut unreadable = Vec::new();
    let mut time = |name: &str| match f.text(name).as_str() {
        "" => None,
        t => local_input(t).or_else(|| {
            unreadable.push((name.to_owned(), "must be a date and time like 2027-03-01T09:00".to_owned()));
            None
        }),
    };
    let [starts_at, ends_at, enroll_from, enroll_until] = TIMES.map(&mut time);
    let capacity = match f.text("capacity").as_str() {
        "" => None,
        t => Some(t.parse().unwrap_or(0)),
    };
    let (form, at_row) = design(rows)?;
    if !unreadable.is_empty() {
        return Err(FieldMessages::from_error(crate::error::ApiError::validation(unreadable.into_iter().collect())).unwrap_or_default());
    }
    let body = ActivityBody {
        title: Some(f.text("title")),
        description: Some(f.raw("description")),
        place: Some(f.text("place")),
        starts_at,
        ends_at,
        capacity: Some(capacity),
        enroll_from,
        enroll_until,
        cover_file_id: Some(f.optional("cover_file_id")),
        form: Some(form),
        open_to_students: Some(f.text("open_to_students") == "yes"),
    };
    Ok((body, at_row))
}

async fn page(state: &AppState, me: &Signed<AdminOnly>, id: Option<i64>, form: Fields, errors: FieldMessages, rows: Vec<DesignRow>) -> Result<ActivityForm, PageError> {
    let (title, action) = match id {
        Some(id) => (format!("编辑活动 #{id}"), format!("{LIST}/{id}")),
        None => ("新建活动".to_owned(), format!("{LIST}/new")),
    };
    let layout = Layout::new(state, &me.session, "activities", title).await?;
    let kinds = FieldKind::ALL.iter().map(|k| (k.as_str(), kind_label(*k))).collect();
    Ok(ActivityForm { layout, action, editing: id.is_some(), form, errors, rows, kinds })
}

pub async fn new_form(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    let rows = vec![DesignRow::blank()];
    Ok(html(&page(&state, &me, None, Fields::default(), FieldMessages::default(), rows).await?))
}

/// Saves the posted activity (`id` when changing one), or shows the page again: with one more
/// blank row when 「添加一行」 was pressed, with the messages when a check refused it.
async fn save(state: &AppState, me: &Signed<AdminOnly>, id: Option<i64>, f: Fields) -> Result<Response, PageError> {
    let mut rows = posted_rows(&f);
    if f.has("add_row") {
        rows.push(DesignRow::blank());
        return Ok(html(&page(state, me, id, f, FieldMessages::default(), rows).await?));
    }
    let (b, at_row) = match body(&f, &mut rows) {
        Ok(parsed) => parsed,
        Err(errors) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(state, me, id, f, errors, rows).await?)).into_response()),
    };
    let saved = match id {
        Some(id) => shared::update_activity(state, id, b).await,
        None => shared::create_activity(state, b).await,
    };
    match saved {
        Ok(a) => {
            flash(state, &me.session, &format!("已保存活动“{}”。", a.title)).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            attach(&mut rows, &at_row, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(state, me, id, f, errors, rows).await?)).into_response())
        }
    }
}

pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    save(&state, &me, None, f).await
}

async fn find(state: &AppState, id: &str) -> Result<Activity, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    activity::find(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

/// The activity as the page shows it: its fields, and its form as rows (and a blank one).
fn shown(a: &Activity) -> (Fields, Vec<DesignRow>) {
    let mut fields = form_urlencoded::Serializer::new(String::new());
    fields
        .append_pair("title", &a.title)
        .append_pair("place", &a.place)
        .append_pair("description", &a.description)
        .append_pair("capacity", &a.capacity.map(|c| c.to_string()).unwrap_or_default())
        .append_pair("cover_file_id", a.cover_file_id.as_deref().unwrap_or_default())
        .append_pair("open_to_students", if a.open_to_students { "yes" } else { "" });
    for (name, at) in TIMES.iter().zip([a.starts_at, a.ends_at, a.enroll_from, a.enroll_until]) {
        fields.append_pair(name, &input_value(at));
    }
    let number = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut rows: Vec<DesignRow> = a
        .form
        .iter()
        .map(|f| DesignRow {
            id: f.id.clone(),
            kind: f.kind.as_str().to_owned(),
            label: f.label.clone(),
            help: f.help.clone(),
            required: f.required,
            min: number(f.min),
            max: number(f.max),
            options: f.options.join("\n"),
            errors: Vec::new(),
        })
        .collect();
    rows.push(DesignRow::blank());
    (Fields::parse(fields.finish().as_bytes()), rows)
}

pub async fn edit_form(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let a = find(&state, &id).await?;
    let (fields, rows) = shown(&a);
    Ok(html(&page(&state, &me, Some(a.id), fields, FieldMessages::default(), rows).await?))
}

pub async fn update(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let a = find(&state, &id).await?;
    save(&state, &me, Some(a.id), f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_fields_blank_rows_ignored_and_ids_filled() {
        let f = Fields::parse(
            "field_id=&field_kind=multiple_choice&field_label=%E5%A4%A9&field_help=&field_required=1&field_min=1&field_max=2&field_options=%E5%85%AD%0D%0A%0D%0A%E6%97%A5\
             &field_id=&field_kind=text&field_label=&field_help=&field_required=0&field_min=&field_max=&field_options=\
             &field_id=field1x&field_kind=number&field_label=n&field_help=&field_required=0&field_min=abc&field_max=&field_options="
                .as_bytes(),
        );
        let mut rows = posted_rows(&f);
        assert_eq!(rows.len(), 3);
        design(&mut rows).expect_err("min is not a number");
        assert_eq!(rows[2].errors, ["最小：须为数字"]);
        rows[2].errors.clear();
        rows[2].min = "-1.5".into();
        let (fields, at_row) = design(&mut rows).expect("form");
        assert_eq!(at_row, [0, 2], "the blank row is skipped");
        assert_eq!((fields[0].id.as_str(), fields[0].kind, fields[0].required), ("field1", FieldKind::MultipleChoice, true));
        assert_eq!(fields[0].options, ["六", "日"]);
        assert_eq!((fields[0].min, fields[0].max, fields[1].min), (Some(1.0), Some(2.0), Some(-1.5)));
    }
}
