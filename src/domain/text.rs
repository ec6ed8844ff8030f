//! Text as typed: length limits counted in characters, making stored text safe to show on a
//! terminal, and laying it out there by display width.

use std::borrow::Cow;
use std::fmt::Write;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Characters that must never reach a terminal raw, wherever they are: C0 and C1 controls, DEL
/// and NUL (they drive the terminal: retitle it, clear it, move the cursor); the bidirectional
/// overrides, embeddings, isolates and marks, which make text show in another order than it is
/// stored; and the characters that take no room at all, which make two different texts look the
/// same ("JS" and "J\u{200b}S"). The line and paragraph separators are line breaks by another name.
fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
                | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
                | '\u{2028}' | '\u{2029}'
        )
}

const ZWJ: char = '\u{200D}';
const ZWNJ: char = '\u{200C}';

/// Letters (and their marks) of the scripts in which a zero-width joiner or non-joiner changes
/// what is seen: Arabic, Syriac, Thaana and N'Ko, whose letters join, and the Indic scripts and
/// Sinhala, whose consonants combine. Persian writes ZWNJ inside words ("I want" is
/// می\u{200c}خواهم); Sinhala writes ZWJ in ශ්\u{200d}රී ("Sri").
fn joins_in_its_script(c: char) -> bool {
    use unicode_normalization::char::is_combining_mark;
    matches!(c, '\u{0600}'..='\u{0DFF}' | '\u{1800}'..='\u{18AF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}')
        && (c.is_alphabetic() || is_combining_mark(c))
        && !is_unsafe_for_terminal(c)
}

/// A character that attaches to the one before it (an accent, a variation selector, a joiner).
fn attaches(c: char) -> bool {
    let mut pair = [0u8; 8];
    'a'.encode_utf8(&mut pair);
    let len = 1 + c.encode_utf8(&mut pair[1..]).len();
    std::str::from_utf8(&pair[..len]).is_ok_and(|s| s.graphemes(true).count() == 1)
}

/// Whether the ZWJ at byte `at` of `s` joins what is on each side into one picture (👩‍⚕️, the
/// family emoji, ❤️‍🔥) or one conjunct (क्‍ष), as Unicode's grapheme rules have it: something that
/// does not merely attach follows it inside the same grapheme.
fn zwj_joins(s: &str, at: usize) -> bool {
    let Some((start, grapheme)) = s.grapheme_indices(true).take_while(|(start, _)| *start <= at).last() else {
        return false;
    };
    grapheme[at - start + ZWJ.len_utf8()..].chars().next().is_some_and(|next| !attaches(next))
}

/// Whether the character `c` at byte `at` of `s` must not reach a terminal raw. The one rule, used
/// by every way text is shown: a joiner is kept where it does visible work (see above), and shown
/// escaped anywhere else, where it is invisible.
fn must_escape(s: &str, at: usize, c: char) -> bool {
    if !is_unsafe_for_terminal(c) {
        return false;
    }
    if c != ZWJ && c != ZWNJ {
        return true;
    }
    let before = s[..at].chars().next_back();
    let after = s[at + c.len_utf8()..].chars().next();
    let between_letters = before.is_some_and(joins_in_its_script) && after.is_some_and(joins_in_its_script);
    !(between_letters || (c == ZWJ && zwj_joins(s, at)))
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

/// Whether `b` can begin a character the rule refuses, in UTF-8: a C0 control or DEL, or the lead
/// byte of C1 (0xC2), U+061C (0xD8), the bidi and zero-width characters and separators of
/// U+200B-U+206F (0xE2) or U+FEFF (0xEF). Text without one (most text: ASCII, accents, Welsh,
/// CJK, emoji) is passed by a look at its bytes.
fn may_begin_refused(b: u8, keep_lines: bool) -> bool {
    (b < 0x20 && !(keep_lines && (b == b'\n' || b == b'\t'))) || matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2 | 0xef)
}

