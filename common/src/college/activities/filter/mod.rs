//! The filter language of the enrollment records (报名记录, seed 002 §5): an admin types
//! "签到了但未签退" and gets the enrolled users who checked in to 签到 and not to 签退.
//!
//! # Grammar
//!
//! ```text
//! filter := or
//! or     := and ( "或" and )*
//! and    := not ( ("且" | "但") not )*          但 reads as 且
//! not    := "未" not | atom
//! atom   := LABEL [ "了" | "的" ] | open or close
//! open   := "(" | "（"        close := ")" | "）"
//! ```
//!
//! `LABEL` is the label of one of the activity's check-in items. So 未 binds tightest, then
//! 且, then 或; 了 and 的 are particles that may follow a label and mean nothing; two terms side by
//! side without a connective are an error. Whitespace between words is skipped; it never occurs
//! inside a label (the table's `CHECK` refuses it), so it also separates a label from what follows.
//!
//! Labels are matched before the words of the language, the longest label first: with items 签到
//! and 签到二, "签到二" is the second item, not 签到 followed by an unknown 二. A label may contain
//! the language's words (到达目的地 holds 的) and still be found; a label that begins with one
//! (an item called 未到) takes that text over, and "未 到" (with a space) then says "not 到".
//!
//! # Limits and errors
//!
//! At most [`MAX_CHARS`] characters and [`MAX_DEPTH`] levels of parentheses and 未, so a hostile
//! filter can neither exhaust the parser's stack nor build a huge query. A malformed filter is a
//! [`FilterError`] with the position (in characters) and what was expected there, for a 422.
//!
//! # Evaluation
//!
//! In PostgreSQL, never in memory: [`Filter::push_sql`] compiles the tree to a boolean expression
//! over an enrollment row, one `EXISTS` on `activity_clockins` per label with the item's id bound
//! as a parameter, and [`super::records::list`] pages through the enrollments it selects.

mod error;
mod lex;
mod parse;
mod sql;

#[cfg(test)]
pub(super) mod fuzz;
#[cfg(test)]
mod tests;

pub use error::{Expected, FilterError, FilterErrorKind, Found};

use super::items::ClockinItem;

/// The longest filter accepted, in characters.
pub const MAX_CHARS: usize = 200;
/// The deepest nesting of parentheses and 未 accepted.
pub const MAX_DEPTH: usize = 16;

/// A parsed filter over an activity's check-in items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// The user checked in to this item (its id).
    CheckedIn(i64),
    /// 未: the inner filter does not hold.
    Not(Box<Filter>),
    /// 且 / 但: every part holds (at least two parts).
    And(Vec<Filter>),
    /// 或: some part holds (at least two parts).
    Or(Vec<Filter>),
}

/// The words a filter may name: an activity's check-in items by label, longest label first.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// `(label as characters, item id)`, longest first.
    longest_first: Vec<(Vec<char>, i64)>,
}

impl Labels {
    /// The labels of `(item id, label)` pairs.
    pub fn new<S: AsRef<str>>(items: impl IntoIterator<Item = (i64, S)>) -> Self {
        let mut longest_first: Vec<(Vec<char>, i64)> = items.into_iter().map(|(id, label)| (label.as_ref().chars().collect(), id)).collect();
        longest_first.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Self { longest_first }
    }

    /// The labels of an activity's check-in items.
    pub fn of_items(items: &[ClockinItem]) -> Self {
        Self::new(items.iter().map(|i| (i.id, i.label.as_str())))
    }

    /// The item whose label is the longest one `text` starts with, and that label's length.
    fn longest_at(&self, text: &[char]) -> Option<(i64, usize)> {
        self.longest_first.iter().find(|(label, _)| !label.is_empty() && text.starts_with(label)).map(|(label, id)| (*id, label.len()))
    }

    /// The label of an item.
    pub fn label(&self, item: i64) -> Option<String> {
        self.longest_first.iter().find(|(_, id)| *id == item).map(|(label, _)| label.iter().collect())
    }
}

impl Filter {
    /// Parses `text` against the activity's labels.
    pub fn parse(text: &str, labels: &Labels) -> Result<Self, FilterError> {
        parse::parse(text, labels)
    }

    /// The filter in the language again, words separated by spaces (so that a label holding
    /// one of the language's words cannot run into its neighbour), `?` for an unknown item.
    /// Parsing it gives this filter back, though the spaces may take it past [`MAX_CHARS`].
    pub fn to_text(&self, labels: &Labels) -> String {
        let mut out = String::new();
        self.write(labels, &mut out);
        out
    }

    fn write(&self, labels: &Labels, out: &mut String) {
        let parts = |parts: &[Filter], word: &str, out: &mut String, group: fn(&Filter) -> bool| {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                part.write_grouped(labels, out, group(part));
            }
        };
        match self {
            Filter::CheckedIn(item) => out.push_str(labels.label(*item).as_deref().unwrap_or("?")),
            Filter::Not(inner) => {
                out.push_str("未 ");
                inner.write_grouped(labels, out, matches!(**inner, Filter::And(_) | Filter::Or(_)));
            }
            Filter::And(all) => parts(all, " 且 ", out, |p| matches!(p, Filter::And(_) | Filter::Or(_))),
            Filter::Or(any) => parts(any, " 或 ", out, |p| matches!(p, Filter::Or(_))),
        }
    }

    fn write_grouped(&self, labels: &Labels, out: &mut String, group: bool) {
        if group {
            out.push('(');
        }
        self.write(labels, out);
        if group {
            out.push(')');
        }
    }
}

#[cfg(test)]
impl Filter {
    /// Whether the filter holds for a user who checked in to the items `checked` says yes to:
    /// the plain reading of the tree, for tests to compare the SQL with.
    pub(crate) fn holds(&self, checked: &dyn Fn(i64) -> bool) -> bool {
        match self {
            Filter::CheckedIn(item) => checked(*item),
            Filter::Not(inner) => !inner.holds(checked),
            Filter::And(all) => all.iter().all(|f| f.holds(checked)),
            Filter::Or(any) => any.iter().any(|f| f.holds(checked)),
        }
    }
}
