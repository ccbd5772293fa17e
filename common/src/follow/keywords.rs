//! Keyword auto-replies: exact rules win over contains rules, then higher priority, then older.

use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KeywordRule {
    pub id: i64,
    pub pattern: String,
    pub match_kind: String,
    pub reply_text: String,
    pub reply_url: Option<String>,
    pub priority: i32,
}

/// Most rules kept; one text message is matched against all of them.
pub const MAX_RULES: i64 = 500;

pub async fn create(conn: &mut PgConnection, pattern: &str, kind: &str, text: &str, url: Option<&str>, priority: i32) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO keyword_rules (pattern, match_kind, reply_text, reply_url, priority)
         SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM keyword_rules) < $6 RETURNING id",
        pattern,
        kind,
        text,
        url,
        priority,
        MAX_RULES
    )
    .fetch_optional(conn)
    .await
}

pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<KeywordRule>> {
    sqlx::query_as!(KeywordRule, "SELECT id, pattern, match_kind, reply_text, reply_url, priority FROM keyword_rules ORDER BY priority DESC, id")
        .fetch_all(conn)
        .await
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<KeywordRule>> {
    sqlx::query_as!(KeywordRule, "SELECT id, pattern, match_kind, reply_text, reply_url, priority FROM keyword_rules WHERE id = $1", id)
        .fetch_optional(conn)
        .await
}

/// Replaces a rule's fields; false when there is no such rule.
pub async fn update(conn: &mut PgConnection, id: i64, pattern: &str, kind: &str, text: &str, url: Option<&str>, priority: i32) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE keyword_rules SET pattern = $2, match_kind = $3, reply_text = $4, reply_url = $5, priority = $6 WHERE id = $1",
        id,
        pattern,
        kind,
        text,
        url,
        priority
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query!("DELETE FROM keyword_rules WHERE id = $1", id).execute(conn).await?.rows_affected() == 1)
}

/// The rule answering `text`, if any.
pub async fn find_reply(conn: &mut PgConnection, text: &str) -> sqlx::Result<Option<KeywordRule>> {
    Ok(best_match(&list(conn).await?, text).cloned())
}

/// Exact beats contains; among equals the list order (priority, then age) decides.
pub fn best_match<'a>(rules: &'a [KeywordRule], text: &str) -> Option<&'a KeywordRule> {
    let text = text.trim();
    rules
        .iter()
        .find(|r| r.match_kind == "exact" && r.pattern == text)
        .or_else(|| rules.iter().find(|r| r.match_kind == "contains" && text.contains(r.pattern.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, pattern: &str, kind: &str) -> KeywordRule {
        KeywordRule { id, pattern: pattern.into(), match_kind: kind.into(), reply_text: format!("r{id}"), reply_url: None, priority: 0 }
    }

    #[test]
    fn exact_rules_win_over_contains() {
        let rules = [rule(1, "挂号", "contains"), rule(2, "挂号", "exact"), rule(3, "时间", "contains")];
        assert_eq!(best_match(&rules, " 挂号 ").map(|r| r.id), Some(2));
        assert_eq!(best_match(&rules, "怎么挂号").map(|r| r.id), Some(1));
        assert_eq!(best_match(&rules, "门诊时间").map(|r| r.id), Some(3));
        assert!(best_match(&rules, "你好").is_none());
    }
}
