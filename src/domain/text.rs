//! Text as typed: length limits counted in characters, and making stored text safe to show on a terminal.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that must never reach a terminal raw: C0 and C1 controls, DEL, and the
/// bidirectional overrides that can make text display in a different order from how it is stored.
fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// One line for a table cell: every control character (newlines included) is shown escaped.
pub fn escape_inline(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_for_terminal(c) {
            escape_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Multi-line text for display: newlines and tabs are kept, every other control character is escaped.
pub fn escape_multiline(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c != '\n' && c != '\t' && is_unsafe_for_terminal(c);
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            escape_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `width` characters, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> Cow<'_, str> {
    if s.chars().count() <= width {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

/// Lower case, accents dropped, everything but letters and digits removed: how names and headers
/// are compared, so that "Siân" typed as "Sian" or "SIAN" still finds her, and "Łukasz" typed on
/// an English keyboard as "Lukasz" finds him.
pub fn fold(s: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    let mut out = String::with_capacity(s.len());
    for c in s.nfd().filter(|c| !is_combining_mark(*c) && c.is_alphanumeric()).flat_map(char::to_lowercase) {
        match plain_letters(c) {
            Some(plain) => out.push_str(plain),
            None => out.push(c),
        }
    }
    out
}

/// Letters that carry their mark inside them, so Unicode does not split it off: what they are
/// typed as on an English keyboard. Schema 7 applies the same table to names already stored, so
/// the two must change together.
fn plain_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'ł' | 'ŀ' => "l",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ı' => "i",
        'ŧ' => "t",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'þ' => "th",
        _ => return None,
    })
}

/// The characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
/// return, that Excel strips before doing so): `=`, `+`, `-`, `@`, tab, carriage return.
pub const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell for a CSV file that Excel or LibreOffice will open: one starting with a formula
/// trigger gets a leading `'`, which spreadsheets show as text and never run (OWASP, "CSV
/// Injection"). A plain negative number such as `-3` or `-2.5` is left alone: Excel reads it as a
/// number, never a formula, and sums over it keep working. Every CSV cutover writes goes through
/// this one function; `import` undoes it with [`strip_formula_guard`].
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let Some(first) = cell.chars().next() else { return Cow::Borrowed(cell) };
    if !FORMULA_TRIGGERS.contains(&first) || is_plain_negative_number(cell) {
        return Cow::Borrowed(cell);
    }
    Cow::Owned(format!("'{cell}"))
}

/// The value a cell held before [`spreadsheet_safe`]: a `'` followed by a formula trigger loses the
/// `'`, so that a rejects file (or any CSV cutover wrote) imports exactly what was typed. A `'`
/// before anything else is kept (it is part of the value, as in `'t Hooft`).
pub fn strip_formula_guard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest,
        _ => cell,
    }
}

fn is_plain_negative_number(cell: &str) -> bool {
    let Some(rest) = cell.strip_prefix('-') else { return false };
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_never_survive_inline() {
        let s = "Mrs \u{1b}[2J Jones\nline two\u{7}";
        let shown = escape_inline(s);
        assert!(!shown.chars().any(|c| c.is_control()));
        assert_eq!(shown, "Mrs \\u{1b}[2J Jones\\nline two\\u{7}");
    }

    #[test]
    fn bidi_overrides_are_escaped() {
        assert_eq!(escape_inline("a\u{202E}b"), "a\\u{202e}b");
    }

    #[test]
    fn multiline_keeps_newlines_but_not_escapes() {
        assert_eq!(escape_multiline("a\nb\u{1b}c"), "a\nb\\u{1b}c");
    }

    #[test]
    fn plain_and_unicode_text_is_untouched() {
        let s = "Siân Llŷr — مرحبا 😀";
        assert!(matches!(escape_inline(s), Cow::Borrowed(_)));
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("ŵŵŵŵ", 3), "ŵŵ…");
        assert_eq!(truncate("ŵŵŵ", 3), "ŵŵŵ");
    }

    #[test]
    fn fold_ignores_case_spaces_and_punctuation() {
        assert_eq!(fold("O'Brien-Smith"), "obriensmith");
        assert_eq!(fold("NHS No."), "nhsno");
    }

    #[test]
    fn fold_drops_accents_including_those_unicode_keeps_inside_a_letter() {
        assert_eq!(fold("Siân Llŷr"), "sianllyr");
        assert_eq!(fold("Zoë"), fold("ZOE"));
        assert_eq!(fold("Łukasz"), "lukasz");
        assert_eq!(fold("Łukasz"), fold("LUKASZ"));
        assert_eq!(fold("Søren Ærø"), "sorenaero");
        assert_eq!(fold("Straße"), fold("Strasse"));
    }

    #[test]
    fn formula_cells_are_neutralised_for_spreadsheets() {
        for cell in [
            "=1+1",
            "+44 7700 900123",
            "-ve pregnancy test",
            "@SUM(A1)",
            "\t=x",
            "\r=x",
            "-",
            "-1+1",
            "=HYPERLINK(\"http://x\")",
        ] {
            let safe = spreadsheet_safe(cell);
            assert_eq!(safe, format!("'{cell}"), "{cell:?}");
            assert_eq!(strip_formula_guard(&safe), cell, "round trip of {cell:?}");
        }
        for cell in ["", "Amoxicillin", "-3", "-2.5", "0", "'quoted", "a=b", " =x"] {
            assert_eq!(spreadsheet_safe(cell), cell, "{cell:?}");
            assert_eq!(strip_formula_guard(cell), cell, "{cell:?}");
        }
        assert_eq!(spreadsheet_safe("-2."), "'-2.");
    }
}
