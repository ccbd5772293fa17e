//! CSV export of a list: UTF-8 with a byte-order mark (so spreadsheet programs read Chinese),
//! quoted where needed, and cells that a spreadsheet would run as a formula made inert.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// A CSV document being written row by row.
#[derive(Debug)]
pub struct Csv(String);

impl Csv {
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self(String::from(BOM));
        csv.row(header.iter().copied());
        csv
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        self.0.push_str(&line(cells));
    }

    /// The download, named `filename`.
    pub fn into_response(self, filename: &str) -> Response {
        let disposition = format!("attachment; filename=\"{filename}\"");
        let headers = [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"))),
        ];
        (headers, self.0).into_response()
    }
}

/// The byte-order mark a CSV download starts with.
pub const BOM: &str = "\u{feff}";

/// One CSV line (cells quoted where needed and made inert, `\r\n` at the end), for a download
/// that is streamed rather than built whole.
pub fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let cells: Vec<String> = cells.into_iter().map(cell).collect();
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

fn cell(value: &str) -> String {
    // `=1+1`, `+…`, `-…`, `@…` (and a leading tab or CR) are formulas to a spreadsheet.
    let inert = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if inert.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", inert.replace('"', "\"\""))
    } else {
        inert
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_are_quoted_and_formulas_inert() {
        let mut csv = super::Csv::new(&["a", "b"]);
        csv.row(["x,y", "say \"hi\""]);
        csv.row(["=HYPERLINK(\"x\")", "张三"]);
        assert_eq!(csv.0, "\u{feff}a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"'=HYPERLINK(\"\"x\"\")\",张三\r\n");
    }
}
