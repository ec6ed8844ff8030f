//! A CSV file as spreadsheets save it: UTF-8 with or without a byte-order mark, CRLF or LF line
//! ends, quoted values holding commas or line breaks. Anything else is refused with a sentence:
//! a workbook or another encoding (each named as such), a NUL byte, a file with no rows. Every file an import
//! reads comes through here, so none of them is taken in, or recorded as imported, when nothing
//! could be read from it.

use std::path::Path;

use crate::domain::text::strip_formula_guard;
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

/// The file's text, without a byte-order mark. A spreadsheet workbook and UTF-16 ("Unicode Text"
/// to Windows programs) are named as such; anything else that is not UTF-8 (a Windows-1252 file from Excel, say) is refused
/// naming the first line that is not. Either way the message says how to save the file as UTF-8.
pub fn text(path: &Path, bytes: &[u8]) -> Result<String> {
    // A workbook (.xlsx is a zip file, .xls an OLE one) given instead of a CSV saved from it.
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(Error::Exchange(Exchange::Workbook(path.to_path_buf())));
    }
    if is_utf16(bytes) {
        return Err(Error::Exchange(Exchange::Utf16(path.to_path_buf())));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let line = 1 + body[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64;
            Err(Error::Exchange(Exchange::NotUtf8 { path: path.to_path_buf(), line }))
        }
    }
}

/// Whether the bytes are UTF-16: a byte-order mark says so (FF FE, or FE FF), or, without one,
/// every other byte of the file's start is NUL, as UTF-16 writes mostly English text (a byte of
/// the letter, a NUL), whichever way round. Valid UTF-8 as they stand, they would otherwise be read
/// as text full of NULs.
fn is_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let start = &bytes[..bytes.len().min(4096) & !1];
    let pairs = start.len() / 2;
    let nuls = |first: usize| start.iter().skip(first).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (nuls(0), nuls(1));
    pairs > 0 && (odd * 2 >= pairs && even * 4 <= odd || even * 2 >= pairs && odd * 4 <= even)
}

/// Splits CSV text into a header and rows. Rows with every value empty (as spreadsheets leave at
/// the end) are skipped; rows of the wrong length are kept for the caller to report. A `'` that
/// cutover put before `=`, `+`, `-` or `@` when it wrote the file (so that a spreadsheet shows the
/// value rather than running it) is taken off again, so a rejects file or a listing reads back as typed.
pub fn parse(path: &Path, text: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut lines = LineCounter::new(text.as_bytes());
    let header = loop {
        match records.next() {
            None => return Err(Error::Exchange(Exchange::EmptyFile(path.to_path_buf()))),
            Some(record) => {
                let record = record.map_err(|e| csv_error(path, &e))?;
                if record.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                refuse_nul(path, lines.line_at(record.position().map_or(0, |p| p.byte())), &record, None)?;
                break record.iter().map(|h| strip_formula_guard(h.trim()).to_string()).collect::<Vec<String>>();
            }
        }
    };
    if header.len() == 1
        && let Some(delimiter) = [';', '\t', '|'].into_iter().find(|d| header[0].contains(*d))
    {
        return Err(Error::Exchange(Exchange::WrongDelimiter { path: path.to_path_buf(), delimiter }));
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(path, &e))?;
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        refuse_nul(path, line, &record, Some(&header))?;
        rows.push(Row { line, values: record.iter().map(|v| strip_formula_guard(v).to_string()).collect() });
    }
    if rows.is_empty() {
        return Err(Error::Exchange(Exchange::NoRows(path.to_path_buf())));
    }
    Ok(Table { header, rows })
}

/// A NUL byte is in no text a spreadsheet saves: the file is damaged or is not text, and a value
/// holding one would reach the database, a rejects file or the screen. Refused with its line and
/// column (and the column's header).
fn refuse_nul(path: &Path, line: u64, record: &csv::StringRecord, header: Option<&[String]>) -> Result<()> {
    match record.iter().position(|v| v.contains('\0')) {
        None => Ok(()),
        Some(i) => Err(Error::Exchange(Exchange::NulByte {
            path: path.to_path_buf(),
            line,
            column: i + 1,
            header: header.and_then(|h| h.get(i)).filter(|h| !h.is_empty()).cloned(),
        })),
    }
}

