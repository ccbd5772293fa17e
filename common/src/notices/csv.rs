//! Reading an uploaded CSV file (RFC 4180: commas, `"`-quoted cells with `""` inside, CRLF or LF,
//! line breaks inside quotes; a leading byte-order mark, as spreadsheet programs write, is skipped).

/// One record and the line of the file it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("line {0}: a quoted cell is never closed")]
    Unclosed(usize),
    #[error("line {0}: text after a closing quote")]
    AfterQuote(usize),
}

/// The records of `text`; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let (mut line, mut start) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    let mut quoted_cell = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if cell.is_empty() && !quoted_cell => {
                quoted_cell = true;
                let open = line;
                loop {
                    match chars.next() {
                        None => return Err(CsvError::Unclosed(open)),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cell.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => {
                            if ch == '\n' {
                                line += 1;
                            }
                            cell.push(ch);
                        }
                    }
                }
                if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                    return Err(CsvError::AfterQuote(line));
                }
            }
            ',' => {
                cells.push(std::mem::take(&mut cell));
                quoted_cell = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                cells.push(std::mem::take(&mut cell));
                quoted_cell = false;
                push(&mut records, start, std::mem::take(&mut cells));
                line += 1;
                start = line;
            }
            _ => cell.push(c),
        }
    }
    if !cell.is_empty() || !cells.is_empty() || quoted_cell {
        cells.push(cell);
        push(&mut records, start, cells);
    }
    Ok(records)
}

fn push(records: &mut Vec<Record>, line: usize, cells: Vec<String>) {
    if !(cells.len() == 1 && cells[0].trim().is_empty()) {
        records.push(Record { line, cells });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<(usize, Vec<String>)> {
        parse(text).expect("parses").into_iter().map(|r| (r.line, r.cells)).collect()
    }

    fn row(line: usize, cells: &[&str]) -> (usize, Vec<String>) {
        (line, cells.iter().map(|c| (*c).to_owned()).collect())
    }

    #[test]
    fn quotes_line_breaks_and_bom() {
        let got = cells("\u{feff}学号,姓名\r\n1,\"张,三\"\n\n2,\"say \"\"hi\"\"\nthere\"\n3,\n");
        assert_eq!(got, vec![row(1, &["学号", "姓名"]), row(2, &["1", "张,三"]), row(4, &["2", "say \"hi\"\nthere"]), row(6, &["3", ""])]);
        assert_eq!(cells("a,b"), vec![row(1, &["a", "b"])]);
    }

    #[test]
    fn malformed_quotes_are_refused() {
        assert_eq!(parse("a,\"b\nc"), Err(CsvError::Unclosed(1)));
        assert_eq!(parse("a\n\"b\"x,c"), Err(CsvError::AfterQuote(2)));
    }
}
