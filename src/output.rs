//! What the command line writes, made safe for a terminal in one place: every message, table and
//! line for people passes through [`Text`], which escapes what `domain::text`'s one rule refuses
//! (control characters, bidi controls, zero-width characters), whoever wrote the words and
//! wherever the text in them came from. Data for programs keeps the data: JSON in its own escapes,
//! CSV as stored unless a person is reading it on a terminal.

use std::io::{self, Write};

use crate::domain::text::{escape_json, escape_multiline};

/// Text for people on its way to `inner`: escaped whole lines at a time, so that a joiner is
/// judged with the characters either side of it. Lines are gathered up to a few kilobytes (a table
/// of a hundred thousand rows costs little more than writing it straight); what is not passed on
/// yet goes at `flush`, before data, or when the writer is dropped.
pub struct Text<'a> {
    inner: &'a mut dyn Write,
    waiting: Vec<u8>,
}

/// How much text is gathered before it is passed on.
const GATHER: usize = 8 * 1024;

impl<'a> Text<'a> {
    pub fn new(inner: &'a mut dyn Write) -> Text<'a> {
        Text { inner, waiting: Vec::new() }
    }

    /// Writes out the lines ended so far (all of it if `all`), escaped.
    fn pass_on(&mut self, all: bool) -> io::Result<()> {
        let end =
            if all { self.waiting.len() } else { self.waiting.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) };
        if end == 0 {
            return Ok(());
        }
        // What a command writes is UTF-8; anything else is shown as the replacement character.
        let lines = String::from_utf8_lossy(&self.waiting[..end]);
        self.inner.write_all(escape_multiline(&lines).as_bytes())?;
        self.waiting.drain(..end);
        Ok(())
    }

    /// The writer underneath, for data that keeps its own bytes, once every line before it is out.
    fn raw(&mut self) -> io::Result<&mut dyn Write> {
        self.pass_on(true)?;
        Ok(&mut *self.inner)
    }
}

impl Write for Text<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.waiting.extend_from_slice(buf);
        if self.waiting.len() >= GATHER {
            self.pass_on(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_on(true)?;
        self.inner.flush()
    }
}

impl Drop for Text<'_> {
    fn drop(&mut self) {
        let _ = self.pass_on(true);
    }
}

/// Standard output: text for people through `Write`, or data through [`Out::csv`] and
/// [`Out::json`].
pub struct Out<'a> {
    text: Text<'a>,
    to_terminal: bool,
}

impl<'a> Out<'a> {
    /// `to_terminal`: whether a person reads this as it is written (stdout is a terminal).
    pub fn new(inner: &'a mut dyn Write, to_terminal: bool) -> Out<'a> {
        Out { text: Text::new(inner), to_terminal }
    }

    /// Where CSV goes. To a file or a pipe, the cells as stored, so that a spreadsheet or a script
    /// gets exactly what was typed (a cell's formula guard aside); on a terminal, escaped as text.
    pub fn csv(&mut self) -> io::Result<&mut dyn Write> {
        if self.to_terminal { Ok(&mut self.text) } else { self.text.raw() }
    }

    /// Writes `json` (as serde_json made it) with what the rule refuses in JSON's own `\uXXXX`
    /// escapes: exactly the same data to a program, and nothing raw for a terminal.
    pub fn json(&mut self, json: &str) -> io::Result<()> {
        self.text.raw()?.write_all(escape_json(json).as_bytes())
    }
}

impl Write for Out<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.text.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.text.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_a_line_at_a_time_however_it_is_cut() {
        let mut inner = Vec::new();
        {
            let mut text = Text::new(&mut inner);
            let family = "👨\u{200D}👩\u{200D}👧".as_bytes();
            // Cut inside a character and between an emoji and its joiner.
            for piece in
                [&b"a\x1b[2J "[..], &family[..3], &family[3..5], &family[5..], b"\n\xe2\x80", b"\xaeb\n", b"end"]
            {
                text.write_all(piece).unwrap();
            }
            // Past the amount gathered, with no line end yet: nothing is cut off and escaped alone.
            text.write_all("x".repeat(GATHER).as_bytes()).unwrap();
            text.write_all("👨".as_bytes()).unwrap();
            text.write_all("\u{200D}👩\n".as_bytes()).unwrap();
        }
        let expected =
            format!("a\\u{{1b}}[2J 👨\u{200D}👩\u{200D}👧\n\\u{{202e}}b\nend{}👨\u{200D}👩\n", "x".repeat(GATHER));
        assert_eq!(String::from_utf8(inner).unwrap(), expected);
    }

    #[test]
    fn csv_keeps_its_bytes_off_a_terminal_and_escapes_them_on_one() {
        for (to_terminal, expected) in [(false, "x\n\u{1b}"), (true, "x\n\\u{1b}")] {
            let mut inner = Vec::new();
            {
                let mut out = Out::new(&mut inner, to_terminal);
                writeln!(out, "x").unwrap();
                out.csv().unwrap().write_all("\u{1b}".as_bytes()).unwrap();
            }
            assert_eq!(String::from_utf8(inner).unwrap(), expected);
        }
    }
}
