//! Keyword auto-replies (the Official Account's robot): an `exact` rule wins, then the first
//! `contains` or `regex` rule in priority order (higher first, then older), then the `fallback`
//! rule. A rule answers text (with a link when it has a URL) or news (图文, its articles).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::PgConnection;

/// How a rule matches a text message.
pub const MATCH_KINDS: [&str; 4] = ["exact", "contains", "regex", "fallback"];

/// Compiled size allowed for one rule's regular expression (bytes of the compiled program).
pub const REGEX_SIZE_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KeywordRule {
    pub id: i64,
    pub pattern: String,
    pub match_kind: String,
    pub reply_text: String,
    pub reply_url: Option<String>,
    pub priority: i32,
    /// Set: the rule answers news (图文) with these articles instead of text.
    pub reply_articles: Option<Json<Vec<RuleArticle>>>,
}

/// One article of a news answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleArticle {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub pic_url: String,
    pub url: String,
}

/// A rule's fields as written.
#[derive(Debug, Clone, Copy)]
pub struct RuleFields<'a> {
    pub pattern: &'a str,
    pub match_kind: &'a str,
    pub reply_text: &'a str,
    pub reply_url: Option<&'a str>,
    pub priority: i32,
    pub reply_articles: Option<&'a [RuleArticle]>,
}

/// Compiles a rule's pattern as the matcher will (case-insensitive, bounded size).
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).case_insensitive(true).size_limit(REGEX_SIZE_LIMIT).build()
}

/// Why `pattern` cannot be a `regex` rule, in words for the form.
pub fn check_regex(pattern: &str) -> Result<(), String> {
    match compile(pattern) {
        Ok(_) => Ok(()),
        Err(regex::Error::CompiledTooBig(_)) => Err("is too large once compiled".to_owned()),
        Err(err) => {
            let detail = err.to_string();
            Err(format!("is not a valid regular expression: {}", detail.lines().last().unwrap_or_default().trim()))
        }
    }
}

/// Compiled patterns by their text, so a message does not compile every rule again.
fn compiled(pattern: &str) -> Option<Arc<Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = cache.get(pattern) {
        return found.clone();
    }
    if cache.len() >= 2 * MAX_RULES as usize {
        cache.clear();
    }
    let regex = compile(pattern).ok().map(Arc::new);
    cache.insert(pattern.to_owned(), regex.clone());
    regex
}

/// Most rules kept; one text message is matched against all of them.
pub const MAX_RULES: i64 = 500;

pub async fn create(conn: &mut PgConnection, r: RuleFields<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO keyword_rules (pattern, match_kind, reply_text, reply_url, priority, reply_articles)
         SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM keyword_rules) < $7 RETURNING id",
        r.pattern,
        r.match_kind,
        r.reply_text,
        r.reply_url,
        r.priority,
        r.reply_articles.map(Json) as Option<Json<&[RuleArticle]>>,
        MAX_RULES
    )
    .fetch_optional(conn)
    .await
}

pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<KeywordRule>> {
    sqlx::query_as!(
        KeywordRule,
        r#"SELECT id, pattern, match_kind, reply_text, reply_url, priority, reply_articles AS "reply_articles: Json<Vec<RuleArticle>>"
             FROM keyword_rules ORDER BY priority DESC, id"#
    )
    .fetch_all(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<KeywordRule>> {
    sqlx::query_as!(
        KeywordRule,
        r#"SELECT id, pattern, match_kind, reply_text, reply_url, priority, reply_articles AS "reply_articles: Json<Vec<RuleArticle>>"
             FROM keyword_rules WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Replaces a rule's fields; false when there is no such rule.
pub async fn update(conn: &mut PgConnection, id: i64, r: RuleFields<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE keyword_rules SET pattern = $2, match_kind = $3, reply_text = $4, reply_url = $5, priority = $6, reply_articles = $7
          WHERE id = $1",
        id,
        r.pattern,
        r.match_kind,
        r.reply_text,
        r.reply_url,
        r.priority,
        r.reply_articles.map(Json) as Option<Json<&[RuleArticle]>>
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

/// Exact beats contains and regex, which beat the fallback; among equals the list order
/// (priority, then age) decides.
pub fn best_match<'a>(rules: &'a [KeywordRule], text: &str) -> Option<&'a KeywordRule> {
    let text = text.trim();
    rules
        .iter()
        .find(|r| r.match_kind == "exact" && r.pattern == text)
        .or_else(|| {
            rules.iter().find(|r| match r.match_kind.as_str() {
                "contains" => text.contains(r.pattern.as_str()),
                "regex" => compiled(&r.pattern).is_some_and(|re| re.is_match(text)),
                _ => false,
            })
        })
        .or_else(|| rules.iter().find(|r| r.match_kind == "fallback"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, pattern: &str, kind: &str) -> KeywordRule {
        KeywordRule { id, pattern: pattern.into(), match_kind: kind.into(), reply_text: format!("r{id}"), reply_url: None, priority: 0, reply_articles: None }
    }

    #[test]
    fn exact_rules_win_over_contains() {
        let rules = [rule(1, "挂号", "contains"), rule(2, "挂号", "exact"), rule(3, "时间", "contains")];
        assert_eq!(best_match(&rules, " 挂号 ").map(|r| r.id), Some(2));
        assert_eq!(best_match(&rules, "怎么挂号").map(|r| r.id), Some(1));
        assert_eq!(best_match(&rules, "门诊时间").map(|r| r.id), Some(3));
        assert!(best_match(&rules, "你好").is_none());
    }

    #[test]
    fn regex_rules_take_their_turn_by_priority_and_the_fallback_comes_last() {
        let rules = [rule(1, r"^(奖|助)学金\s*\d{4}$", "regex"), rule(2, "学金", "contains"), rule(3, "*", "fallback"), rule(4, "[", "regex")];
        assert_eq!(best_match(&rules, "奖学金 2026").map(|r| r.id), Some(1));
        assert_eq!(best_match(&rules, "奖学金什么时候发").map(|r| r.id), Some(2));
        assert_eq!(best_match(&rules, "你好").map(|r| r.id), Some(3), "nothing else matched");
        assert!(compile("[").is_err(), "a pattern that does not compile never matches");
        assert!(compile(&"a{1000}".repeat(100)).is_err(), "over the size limit");
    }
}
