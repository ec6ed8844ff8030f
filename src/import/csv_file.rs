//! A CSV file as spreadsheets save it: UTF-8 with or without a byte-order mark, CRLF or LF line
//! ends, quoted values holding commas or line breaks. Anything else is refused with a sentence.

use std::path::Path;

use crate::error::{Error, Exchange, Result};

/// A file's rows: the header, then each later row with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The line of the file the row starts on, counting the header as line 1.
    pub line: u64,
    pub values: Vec<String>,
}

/// Reads the whole file (for its fingerprint too). An I/O failure names the file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::File { path: path.to_path_buf(), source })
}

/// The file's text, without a byte-order mark. Not UTF-8 (a Windows-1252 file from Excel, say):
/// refused, naming the first line that is not, and how to save the file as UTF-8.
pub fn text(path: &Path, bytes: &[u8]) -> Result<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let line = 1 + body[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64;
            Err(Error::Exchange(Exchange::NotUtf8 { path: path.to_path_buf(), line }))
        }
    }
}

/// Splits CSV text into a header and rows. Rows with every value empty (as spreadsheets leave at
/// the end) are skipped; rows of the wrong length are kept for the caller to report.
pub fn parse(path: &Path, text: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => return Err(Error::Exchange(Exchange::NoHeader(path.to_path_buf()))),
            Some(record) => {
                let record = record.map_err(|e| csv_error(path, &e))?;
                if record.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                break record.iter().map(|h| h.trim().to_string()).collect::<Vec<String>>();
            }
        }
    };
    if header.len() == 1
        && let Some(delimiter) = [';', '\t', '|'].into_iter().find(|d| header[0].contains(*d))
    {
        return Err(Error::Exchange(Exchange::WrongDelimiter { path: path.to_path_buf(), delimiter }));
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    for record in records {
        let record = record.map_err(|e| csv_error(path, &e))?;
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        rows.push(Row { line, values: record.iter().map(str::to_string).collect() });
    }
    Ok(Table { header, rows })
}

/// Line numbers from byte offsets. The csv crate's own line count is one short after each CRLF
/// (Windows line ends), so lines are counted here: the record starts at its first byte that is not
/// a line end, and its line is one more than the line feeds before that byte.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter { bytes, at: 0, line: 1 }
    }

    /// Offsets must not go backwards (records come in order).
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.at {
            self.line += self.bytes[self.at..start].iter().filter(|b| **b == b'\n').count() as u64;
            self.at = start;
        }
        self.line
    }
}

/// The text was checked as UTF-8 before parsing, so only a fault in reading memory is left.
fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    Error::Exchange(Exchange::NotUtf8 { path: path.to_path_buf(), line })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        parse(Path::new("t.csv"), text).unwrap()
    }

    #[test]
    fn bom_crlf_and_quoted_commas_are_read() {
        let bytes = b"\xEF\xBB\xBFName,Town\r\n\"Jones, Sian\",Bangor\r\n";
        let text = text(Path::new("t.csv"), bytes).unwrap();
        let t = table(&text);
        assert_eq!(t.header, ["Name", "Town"]);
        assert_eq!(t.rows, [Row { line: 2, values: vec!["Jones, Sian".into(), "Bangor".into()] }]);
    }

    #[test]
    fn lines_count_the_breaks_inside_quoted_values() {
        let t = table("a,b\n\"one\ntwo\",x\nthree,y\n");
        assert_eq!(t.rows[1].line, 4);
    }

    #[test]
    fn windows_1252_is_refused_naming_the_line() {
        let err = text(Path::new("t.csv"), b"a,b\nx,y\nSi\xE2n,z\n").unwrap_err();
        assert!(matches!(err, Error::Exchange(Exchange::NotUtf8 { line: 3, .. })));
    }

    #[test]
    fn a_semicolon_file_is_named_as_such() {
        let err = parse(Path::new("t.csv"), "a;b;c\n1;2;3\n").unwrap_err();
        assert!(matches!(err, Error::Exchange(Exchange::WrongDelimiter { delimiter: ';', .. })));
    }

    #[test]
    fn lines_are_right_with_windows_line_ends_and_blank_lines() {
        let t = table("a,b\r\n1,2\r\n\r\n\"x\r\ny\",3\r\n4,5\r\n");
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
    }

    #[test]
    fn blank_rows_are_skipped() {
        assert_eq!(table("a,b\n,\n1,2\n\n").rows.len(), 1);
    }
}
