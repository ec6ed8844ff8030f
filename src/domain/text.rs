//! Text as typed: length limits counted in characters, making stored text safe to show on a
//! terminal, and laying it out there by display width.

use std::borrow::Cow;
use std::fmt::Write;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

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

/// Columns `s` takes on a terminal: two for a CJK character or an emoji (a ZWJ sequence such as
/// 👩‍⚕️ included), none for a combining accent or a zero-width character, one for most others.
/// Layout (padding, cutting, lining up) goes by this; length limits on fields go by characters.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// At most `columns` wide on a terminal, ending in `…` when cut. The cut falls between graphemes, so
/// an accent stays on its letter and a wide character is never split in half (the text then ends
/// a column short, for [`pad`] to fill).
pub fn truncate(s: &str, columns: usize) -> Cow<'_, str> {
    if width(s) <= columns {
        return Cow::Borrowed(s);
    }
    if columns == 0 {
        return Cow::Borrowed("");
    }
    let room = columns - 1;
    let mut end = 0;
    let mut used = 0;
    for (at, grapheme) in s.grapheme_indices(true) {
        used += width(grapheme);
        if used > room {
            break;
        }
        end = at + grapheme.len();
    }
    // Letters that join (Arabic lam-alef) measure differently together than one by one; the
    // whole is measured again so that what is kept always fits.
    let mut kept = &s[..end];
    while width(kept) > room {
        let last = kept.grapheme_indices(true).next_back().map_or(0, |(at, _)| at);
        kept = &kept[..last];
    }
    Cow::Owned(format!("{kept}…"))
}

/// `s` with spaces after it up to `columns` wide on a terminal, never cut: what `{:<n}` does, but
/// by display width, so that the next column starts in the same place on every line.
pub fn pad(s: &str, columns: usize) -> Cow<'_, str> {
    let shown = width(s);
    if shown >= columns {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("{s}{}", " ".repeat(columns - shown)))
}

/// Exactly `columns` wide on a terminal: cut as by [`truncate`], then padded as by [`pad`]. One
/// cell of a fixed-width table.
pub fn fit(s: &str, columns: usize) -> String {
    pad(&truncate(s, columns), columns).into_owned()
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

    const NURSE: &str = "👩\u{200D}⚕\u{FE0F}";
    const E_ACUTE: &str = "e\u{301}";

    #[test]
    fn width_is_columns_on_a_terminal_not_characters() {
        assert_eq!(width("Jones"), 5);
        assert_eq!(width("王秀英"), 6);
        assert_eq!(width("🩺"), 2);
        assert_eq!(width(NURSE), 2, "a ZWJ sequence is one picture");
        assert_eq!(width(&format!("Ren{E_ACUTE}e")), 5, "a combining accent takes no column");
        assert_eq!(width("a\u{200B}b"), 2, "a zero-width space takes no column");
    }

    #[test]
    fn truncate_cuts_by_display_width() {
        assert_eq!(truncate("王秀英", 6), "王秀英");
        assert_eq!(truncate("王秀英 Wang", 7), "王秀英…");
        assert_eq!(truncate("Nurse 🩺 visit", 9), "Nurse 🩺…");
        assert_eq!(truncate("Nurse 🩺 visit", 8), "Nurse …", "🩺 and … do not fit in three");
        assert_eq!(truncate(&format!("{NURSE}{NURSE}{NURSE}"), 5), format!("{NURSE}{NURSE}…"));
        for cut in [truncate("王秀英 Wang", 7), truncate("Nurse 🩺 visit", 9)] {
            assert!(width(&cut) <= 9, "{cut:?}");
        }
    }

    #[test]
    fn truncate_never_splits_a_wide_character_and_ends_a_column_short_instead() {
        // Four columns leave three for text before the `…`: one and a half characters.
        assert_eq!(truncate("王秀英", 4), "王…");
        assert_eq!(width(&truncate("王秀英", 4)), 3);
        assert_eq!(truncate(&format!("a{NURSE}{NURSE}"), 3), "a…");
        assert_eq!(truncate("王秀英", 1), "…");
        assert_eq!(truncate("王秀英", 0), "");
    }

    #[test]
    fn truncate_keeps_a_combining_accent_with_its_letter() {
        let name = format!("Ren{E_ACUTE}e Dupont");
        // Thirteen characters but twelve columns: nothing to cut.
        assert_eq!(truncate(&name, 12), name);
        assert_eq!(truncate(&name, 11), format!("Ren{E_ACUTE}e Dupo…"));
        assert_eq!(truncate(&name, 5), format!("Ren{E_ACUTE}…"));
        assert_eq!(truncate(&format!("{E_ACUTE}{E_ACUTE}{E_ACUTE}"), 2), format!("{E_ACUTE}…"));
        assert_eq!(truncate("a\u{200B}b\u{200B}c", 3), "a\u{200B}b\u{200B}c");
    }

    #[test]
    fn pad_and_fit_fill_to_the_same_column_whatever_the_script() {
        let cells = ["Jones", "王秀英", "Nurse 🩺", NURSE, &format!("Zo{E_ACUTE}"), "a\u{200B}b", "王秀英王秀英王秀英"];
        for cell in cells {
            assert_eq!(width(&fit(cell, 9)), 9, "{cell:?}");
            assert_eq!(width(&pad(cell, 9)), width(cell).max(9), "{cell:?}");
        }
        assert_eq!(pad("王秀英", 8), "王秀英  ");
        assert_eq!(pad(&format!("Zo{E_ACUTE}"), 5), format!("Zo{E_ACUTE}  "));
        assert_eq!(pad("王秀英王秀英", 8), "王秀英王秀英", "pad never cuts");
        assert_eq!(fit("王秀英王秀英", 8), "王秀英… ", "a wide character that would not fit leaves a space");
    }

    #[test]
    fn scripts_that_join_letters_do_not_upset_the_cut() {
        let samples = ["مرحبا لا سلام", "नमस्ते दुनिया", "한국어 텍스트", "Siân Llŷr"];
        for s in samples {
            for columns in 0..=width(s) + 1 {
                assert!(width(&truncate(s, columns)) <= columns, "{s:?} in {columns}");
            }
        }
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
