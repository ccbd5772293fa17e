//! Splits a filter into words, one at a time, as the parser asks: skip whitespace, then the
//! longest label that starts here, then the language's one-character words, else unknown text.

use super::Labels;

/// A word of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    /// A check-in item's label (the item's id).
    Label(i64),
    /// 且 or 但.
    And,
    /// 或.
    Or,
    /// 未.
    Not,
    /// 了 or 的.
    Particle,
    /// `(` or `（`.
    Open,
    /// `)` or `）`.
    Close,
    End,
    /// Neither a label nor a word.
    Unknown,
}

/// A token, where it starts and how many characters it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Lexeme {
    pub token: Token,
    pub at: usize,
    pub len: usize,
}

/// How much of an unknown run an error quotes.
const UNKNOWN_QUOTE: usize = 10;

fn word(c: char) -> Option<Token> {
    Some(match c {
        '且' | '但' => Token::And,
        '或' => Token::Or,
        '未' => Token::Not,
        '了' | '的' => Token::Particle,
        '(' | '（' => Token::Open,
        ')' | '）' => Token::Close,
        _ => return None,
    })
}

/// The token that starts at or after `from` (after whitespace).
pub(super) fn next(chars: &[char], from: usize, labels: &Labels) -> Lexeme {
    let at = from + chars[from..].iter().take_while(|c| c.is_whitespace()).count();
    let rest = &chars[at..];
    let Some(&first) = rest.first() else {
        return Lexeme { token: Token::End, at, len: 0 };
    };
    if let Some((item, len)) = labels.longest_at(rest) {
        return Lexeme { token: Token::Label(item), at, len };
    }
    if let Some(token) = word(first) {
        return Lexeme { token, at, len: 1 };
    }
    // Unknown text runs to whitespace, a word of the language or the start of a label.
    let len = 1 + (1..rest.len())
        .take_while(|&i| !rest[i].is_whitespace() && word(rest[i]).is_none() && labels.longest_at(&rest[i..]).is_none())
        .count();
    Lexeme { token: Token::Unknown, at, len }
}

/// The text of a lexeme, as the error quotes it (an unknown run cut to a few characters).
pub(super) fn text(chars: &[char], lexeme: Lexeme) -> String {
    let shown = if lexeme.token == Token::Unknown { lexeme.len.min(UNKNOWN_QUOTE) } else { lexeme.len };
    chars[lexeme.at..lexeme.at + shown].iter().collect()
}
