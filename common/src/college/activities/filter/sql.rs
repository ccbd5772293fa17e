//! A filter as a SQL boolean expression. Each label becomes
//! `EXISTS (SELECT 1 FROM activity_clockins c WHERE c.item_id = $n AND c.user_id = <e>.user_id)`
//! with the item's id bound (the `UNIQUE (item_id, user_id)` index answers it), and the
//! connectives become `NOT`, `AND` and `OR` around parenthesized parts. No text of the filter
//! reaches the SQL: labels were resolved to item ids by the parser, and ids are bound.

use sqlx::{Postgres, QueryBuilder};

use super::Filter;

impl Filter {
    /// Pushes the filter onto `query` as a boolean expression over the enrollment row named
    /// `enrollment` (an alias written in the code, such as `e`).
    pub fn push_sql(&self, query: &mut QueryBuilder<'_, Postgres>, enrollment: &'static str) {
        match self {
            Filter::CheckedIn(item) => {
                query.push("EXISTS (SELECT 1 FROM activity_clockins c WHERE c.item_id = ");
                query.push_bind(*item);
                query.push(" AND c.user_id = ").push(enrollment).push(".user_id)");
            }
            Filter::Not(inner) => {
                query.push("NOT (");
                inner.push_sql(query, enrollment);
                query.push(")");
            }
            Filter::And(parts) => push_joined(query, parts, " AND ", enrollment),
            Filter::Or(parts) => push_joined(query, parts, " OR ", enrollment),
        }
    }
}

fn push_joined(query: &mut QueryBuilder<'_, Postgres>, parts: &[Filter], word: &str, enrollment: &'static str) {
    query.push("(");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            query.push(word);
        }
        part.push_sql(query, enrollment);
    }
    query.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_bound_exists_and_connectives_nest() {
        let filter = Filter::And(vec![Filter::CheckedIn(7), Filter::Not(Box::new(Filter::Or(vec![Filter::CheckedIn(8), Filter::CheckedIn(9)])))]);
        let mut query = QueryBuilder::<Postgres>::new("SELECT 1 FROM activity_enrollments e WHERE ");
        filter.push_sql(&mut query, "e");
        let exists = |n: u8| format!("EXISTS (SELECT 1 FROM activity_clockins c WHERE c.item_id = ${n} AND c.user_id = e.user_id)");
        assert_eq!(
            query.sql(),
            format!("SELECT 1 FROM activity_enrollments e WHERE ({} AND NOT (({} OR {})))", exists(1), exists(2), exists(3))
        );
    }
}
