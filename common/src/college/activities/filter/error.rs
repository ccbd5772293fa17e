//! What is wrong with a filter, where, and what was expected there: stable codes for the API's
//! 422 and a sentence in Chinese for the admin who typed it.

/// A malformed filter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct FilterError {
    /// Where, in characters (Unicode scalar values) from the start, counting from 0; the
    /// filter's length when it ended too early.
    pub position: usize,
    pub kind: FilterErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterErrorKind {
    /// Longer than `max` characters (it has `length`).
    TooLong { max: usize, length: usize },
    /// Parentheses and 未 nested deeper than `max`.
    TooDeep { max: usize },
    /// `found` stands where one of `expected` should.
    Unexpected { expected: Expected, found: Found },
}

/// What may stand at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The start of a term: a check-in item's label, 未 or an opening parenthesis.
    Term,
    /// After a term at the top: 且 (or 但), 或, or the end.
    ConnectiveOrEnd,
    /// After a term inside parentheses: 且 (or 但), 或, or the closing parenthesis.
    ConnectiveOrClose,
}

/// What was found instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The filter ended.
    End,
    /// A word of the language or a label, as written.
    Word(String),
    /// Text that is neither (a few characters of it).
    Unknown(String),
}

impl Expected {
    /// A stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            Expected::Term => "term",
            Expected::ConnectiveOrEnd => "connective_or_end",
            Expected::ConnectiveOrClose => "connective_or_close",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Expected::Term => "打卡项名称、“未”或“（”",
            Expected::ConnectiveOrEnd => "“且”“但”“或”或结束",
            Expected::ConnectiveOrClose => "“且”“但”“或”或“）”",
        }
    }
}

impl FilterError {
    /// A stable code for the API: `too_long`, `too_deep` or `unexpected`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            FilterErrorKind::TooLong { .. } => "too_long",
            FilterErrorKind::TooDeep { .. } => "too_deep",
            FilterErrorKind::Unexpected { .. } => "unexpected",
        }
    }

    /// What was expected at the position, when the error is about that.
    pub fn expected(&self) -> Option<Expected> {
        match self.kind {
            FilterErrorKind::Unexpected { expected, .. } => Some(expected),
            _ => None,
        }
    }

    /// The error in a sentence for the admin (positions counted from 1, as people count).
    pub fn message(&self) -> String {
        let at = self.position + 1;
        match &self.kind {
            FilterErrorKind::TooLong { max, length } => format!("筛选条件最多{max}个字，现在有{length}个字"),
            FilterErrorKind::TooDeep { max } => format!("第{at}个字处括号或“未”嵌套太深（最多{max}层）"),
            FilterErrorKind::Unexpected { expected, found } => {
                let want = expected.describe();
                match found {
                    Found::End if self.position == 0 => format!("筛选条件是空的：应为{want}，例如“签到了但未签退”"),
                    Found::End => format!("筛选条件没写完：第{at}个字处应为{want}"),
                    Found::Unknown(text) => format!("第{at}个字起的“{text}”不是本活动的打卡项，也不是筛选用词：这里应为{want}"),
                    Found::Word(word) if *expected != Expected::Term && starts_term(word) => {
                        format!("第{at}个字“{word}”前缺少“且”或“或”：这里应为{want}")
                    }
                    Found::Word(word) => format!("第{at}个字“{word}”不能用在这里：这里应为{want}"),
                }
            }
        }
    }
}

/// Whether a found word begins a term (so a connective is what is missing before it).
fn starts_term(word: &str) -> bool {
    !matches!(word, "且" | "但" | "或" | "了" | "的" | ")" | "）")
}
