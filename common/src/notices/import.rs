//! CSV import of students. The header names the columns (`studentNo`/`学号`, `name`/`姓名`,
//! `class`/`班级` — a class's name — and optional `grade`/`年级`, `major`/`专业`,
//! `phone`/`手机`). Every row is checked first; a new student number creates a student, a known
//! one updates that student. One bad row changes nothing at all: the import is written only
//! when every row is good, and a dry run writes nothing either way. A counselor imports only
//! into their own classes and cannot touch a student of someone else's class.

use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;

use super::csv::{self, CsvError};
use super::students::{self, RawStudent};
use super::{classes, Scope};

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 10_000;

/// One problem: the line of the file (1 is the header) and the field (`file` and `header` for
/// the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub errors: Vec<RowError>,
}

const COLUMNS: [(&str, &[&str]); 6] = [
    ("studentNo", &["studentno", "student_no", "学号"]),
    ("name", &["name", "姓名"]),
    ("class", &["class", "classname", "班级"]),
    ("grade", &["grade", "年级"]),
    ("major", &["major", "专业"]),
    ("phone", &["phone", "mobile", "手机", "手机号"]),
];

/// Checks every row of `text` and, unless `dry_run` or a row is bad, writes them (run it in a
/// transaction and commit only when the report has no errors and it was not a dry run).
pub async fn import(conn: &mut PgConnection, scope: Scope, text: &str, dry_run: bool) -> sqlx::Result<Report> {
    let mut report = Report::default();
    let records = match csv::parse(text) {
        Ok(r) => r,
        Err(err) => {
            let (CsvError::Unclosed(line) | CsvError::AfterQuote(line)) = err;
            report.errors.push(RowError { line, field: "file".into(), message: err.to_string() });
            return Ok(report);
        }
    };
    let Some((header, rows)) = records.split_first() else {
        report.errors.push(RowError { line: 1, field: "file".into(), message: "the file is empty: a header line and one line per student".into() });
        return Ok(report);
    };
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, cell) in header.cells.iter().enumerate() {
        let key = cell.trim().to_lowercase();
        if let Some((name, _)) = COLUMNS.iter().find(|(_, aliases)| aliases.contains(&key.as_str())) {
            at.entry(name).or_insert(i);
        }
    }
    for required in ["studentNo", "name", "class"] {
        if !at.contains_key(required) {
            report.errors.push(RowError { line: header.line, field: "header".into(), message: format!("no `{required}` column") });
        }
    }
    if rows.len() > MAX_ROWS {
        report.errors.push(RowError { line: header.line, field: "file".into(), message: format!("at most {MAX_ROWS} students a file") });
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    report.rows = rows.len();
    let mut class_ids: HashMap<String, Option<i64>> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let cell = |name: &str| at.get(name).and_then(|&i| row.cells.get(i)).map(String::as_str);
        let mut bad = |field: &str, message: String| report.errors.push(RowError { line: row.line, field: field.to_owned(), message });
        let class_name = cell("class").unwrap_or_default().trim().to_owned();
        let class_id = match class_ids.get(&class_name) {
            Some(id) => *id,
            None => {
                let id = if class_name.is_empty() { None } else { classes::id_by_name(conn, scope, &class_name).await? };
                class_ids.insert(class_name.clone(), id);
                id
            }
        };
        if class_id.is_none() {
            bad("class", if class_name.is_empty() { "is required".into() } else { format!("no class `{class_name}` among yours") });
        }
        let raw = RawStudent { student_no: cell("studentNo").unwrap_or_default(), name: cell("name").unwrap_or_default(), grade: cell("grade"), major: cell("major"), phone: cell("phone") };
        let fields = match students::check(&raw, class_id.unwrap_or(0)) {
            Ok(f) => f,
            Err(errors) => {
                errors.into_iter().for_each(|(field, message)| bad(field, message));
                continue;
            }
        };
        if !seen.insert(fields.student_no.clone()) {
            bad("studentNo", "appears twice in the file".into());
            continue;
        }
        let existing = students::by_number(conn, &fields.student_no).await?;
        if let Some((id, _)) = existing {
            if students::find(conn, scope, id).await?.is_none() {
                bad("studentNo", format!("{} is a student outside your classes", fields.student_no));
                continue;
            }
        }
        if class_id.is_some() {
            planned.push((existing.map(|(id, _)| id), fields));
        }
    }
    for (existing, _) in &planned {
        if existing.is_some() {
            report.updated += 1;
        } else {
            report.created += 1;
        }
    }
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    for (existing, fields) in &planned {
        match existing {
            Some(id) => {
                students::update(conn, *id, fields).await?;
            }
            None => {
                students::create(conn, fields).await?;
            }
        }
    }
    Ok(report)
}