/// `s` with every character the rule refuses (line ends and tabs kept if `keep_lines`) passed to
/// `replace`.
fn rewrite(s: &str, keep_lines: bool, replace: impl Fn(&mut String, char)) -> Cow<'_, str> {
    if !s.bytes().any(|b| may_begin_refused(b, keep_lines)) {
        return Cow::Borrowed(s);
    }
    let refused = |(at, c): (usize, char)| !(keep_lines && (c == '\n' || c == '\t')) && must_escape(s, at, c);
    if !s.char_indices().any(refused) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (at, c) in s.char_indices() {
        if refused((at, c)) {
            replace(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line for a table cell: every control character (newlines included) is shown escaped.
pub fn escape_inline(s: &str) -> Cow<'_, str> {
    rewrite(s, false, escape_char)
}

/// Multi-line text for display: newlines and tabs are kept, every other control character is escaped.
pub fn escape_multiline(s: &str) -> Cow<'_, str> {
    rewrite(s, true, escape_char)
}

/// A value from outside the program (what someone typed, what a file or the database holds) as a
/// message quotes it: between double quotes and on the message's own line, with a line break, a tab
/// or an escape sequence in it shown escaped. A message is written as lines, so the output keeps
/// its line breaks; this is what keeps a value from making one of its own. Values a message names
/// without quotes go through [`escape_inline`], and file names through [`path_inline`].
pub fn quoted(value: &str) -> String {
    format!("\"{}\"", escape_inline(value))
}

/// Values from outside the program named one after another ("JS, AB"), each escaped.
pub fn escape_list(values: &[impl AsRef<str>]) -> String {
    values.iter().map(|v| escape_inline(v.as_ref())).collect::<Vec<_>>().join(", ")
}

/// A file's path as a message names it: on one line, escaped as [`quoted`] escapes a value.
pub fn path_inline(path: &std::path::Path) -> String {
    escape_inline(&path.display().to_string()).into_owned()
}

/// JSON as serde_json writes it, with what the rule refuses in JSON's own `\uXXXX` escapes, so
/// that a script reading it gets back exactly what was stored, and a person reading it on a
/// terminal sees the escape. serde_json escapes C0 controls inside strings already, so a line end
/// or tab found raw lies between values and stays; DEL, C1, bidi and zero-width characters it
/// leaves raw inside strings, where an escape means the same. Every character the rule names is in
/// the Basic Multilingual Plane, so one `\uXXXX` each. Joiners are escaped here even inside an
/// emoji: nothing is lost by it.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    let refused = |c: char| is_unsafe_for_terminal(c) && !matches!(c, '\n' | '\t' | '\r');
    if !json.chars().any(refused) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if refused(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One cell of a drawn screen (a grapheme), between the characters drawn either side of it: what
/// the rule refuses is left out, and a cell left empty shows `�`. The screens escape text before
/// drawing it; this is the last guard, for text that reaches a cell any other way.
pub fn terminal_cell(before: Option<char>, symbol: &str, after: Option<char>) -> Option<String> {
    if symbol.is_ascii() && !symbol.bytes().any(|b| b.is_ascii_control()) {
        return None;
    }
    let mut line = String::with_capacity(symbol.len() + 8);
    line.extend(before);
    let start = line.len();
    line.push_str(symbol);
    let end = line.len();
    line.extend(after);
    let kept: String =
        line[start..end].char_indices().filter(|&(at, c)| !must_escape(&line, start + at, c)).map(|(_, c)| c).collect();
    match kept.as_str() {
        _ if kept.len() == symbol.len() => None,
        "" => Some("\u{FFFD}".to_string()),
        _ => Some(kept),
    }
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
    fn a_value_quoted_or_named_in_a_message_keeps_to_one_line() {
        assert_eq!(quoted("Kim\nLee\t\u{1b}[31m"), "\"Kim\\nLee\\t\\u{1b}[31m\"");
        assert_eq!(quoted("Siân Llŷr"), "\"Siân Llŷr\"");
        assert_eq!(escape_list(&["JS", "K\nL"]), "JS, K\\nL");
        assert_eq!(path_inline(std::path::Path::new("/media/usb/a\nb.db")), "/media/usb/a\\nb.db");
    }

    #[test]
    fn bidi_overrides_are_escaped() {
        assert_eq!(escape_inline("a\u{202E}b"), "a\\u{202e}b");
    }

    #[test]
    fn multiline_keeps_newlines_but_not_escapes() {
        assert_eq!(escape_multiline("a\nb\u{1b}c"), "a\nb\\u{1b}c");
    }

    /// Each character the rule names, between two letters, as a person would have to spot it.
    const HOSTILE: [char; 20] = [
        '\0', '\u{7}', '\u{8}', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202a}', '\u{202e}', '\u{2066}',
        '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
    ];

    #[test]
    fn every_control_bidi_and_zero_width_character_is_escaped() {
        for c in HOSTILE {
            let s = format!("Jo{c}nes");
            let inline = escape_inline(&s);
            assert_eq!(inline, format!("Jo\\u{{{:x}}}nes", c as u32).replace("\\u{d}", "\\r"), "{c:?}");
            assert!(!escape_multiline(&s).contains(c), "{c:?}");
            assert!(!escape_inline(&format!("{c}")).contains(c), "{c:?} alone");
            assert!(!escape_inline(&format!("{c}{c}{c}")).contains(c), "{c:?} thrice");
        }
        assert_eq!(escape_inline("a\u{2028}b\u{2029}"), "a\\u{2028}b\\u{2029}");
    }

    #[test]
    fn a_zero_width_joiner_inside_an_emoji_is_kept() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let on_fire = "\u{2764}\u{FE0F}\u{200D}\u{1F525}";
        let rainbow = "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}";
        let dark_nurse = "\u{1F469}\u{1F3FF}\u{200D}\u{2695}\u{FE0F}";
        for emoji in [family, on_fire, rainbow, dark_nurse, NURSE] {
            assert!(matches!(escape_inline(emoji), Cow::Borrowed(_)), "{emoji:?}");
            let said = format!("Call back {emoji} re results");
            assert_eq!(escape_multiline(&said), said);
        }
        // Between letters, or before an accent, it joins nothing and hides: "JS" is not "J‍S".
        assert_eq!(escape_inline("J\u{200D}S"), "J\\u{200d}S");
        assert_eq!(escape_inline("\u{1F468}\u{200D}"), "\u{1F468}\\u{200d}");
        assert_eq!(escape_inline("\u{200D}\u{1F468}"), "\\u{200d}\u{1F468}");
        assert_eq!(escape_inline("\u{1F468}\u{200D}\u{301}"), "\u{1F468}\\u{200d}\u{301}");
        assert_eq!(escape_inline("\u{1F468}\u{200D}a"), "\u{1F468}\\u{200d}a");
    }

    #[test]
    fn joiners_are_kept_where_a_script_uses_them_and_nowhere_else() {
        let persian = "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}";
        let sinhala = "\u{DC1}\u{DCA}\u{200D}\u{DBB}\u{DD3}";
        let devanagari = "\u{915}\u{94D}\u{200D}\u{937}";
        for s in [persian, sinhala, devanagari] {
            assert!(matches!(escape_inline(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert_eq!(escape_inline("Jo\u{200C}nes"), "Jo\\u{200c}nes");
        assert_eq!(escape_inline("\u{645}\u{200C}a"), "\u{645}\\u{200c}a");
        assert_eq!(escape_inline("\u{645}\u{61C}\u{200C}\u{645}"), "\u{645}\\u{61c}\\u{200c}\u{645}");
    }

    #[test]
    fn json_escapes_keep_every_character() {
        let stored: String =
            HOSTILE.into_iter().chain(['\u{2028}', 'ŵ', '\u{1F468}']).collect::<String>() + "\u{200D}\u{1F469}";
        let written = serde_json::to_string_pretty(&serde_json::json!({ "summary": stored, "list": [1, 2] })).unwrap();
        let safe = escape_json(&written);
        assert!(!safe.chars().any(|c| c != '\n' && is_unsafe_for_terminal(c)), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["summary"], stored.as_str());
        assert!(matches!(escape_json("\"Siân Llŷr\""), Cow::Borrowed(_)));
    }

    #[test]
    fn a_drawn_cell_loses_what_the_rule_refuses() {
        assert_eq!(terminal_cell(None, "a", None), None);
        assert_eq!(terminal_cell(None, "\u{1b}", None).as_deref(), Some("\u{FFFD}"));
        assert_eq!(terminal_cell(Some('x'), "a\u{202E}", Some('b')).as_deref(), Some("a"));
        assert_eq!(terminal_cell(Some('x'), "a\u{200B}", None).as_deref(), Some("a"));
        assert_eq!(terminal_cell(None, NURSE, None), None);
        assert_eq!(
            terminal_cell(None, "\u{645}\u{200C}", Some('\u{62E}')),
            None,
            "a joiner before the next cell's letter"
        );
        assert_eq!(terminal_cell(None, "e\u{200C}", Some('f')).as_deref(), Some("e"));
        assert_eq!(terminal_cell(None, "ŵ", None), None);
    }

    #[test]
    fn every_refused_character_begins_with_a_byte_the_quick_look_stops_at() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32).filter(|&c| is_unsafe_for_terminal(c)) {
            let mut bytes = [0u8; 4];
            c.encode_utf8(&mut bytes);
            assert!(may_begin_refused(bytes[0], false), "{c:?}");
        }
    }

    #[test]
    fn plain_and_unicode_text_is_untouched() {
        for s in ["Siân Llŷr — مرحبا 😀", "Ffion ap Rhys-Ŵyn", "שלום עולם", "王秀英", "Zoe\u{301}", "नमस्ते"]
        {
            assert!(matches!(escape_inline(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(escape_multiline(s), Cow::Borrowed(_)), "{s:?}");
        }
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
