//! The grant ledger: each `accept` is one future send of that template for that user.

use std::str::FromStr;

use sqlx::PgConnection;

/// What the user answered in `wx.requestSubscribeMessage` for one template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
    Ban,
    /// An accept beyond the cap of unspent grants: recorded, not granted.
    OverCap,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject => "reject",
            Decision::Ban => "ban",
            Decision::OverCap => "over_cap",
        }
    }
}

impl FromStr for Decision {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "accept" => Ok(Decision::Accept),
            "reject" => Ok(Decision::Reject),
            "ban" => Ok(Decision::Ban),
            _ => Err(()),
        }
    }
}

/// Records every decision of one request (in the business transaction). An accept that would
/// give the user more than `cap` unspent grants of a template is recorded as `over_cap`. The count
/// is per request (no lock, so a user's bookings never queue behind each other): requests of one
/// user running at the same moment can each add one past it, a bound still.
pub async fn record_decisions(
    conn: &mut PgConnection,
    user_id: i64,
    decisions: &[(String, Decision)],
    scene: Option<&str>,
    cap: i64,
) -> sqlx::Result<()> {
    if decisions.is_empty() {
        return Ok(());
    }

    // The answers go as the JSON object they came as: a set-returning function of fixed estimate,
    // so one cached plan serves every request (an array's length would make PostgreSQL plan each
    // call anew).
    let answers: serde_json::Map<String, serde_json::Value> =
        decisions.iter().map(|(t, d)| (t.clone(), serde_json::Value::from(d.as_str()))).collect();
    sqlx::query!(
        "INSERT INTO subscribe_grants (user_id, template_id, decision, scene)
         SELECT $1, t, CASE WHEN d = 'accept' AND (SELECT count(*) FROM subscribe_grants g
                                                    WHERE g.user_id = $1 AND g.template_id = t AND g.decision = 'accept'
                                                      AND g.spent_at IS NULL) >= $4
                            THEN 'over_cap' ELSE d END, $3
           FROM jsonb_each_text($2) AS x(t, d)",
        user_id,
        serde_json::Value::Object(answers),
        scene,
        cap
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How many sends of `template_id` the user has left.
pub async fn unspent_grants(conn: &mut PgConnection, user_id: i64, template_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM subscribe_grants
          WHERE user_id = $1 AND template_id = $2 AND decision = 'accept' AND spent_at IS NULL"#,
        user_id,
        template_id
    )
    .fetch_one(conn)
    .await
}