/// Whether a value looks like UTF-8 that was read as Windows-1252 (or Latin-1) and saved again as
/// UTF-8, as Excel does to a UTF-8 file opened by double-click and saved: "Siân" becomes "SiÃ¢n",
/// "é" becomes "Ã©", "’" becomes "â€™". The test: some run of characters, each turned back into its
/// Windows-1252 byte, is itself one UTF-8 character beyond ASCII (a lead byte C2–F4 followed by
/// its continuation bytes 80–BF). Text typed in Welsh, French or any other language does not put
/// "Ã" or "â" before such punctuation, so real names are not flagged.
pub fn looks_mis_encoded(value: &str) -> bool {
    let bytes: Vec<Option<u8>> = value.chars().map(windows_1252_byte).collect();
    bytes.iter().enumerate().any(|(i, lead)| {
        let needed = match lead {
            Some(0xC2..=0xDF) => 1,
            Some(0xE0..=0xEF) => 2,
            Some(0xF0..=0xF4) => 3,
            _ => return false,
        };
        let Some(run) = bytes.get(i..=i + needed) else { return false };
        let run: Option<Vec<u8>> = run.iter().copied().collect();
        run.is_some_and(|run| run[1..].iter().all(|b| (0x80..=0xBF).contains(b)) && std::str::from_utf8(&run).is_ok())
    })
}

/// The byte Windows-1252 (or, for 80–9F that it leaves undefined, Latin-1) writes as this character.
fn windows_1252_byte(c: char) -> Option<u8> {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match u32::from(c) {
        0xA0..=0xFF => u8::try_from(u32::from(c)).ok(),
        0x80..=0x9F => u8::try_from(u32::from(c)).ok(),
        _ => HIGH.iter().position(|h| *h == c).and_then(|i| u8::try_from(0x80 + i).ok()),
    }
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
    fn utf16_is_told_from_utf8_with_or_without_a_byte_order_mark() {
        let utf16 = |text: &str, little: bool| -> Vec<u8> {
            text.encode_utf16().flat_map(|u| if little { u.to_le_bytes() } else { u.to_be_bytes() }).collect()
        };
        for text in ["a,b\n1,2\n", "Enw,Tref\nLlŷr Siân Ŵyn,Caernarfon\n"] {
            for little in [true, false] {
                assert!(is_utf16(&utf16(text, little)), "{text} {little}");
            }
        }
        assert!(is_utf16(b"\xFF\xFEa\0"));
        assert!(is_utf16(b"\xFE\xFF\0a"));
        for utf8 in [&b""[..], b"a", b"a,b\n1,2\n", "Llŷr,Siân\n".as_bytes(), b"a,b\nx\0y,z\n", b"\xEF\xBB\xBFa,b\n"]
        {
            assert!(!is_utf16(utf8), "{utf8:?}");
        }
    }

    #[test]
    fn a_workbook_is_named_as_such() {
        for start in [&b"PK\x03\x04\x14\x00\x06\x00"[..], b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00"] {
            let err = text(Path::new("t.xlsx"), start).unwrap_err();
            assert!(matches!(err, Error::Exchange(Exchange::Workbook(_))), "{err:?}");
        }
    }

    #[test]
    fn a_nul_byte_is_refused_with_its_line_and_column() {
        let err = parse(Path::new("t.csv"), "a,b\n1,2\n\n3,x\0y\n").unwrap_err();
        assert!(
            matches!(err, Error::Exchange(Exchange::NulByte { line: 4, column: 2, header: Some(ref h), .. }) if h == "b"),
            "{err:?}"
        );
    }

    #[test]
    fn no_rows_is_told_apart_from_nothing_at_all() {
        let parsed = |text: &str| parse(Path::new("t.csv"), text).unwrap_err();
        for empty in ["", "\n\n", " , \r\n,,"] {
            assert!(matches!(parsed(empty), Error::Exchange(Exchange::EmptyFile(_))), "{empty:?}");
        }
        for header_only in ["a,b", "a,b\r\n", "a,b\n,\n\n"] {
            assert!(matches!(parsed(header_only), Error::Exchange(Exchange::NoRows(_))), "{header_only:?}");
        }
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

    #[test]
    fn text_re_saved_in_the_wrong_encoding_is_recognised() {
        for bad in ["SiÃ¢n", "cafÃ©", "Oâ€™Brien", "Â£5", "Ã‰lodie", "LlÅ·r", "N\u{c3}\u{ad} Bhriain"] {
            assert!(looks_mis_encoded(bad), "{bad}");
        }
        for fine in [
            "Siân",
            "Llŷr",
            "café",
            "O’Brien",
            "£5",
            "Élodie",
            "Ní Bhriain",
            "Jones, née Pryce",
            "Zoë",
            "Ångström",
            "",
            "ÂÃ",
            "Ã",
        ] {
            assert!(!looks_mis_encoded(fine), "{fine}");
        }
    }
}
