//! A notice's vote (投票): single or multiple choice among 2–20 options, open until a deadline.
//! Each recipient casts one ballot and may change it while the vote is open; a ballot after the
//! deadline is refused (checked against the database's clock in the statement that writes it).
//! The author reads the count per option.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION_CHARS: usize = 50;

/// A vote as its author set it up (already checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVote {
    pub options: Vec<String>,
    /// 1: single choice.
    pub max_choices: i32,
    pub deadline: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub options: Vec<String>,
    pub max_choices: i32,
    pub deadline: DateTime<Utc>,
    /// Whether the deadline has passed (by the database's clock).
    pub closed: bool,
}

/// Attaches the vote to a new notice (in the transaction that sends it).
pub async fn save(conn: &mut PgConnection, notice_id: i64, v: &NewVote) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO notice_votes (notice_id, options, max_choices, deadline) VALUES ($1, $2, $3, $4)",
        notice_id,
        &v.options,
        v.max_choices,
        v.deadline
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn of_notice(conn: &mut PgConnection, notice_id: i64) -> sqlx::Result<Option<Vote>> {
    sqlx::query_as!(
        Vote,
        r#"SELECT options, max_choices, deadline, deadline <= now() AS "closed!" FROM notice_votes WHERE notice_id = $1"#,
        notice_id
    )
    .fetch_optional(conn)
    .await
}

/// What casting a ballot did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cast {
    /// Recorded (replacing the student's earlier ballot).
    Recorded(Vec<i16>),
    /// The notice has no vote, or the student is not among its recipients.
    NotFound,
    /// The deadline has passed; nothing changed.
    Closed,
}

/// Casts or changes the student's ballot. `choices` must already be checked against the vote
/// (distinct positions within its options, at most `max_choices`).
pub async fn cast(conn: &mut PgConnection, notice_id: i64, student_id: i64, choices: &[i16]) -> sqlx::Result<Cast> {
    let recorded = sqlx::query_scalar!(
        "INSERT INTO notice_ballots (notice_id, student_id, choices)
         SELECT v.notice_id, r.student_id, $3
           FROM notice_votes v JOIN notice_recipients r ON r.notice_id = v.notice_id AND r.student_id = $2
          WHERE v.notice_id = $1 AND v.deadline > now()
         ON CONFLICT (notice_id, student_id) DO UPDATE SET choices = EXCLUDED.choices, cast_at = now()
         RETURNING choices",
        notice_id,
        student_id,
        choices
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(choices) = recorded {
        return Ok(Cast::Recorded(choices));
    }
    let open = sqlx::query_scalar!(
        r#"SELECT v.deadline > now() AS "open!" FROM notice_votes v JOIN notice_recipients r ON r.notice_id = v.notice_id AND r.student_id = $2
            WHERE v.notice_id = $1"#,
        notice_id,
        student_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(if open.is_some() { Cast::Closed } else { Cast::NotFound })
}

/// The student's ballot, if they cast one.
pub async fn ballot_of(conn: &mut PgConnection, notice_id: i64, student_id: i64) -> sqlx::Result<Option<Vec<i16>>> {
    sqlx::query_scalar!("SELECT choices FROM notice_ballots WHERE notice_id = $1 AND student_id = $2", notice_id, student_id)
        .fetch_optional(conn)
        .await
}

/// The results: ballots per option (in the options' order) and the number of voters.
pub async fn results(conn: &mut PgConnection, notice_id: i64, options: usize) -> sqlx::Result<(Vec<i64>, i64)> {
    let rows = sqlx::query!(
        r#"SELECT c AS "choice!", count(*) AS "n!" FROM notice_ballots b, unnest(b.choices) AS c WHERE b.notice_id = $1 GROUP BY c"#,
        notice_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = vec![0; options];
    for r in rows {
        if let Some(slot) = usize::try_from(r.choice).ok().and_then(|i| counts.get_mut(i)) {
            *slot = r.n;
        }
    }
    Ok((counts, voters(conn, notice_id).await?))
}

/// How many recipients cast a ballot (0 without a vote).
pub async fn voters(conn: &mut PgConnection, notice_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM notice_ballots WHERE notice_id = $1"#, notice_id).fetch_one(conn).await
}

/// Checks a ballot against the vote: at least one choice, at most `max_choices`, each an option's
/// position, none twice. The message says what is wrong.
pub fn check_choices(vote: &Vote, choices: &[i64]) -> Result<Vec<i16>, String> {
    if choices.is_empty() {
        return Err("must choose at least one option".into());
    }
    if choices.len() > usize::try_from(vote.max_choices).unwrap_or(1) {
        return Err(format!("must choose at most {} option(s)", vote.max_choices));
    }
    let mut out = Vec::with_capacity(choices.len());
    for &c in choices {
        let valid = usize::try_from(c).is_ok_and(|i| i < vote.options.len());
        let Ok(c) = i16::try_from(c) else { return Err(format!("{c} is not an option")) };
        if !valid {
            return Err(format!("{c} is not an option (0–{})", vote.options.len() - 1));
        }
        if out.contains(&c) {
            return Err(format!("{c} is chosen twice"));
        }
        out.push(c);
    }
    out.sort_unstable();
    Ok(out)
}
