//! Recursive descent over the grammar in the module doc, one function per level, reading one
//! token ahead. Depth (parentheses and 未) is counted on the way down and refused past
//! [`MAX_DEPTH`], so the recursion is bounded whatever the input.

use super::error::{Expected, FilterError, FilterErrorKind, Found};
use super::lex::{self, Lexeme, Token};
use super::{Filter, Labels, MAX_CHARS, MAX_DEPTH};

pub(super) fn parse(text: &str, labels: &Labels) -> Result<Filter, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_CHARS {
        return Err(FilterError { position: MAX_CHARS, kind: FilterErrorKind::TooLong { max: MAX_CHARS, length: chars.len() } });
    }
    if chars.iter().all(|c| c.is_whitespace()) {
        // Nothing but blanks: say "empty" at the start rather than "ended early" after them.
        return Err(FilterError { position: 0, kind: FilterErrorKind::Unexpected { expected: Expected::Term, found: Found::End } });
    }
    let mut parser = Parser { chars: &chars, labels, ahead: lex::next(&chars, 0, labels), depth: 0 };
    let filter = parser.or()?;
    match parser.ahead.token {
        Token::End => Ok(filter),
        _ => Err(parser.unexpected(Expected::ConnectiveOrEnd)),
    }
}

struct Parser<'a> {
    chars: &'a [char],
    labels: &'a Labels,
    /// The next token, not yet taken.
    ahead: Lexeme,
    /// Parentheses and 未 open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn bump(&mut self) -> Lexeme {
        let taken = self.ahead;
        self.ahead = lex::next(self.chars, taken.at + taken.len, self.labels);
        taken
    }

    fn unexpected(&self, expected: Expected) -> FilterError {
        let found = match self.ahead.token {
            Token::End => Found::End,
            Token::Unknown => Found::Unknown(lex::text(self.chars, self.ahead)),
            _ => Found::Word(lex::text(self.chars, self.ahead)),
        };
        FilterError { position: self.ahead.at, kind: FilterErrorKind::Unexpected { expected, found } }
    }

    /// One level deeper, for the token just taken at `at`.
    fn descend(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError { position: at, kind: FilterErrorKind::TooDeep { max: MAX_DEPTH } });
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.joined(Token::Or, Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        self.joined(Token::And, Self::not, Filter::And)
    }

    /// `part (word part)*`: the one part, or `join` of them all.
    fn joined(&mut self, word: Token, part: fn(&mut Self) -> Result<Filter, FilterError>, join: fn(Vec<Filter>) -> Filter) -> Result<Filter, FilterError> {
        let mut parts = vec![part(self)?];
        while self.ahead.token == word {
            self.bump();
            parts.push(part(self)?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { join(parts) })
    }

    fn not(&mut self) -> Result<Filter, FilterError> {
        if self.ahead.token != Token::Not {
            return self.atom();
        }
        let taken = self.bump();
        self.descend(taken.at)?;
        let inner = self.not()?;
        self.depth -= 1;
        Ok(Filter::Not(Box::new(inner)))
    }

    fn atom(&mut self) -> Result<Filter, FilterError> {
        match self.ahead.token {
            Token::Label(item) => {
                self.bump();
                if self.ahead.token == Token::Particle {
                    self.bump();
                }
                Ok(Filter::CheckedIn(item))
            }
            Token::Open => {
                let taken = self.bump();
                self.descend(taken.at)?;
                let inner = self.or()?;
                if self.ahead.token != Token::Close {
                    return Err(self.unexpected(Expected::ConnectiveOrClose));
                }
                self.bump();
                self.depth -= 1;
                Ok(inner)
            }
            _ => Err(self.unexpected(Expected::Term)),
        }
    }
}
