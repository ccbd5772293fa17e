//! 报名记录 (enrollment records) behind `GET /admin/activities/{id}/enrollments/` and the
//! console's records page: the activity's live enrollments with the user, the answers and each
//! check-in item's time, narrowed by the filter language (`?filter=签到了但未签退`), a page at a
//! time or all of them as a streamed CSV.

use std::collections::HashMap;

use axum::body::Body;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use yizhan_common::college::activities::filter::{Filter, FilterError, Labels};
use yizhan_common::college::activities::form::FormField;
use yizhan_common::college::activities::items::{self, ClockinItem};
use yizhan_common::college::activities::{clockins, records};

use crate::console::csv;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Rows fetched at a time while a CSV streams.
const CSV_BATCH: i64 = 500;

/// An activity's form, items and the parsed filter: what every page of its records needs.
#[derive(Debug, Clone)]
pub struct Records {
    pub activity_id: i64,
    pub form: Vec<FormField>,
    pub items: Vec<ClockinItem>,
    pub filter: Option<Filter>,
}

/// One enrollment with who made it and when they checked in to each item (`None`: not yet).
#[derive(Debug, Clone)]
pub struct Row {
    pub enrollment_id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub enrolled_at: DateTime<Utc>,
    pub answers: Value,
    /// In the order of [`Records::items`].
    pub checked_in: Vec<Option<DateTime<Utc>>>,
}

/// 422 `invalid_filter`: the Chinese sentence as the message and the `filter` field's error,
/// and `detail` with the position (characters from 0), what was expected there and the code.
pub fn filter_error(e: &FilterError) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter", e.message())
        .with_fields([("filter".to_owned(), e.message())])
        .with_detail(json!({"position": e.position, "expected": e.expected().map(|x| x.code()), "code": e.code()}))
}

impl Records {
    /// The activity's records setup (404 unknown activity, 422 malformed filter; a blank
    /// filter is none).
    pub async fn load(state: &AppState, activity_id: i64, filter: Option<&str>) -> ApiResult<Self> {
        let mut conn = state.db.acquire().await?;
        let form = records::form_of(&mut conn, activity_id).await?.ok_or_else(|| ApiError::not_found("activity"))?;
        let items = items::of_activity(&mut conn, activity_id).await?;
        let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(text) => Some(Filter::parse(text, &Labels::of_items(&items)).map_err(|e| filter_error(&e))?),
            None => None,
        };
        Ok(Self { activity_id, form, items, filter })
    }

    /// A page of the records and how many the filter selects.
    pub async fn page(&self, state: &AppState, limit: i64, offset: i64) -> ApiResult<(Vec<Row>, i64)> {
        let mut conn = state.db.acquire().await?;
        let (rows, total) = records::list(&mut conn, self.activity_id, self.filter.as_ref(), limit, offset).await?;
        let user_ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let names: HashMap<i64, (String, String)> = records::names_of(&mut conn, &user_ids).await?.into_iter().map(|(id, u, n)| (id, (u, n))).collect();
        let times: HashMap<(i64, i64), DateTime<Utc>> =
            clockins::times_of(&mut conn, self.activity_id, &user_ids).await?.into_iter().map(|(user, item, at)| ((user, item), at)).collect();
        let rows = rows
            .into_iter()
            .map(|r| {
                let (username, name) = names.get(&r.user_id).cloned().unwrap_or_default();
                let checked_in = self.items.iter().map(|i| times.get(&(r.user_id, i.id)).copied()).collect();
                Row { enrollment_id: r.id, user_id: r.user_id, username, name, enrolled_at: r.created_at, answers: r.answers, checked_in }
            })
            .collect();
        Ok((rows, total))
    }

    /// The CSV's header: user, name, enrolled at, each form field's label, each item's label.
    fn header(&self) -> String {
        let mut cells: Vec<&str> = vec!["用户", "姓名", "报名时间"];
        cells.extend(self.form.iter().map(|f| f.label.as_str()));
        cells.extend(self.items.iter().map(|i| i.label.as_str()));
        csv::line(cells)
    }

    fn csv_line(&self, row: &Row) -> String {
        let mut cells = vec![row.username.clone(), row.name.clone(), local_time(row.enrolled_at)];
        cells.extend(self.form.iter().map(|f| answer_text(row.answers.get(&f.id))));
        cells.extend(row.checked_in.iter().map(|at| at.map(local_time).unwrap_or_default()));
        csv::line(cells.iter().map(String::as_str))
    }

    /// Every selected record as CSV (UTF-8 with a BOM), fetched and sent [`CSV_BATCH`] rows at a
    /// time. A failure after the first bytes ends the download early (logged).
    pub fn csv_body(self, state: AppState) -> Body {
        let first = format!("{}{}", csv::BOM, self.header());
        let rest = futures::stream::unfold(Some(0i64), move |offset| {
            let (records, state) = (self.clone(), state.clone());
            async move {
                let offset = offset?;
                match records.page(&state, CSV_BATCH, offset).await {
                    Ok((rows, _)) if rows.is_empty() => None,
                    Ok((rows, _)) => {
                        let more = i64::try_from(rows.len()).unwrap_or(0) == CSV_BATCH;
                        let text: String = rows.iter().map(|r| records.csv_line(r)).collect();
                        Some((Ok::<_, std::io::Error>(text), more.then_some(offset + CSV_BATCH)))
                    }
                    Err(e) => {
                        tracing::error!(activity = records.activity_id, error = e.message(), "enrollment records CSV cut short");
                        Some((Err(std::io::Error::other("records query failed")), None))
                    }
                }
            }
        });
        let stream = futures::StreamExt::chain(futures::stream::once(async move { Ok::<_, std::io::Error>(first) }), rest);
        Body::from_stream(stream)
    }
}

/// A time as the service zone's wall clock, `2026-12-04 20:30:00`.
pub fn local_time(at: DateTime<Utc>) -> String {
    yizhan_common::time::local(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An answer as a cell: text as written, numbers plainly, the picks of a multiple choice joined
/// with 、, nothing for no answer.
pub fn answer_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(picks)) => picks.iter().map(|p| answer_text(Some(p))).collect::<Vec<_>>().join("、"),
        Some(Value::Bool(b)) => if *b { "是" } else { "否" }.to_owned(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::answer_text;

    #[test]
    fn answers_read_as_cells() {
        assert_eq!(answer_text(Some(&json!(["周六", "周日"]))), "周六、周日");
        assert_eq!(answer_text(Some(&json!(3))), "3");
        assert_eq!(answer_text(Some(&json!("张三"))), "张三");
        assert_eq!(answer_text(None), "");
    }
}
