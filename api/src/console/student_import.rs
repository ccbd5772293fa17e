//! The CSV import of students in the console, in two steps: a DRY RUN (`POST …/import` with
//! `step=check`) shows what the file would do or, when any row is bad, every bad row's line, field
//! and reason — and nothing is written either way; the commit step (`step=commit`) posts the same
//! text again and writes every row or none. Both go through `POST /school/students/import`'s
//! handler (`yizhan_common::notices::import`), so the checks and the counselor's scope are the same.
//! The form is `multipart/form-data` (CSRF token first): a file, or the text pasted.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::form::{chinese, CsrfMultipart};
use super::layout::{flash, html, Layout};
use super::school::{as_page, body, caller};
use super::session::Signed;
use super::PageError;
use crate::extract::ApiQuery;
use crate::routes::notices::for_pages::people as api;
use crate::routes::notices::for_pages::SchoolStaff;
use crate::state::AppState;

/// One bad row as the page lists it.
#[derive(Debug)]
struct BadRow {
    line: usize,
    field: &'static str,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    rows: usize,
    created: usize,
    updated: usize,
}

#[derive(Template)]
#[template(path = "console/student_import.html")]
struct ImportPage {
    layout: Layout,
    csv: String,
    bad: Vec<BadRow>,
    checked: Option<Counts>,
}

async fn page(state: &AppState, me: &Signed<SchoolStaff>, csv: String, bad: Vec<BadRow>, checked: Option<Counts>) -> Result<ImportPage, PageError> {
    let layout = Layout::new(state, &me.session, "students", "导入学生（CSV）").await?;
    Ok(ImportPage { layout, csv, bad, checked })
}

/// `GET /admin/console/students/import`.
pub async fn form(State(state): State<AppState>, me: Signed<SchoolStaff>) -> Result<Response, PageError> {
    Ok(html(&page(&state, &me, String::new(), Vec::new(), None).await?))
}

/// A column's name on the page.
fn field_label(field: &str) -> &'static str {
    match field {
        "studentNo" => "学号",
        "name" => "姓名",
        "class" => "班级",
        "grade" => "年级",
        "major" => "专业",
        "phone" => "手机",
        "header" => "表头",
        _ => "文件",
    }
}

/// `line 3.phone` → (3, phone).
fn bad_rows(err: &crate::error::ApiError) -> Vec<BadRow> {
    let mut rows: Vec<BadRow> = err
        .fields()
        .iter()
        .map(|(key, message)| {
            let (line, field) = key.strip_prefix("line ").and_then(|k| k.split_once('.')).unwrap_or(("0", key));
            BadRow { line: line.parse().unwrap_or(0), field: field_label(field), message: chinese(message) }
        })
        .collect();
    rows.sort_by_key(|r| r.line);
    rows
}

/// The CSRF-checked form's `step` and CSV (a non-empty file wins over the pasted text).
async fn read_form(mut form: axum::extract::Multipart) -> Result<(String, String), PageError> {
    let (mut step, mut pasted, mut file) = (String::new(), String::new(), String::new());
    let unreadable = || PageError::page(StatusCode::BAD_REQUEST, "请求有误", "表单读取失败，或文件不是 UTF-8 文本。");
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(|_| unreadable())?;
        match name.as_str() {
            "step" => step = text,
            "csv" => pasted = text,
            "file" => file = text,
            _ => {}
        }
    }
    Ok((step, if file.trim().is_empty() { pasted } else { file }))
}

/// `POST /admin/console/students/import`: the dry run (`step=check`) or the import (`step=commit`).
pub async fn submit(State(state): State<AppState>, me: Signed<SchoolStaff>, CsrfMultipart(form): CsrfMultipart) -> Result<Response, PageError> {
    let (step, csv) = read_form(form).await?;
    let dry_run = step != "commit";
    let query = ApiQuery(body(json!({"dryRun": dry_run}))?);
    match api::import_students(State(state.clone()), caller(&me)?, query, csv.clone()).await {
        Ok(done) if dry_run => {
            let counts: Counts = as_page(&done.0)?;
            Ok(html(&page(&state, &me, csv, Vec::new(), Some(counts)).await?))
        }
        Ok(done) => {
            let c: Counts = as_page(&done.0)?;
            flash(&state, &me.session, &format!("已导入 {} 行：新增 {} 位，更新 {} 位学生。", c.rows, c.created, c.updated)).await?;
            Ok(Redirect::to("/admin/console/students").into_response())
        }
        Err(err) if err.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page(&state, &me, csv, bad_rows(&err), None).await?)).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_rows_read_in_line_order() {
        let err = crate::error::ApiError::validation(
            [("line 10.phone".to_owned(), "x".to_owned()), ("line 2.class".to_owned(), "y".to_owned())].into_iter().collect(),
        );
        let rows = super::bad_rows(&err);
        assert_eq!((rows[0].line, rows[0].field, rows[1].line, rows[1].field), (2, "班级", 10, "手机"));
    }
}
