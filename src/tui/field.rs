//! One field of a form: how it is edited (text, pick-list, yes/no) and what was typed in it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::domain::fields::{Choice, FieldSpec, FieldType};

/// How a field takes input.
// A form has a few dozen fields: boxing the text editor would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Editor {
    /// Text as typed; `multiline` fields take Enter as a new line.
    Text {
        area: TextArea<'static>,
        multiline: bool,
    },
    /// One of a fixed list, or nothing chosen yet.
    Pick {
        choices: &'static [Choice],
        selected: Option<usize>,
    },
    YesNo(Option<bool>),
}

/// A field on screen: what it is, what has been typed, and what is wrong with it.
#[derive(Debug, Clone)]
pub struct FormField {
    pub spec: FieldSpec,
    pub editor: Editor,
    /// Set when the field is left with a value that does not check out; cleared once it does.
    pub error: Option<String>,
    /// Holds a value the program suggested (now, for "when it happened") that nobody has touched
    /// yet: like a selected default, the first character typed replaces it, Backspace clears it,
    /// and an arrow, Home or End keeps it to edit.
    pub prefilled: bool,
}

fn text_area(value: &str) -> TextArea<'static> {
    let lines: Vec<String> =
        if value.is_empty() { vec![String::new()] } else { value.lines().map(String::from).collect() };
    let mut area = TextArea::new(lines);
    area.set_cursor_line_style(ratatui::style::Style::default());
    area.move_cursor(ratatui_textarea::CursorMove::Bottom);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

impl FormField {
    pub fn new(spec: FieldSpec, value: &str) -> FormField {
        let editor = match spec.ty {
            FieldType::Pick(choices) => {
                Editor::Pick { choices, selected: choices.iter().position(|c| c.name == value) }
            }
            FieldType::YesNo => Editor::YesNo(crate::domain::fields::parse_yes_no(value).ok()),
            FieldType::LongText => Editor::Text { area: text_area(value), multiline: true },
            _ => Editor::Text { area: text_area(value), multiline: false },
        };
        FormField { spec, editor, error: None, prefilled: false }
    }

    /// A field holding a suggested value that typing replaces (see `prefilled`).
    pub fn prefilled(spec: FieldSpec, value: &str) -> FormField {
        let mut field = FormField::new(spec, value);
        if let Editor::Text { area, .. } = &mut field.editor {
            area.select_all();
            field.prefilled = !value.is_empty();
        }
        field
    }

    /// What was typed, in the form `--set` takes: text as typed, a choice's stored name, yes or no.
    pub fn raw(&self) -> String {
        match &self.editor {
            Editor::Text { area, .. } => area.lines().join("\n"),
            Editor::Pick { choices, selected } => selected.map(|i| choices[i].name.to_string()).unwrap_or_default(),
            Editor::YesNo(value) => match value {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
        }
    }

    /// The value as the form shows it.
    pub fn shown(&self) -> String {
        match &self.editor {
            Editor::Text { area, .. } => area.lines().join("\n"),
            Editor::Pick { choices, selected } => {
                selected.map(|i| choices[i].label.to_string()).unwrap_or_else(|| "(choose)".into())
            }
            Editor::YesNo(value) => match value {
                Some(true) => "Yes".into(),
                Some(false) => "No".into(),
                None => "(yes or no)".into(),
            },
        }
    }

    pub fn is_multiline(&self) -> bool {
        matches!(self.editor, Editor::Text { multiline: true, .. })
    }

    /// Sets the text of a text field (pasting a found value, restoring a draft).
    pub fn set_text(&mut self, value: &str) {
        if let Editor::Text { area, .. } = &mut self.editor {
            *area = text_area(value);
            self.prefilled = false;
        }
    }

    /// Pastes text at the cursor of a text field: a field of several lines keeps the line breaks, a
    /// one-line field puts spaces in their place (SNOMED codes, one a line, are separated by "; ").
    /// A choice or a yes/no ignores a paste: a letter in the text would pick something unasked for.
    /// Returns true if the field took it (a text field), false if it ignored it.
    pub fn paste(&mut self, text: &str) -> bool {
        let separator = if matches!(self.spec.ty, FieldType::Codes) { "; " } else { " " };
        match &mut self.editor {
            Editor::Text { area, multiline: true } => area.insert_str(super::paste::with_newlines(text)),
            Editor::Text { area, multiline: false } => area.insert_str(super::paste::on_one_line(text, separator)),
            Editor::Pick { .. } | Editor::YesNo(_) => return false,
        };
        true
    }

    /// Passes a key to the field. Returns true if the field used it.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        match &mut self.editor {
            Editor::Text { area, multiline } => {
                if key.code == KeyCode::Enter && !*multiline {
                    return false;
                }
                if std::mem::take(&mut self.prefilled) {
                    area.cancel_selection();
                    let typing = matches!(key.code, KeyCode::Char(_))
                        && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                    if typing || matches!(key.code, KeyCode::Backspace | KeyCode::Delete) {
                        *area = text_area("");
                        if !typing {
                            return true;
                        }
                    }
                }
                area.input(key)
            }
            Editor::Pick { choices, selected } => pick_input(choices, selected, key),
            Editor::YesNo(value) => {
                let next = match key.code {
                    KeyCode::Char('y' | 'Y') => Some(true),
                    KeyCode::Char('n' | 'N') => Some(false),
                    KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right => Some(!value.unwrap_or(false)),
                    KeyCode::Backspace | KeyCode::Delete => None,
                    _ => return false,
                };
                *value = next;
                true
            }
        }
    }
}

/// Left/Right or Space move through the choices; a letter jumps to the next choice starting with it.
fn pick_input(choices: &'static [Choice], selected: &mut Option<usize>, key: KeyEvent) -> bool {
    let n = choices.len();
    if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return false;
    }
    *selected = match key.code {
        KeyCode::Right | KeyCode::Char(' ') => Some(selected.map_or(0, |i| (i + 1) % n)),
        KeyCode::Left => Some(selected.map_or(n - 1, |i| (i + n - 1) % n)),
        KeyCode::Backspace | KeyCode::Delete => None,
        KeyCode::Char(c) if c.is_alphanumeric() => {
            let start = selected.map_or(0, |i| i + 1);
            let wanted = c.to_lowercase().next().unwrap_or(c);
            let starts = |i: &usize| choices[*i].label.to_lowercase().starts_with(wanted);
            match (start..n).chain(0..start).find(starts) {
                Some(i) => Some(i),
                None => return true,
            }
        }
        _ => return false,
    };
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::Kind;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_text(field: &mut FormField, text: &str) {
        for c in text.chars() {
            field.input(key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn text_fields_take_what_is_typed_and_one_line_fields_refuse_enter() {
        let mut field = FormField::new(*Kind::Prescription.field("drug").unwrap(), "");
        type_text(&mut field, "Amoxicillin 500mg");
        assert!(!field.input(key(KeyCode::Enter)));
        assert_eq!(field.raw(), "Amoxicillin 500mg");
        let mut notes = FormField::new(*Kind::Note.field("notes").unwrap(), "");
        type_text(&mut notes, "line one");
        assert!(notes.input(key(KeyCode::Enter)));
        type_text(&mut notes, "line two");
        assert_eq!(notes.raw(), "line one\nline two");
    }

    fn occurred_at() -> FieldSpec {
        *crate::domain::fields::COMMON_FIELDS.iter().find(|f| f.name == "occurred_at").unwrap()
    }

    fn prefilled_time() -> FormField {
        FormField::prefilled(occurred_at(), "27/11/2026 14:30")
    }

    #[test]
    fn typing_replaces_a_prefilled_value_nobody_has_touched() {
        let mut when = prefilled_time();
        type_text(&mut when, "2.30pm");
        assert_eq!(when.raw(), "2.30pm");
        assert!(!when.prefilled);
    }

    #[test]
    fn backspace_clears_a_prefilled_value() {
        let mut when = prefilled_time();
        assert!(when.input(key(KeyCode::Backspace)));
        assert_eq!(when.raw(), "");
        type_text(&mut when, "9am");
        assert_eq!(when.raw(), "9am");
    }

    #[test]
    fn arrows_home_and_end_keep_a_prefilled_value_to_edit() {
        let mut when = prefilled_time();
        when.input(key(KeyCode::Backspace));
        when.input(key(KeyCode::Left));
        assert_eq!(when.raw(), "", "Backspace cleared it first");

        let mut when = prefilled_time();
        when.input(key(KeyCode::End));
        when.input(key(KeyCode::Backspace));
        type_text(&mut when, "5");
        assert_eq!(when.raw(), "27/11/2026 14:35");

        let mut when = prefilled_time();
        when.input(key(KeyCode::Home));
        type_text(&mut when, "x");
        assert_eq!(when.raw(), "x27/11/2026 14:30");

        let mut when = prefilled_time();
        when.input(key(KeyCode::Left));
        when.input(key(KeyCode::Left));
        type_text(&mut when, "9");
        assert_eq!(when.raw(), "27/11/2026 14:930");
    }

    #[test]
    fn a_value_typed_or_restored_is_never_replaced() {
        let mut when = FormField::new(occurred_at(), "27/11/2026 14:30");
        type_text(&mut when, "5");
        assert_eq!(when.raw(), "27/11/2026 14:305");
        let mut when = prefilled_time();
        when.set_text("26/11/2026 09:00");
        type_text(&mut when, "5");
        assert_eq!(when.raw(), "26/11/2026 09:005");
    }

    #[test]
    fn pick_lists_move_with_arrows_and_jump_by_letter() {
        let mut urgency = FormField::new(*Kind::Referral.field("urgency").unwrap(), "");
        assert_eq!(urgency.raw(), "");
        urgency.input(key(KeyCode::Right));
        assert_eq!(urgency.raw(), "two_week_wait");
        urgency.input(key(KeyCode::Char('r')));
        assert_eq!(urgency.raw(), "routine");
        urgency.input(key(KeyCode::Left));
        assert_eq!(urgency.raw(), "urgent");
        assert_eq!(urgency.shown(), "Urgent");
    }

    #[test]
    fn a_paste_keeps_line_breaks_only_where_the_field_has_lines() {
        let mut summary = FormField::new(*Kind::Note.field("summary").unwrap(), "");
        type_text(&mut summary, "Seen: ");
        assert!(summary.paste("line one\r\nline two\nline three"));
        assert_eq!(summary.raw(), "Seen: line one line two line three");
        let mut notes = FormField::new(*Kind::Note.field("notes").unwrap(), "");
        assert!(notes.paste("line one\r\nline two\rline three"));
        assert_eq!(notes.raw(), "line one\nline two\nline three");
        type_text(&mut notes, " and more");
        assert_eq!(notes.raw(), "line one\nline two\nline three and more");
    }

    #[test]
    fn snomed_codes_pasted_one_a_line_stay_separate_codes() {
        let mut codes = FormField::new(*Kind::Note.field("codes").unwrap(), "");
        codes.paste("22298006\n38341003 |Hypertension|\n195967001\n");
        assert_eq!(codes.raw(), "22298006; 38341003 |Hypertension|; 195967001");
        let parsed = crate::domain::snomed::parse_codes(&codes.raw()).unwrap();
        let ids: Vec<&str> = parsed.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["22298006", "38341003", "195967001"]);
    }

    #[test]
    fn a_paste_never_sets_a_choice() {
        let mut urgency = FormField::new(*Kind::Referral.field("urgency").unwrap(), "");
        assert!(!urgency.paste("routine"));
        assert_eq!(urgency.raw(), "");
        let mut abnormal = FormField::new(*Kind::Pathology.field("abnormal").unwrap(), "");
        assert!(!abnormal.paste("yes"));
        assert_eq!(abnormal.raw(), "");
    }

    #[test]
    fn a_paste_too_long_for_its_field_is_kept_whole() {
        let mut summary = FormField::new(*Kind::Note.field("summary").unwrap(), "");
        summary.paste(&"x".repeat(5000));
        assert_eq!(summary.raw().len(), 5000);
    }

    #[test]
    fn yes_no_toggles() {
        let mut abnormal = FormField::new(*Kind::Pathology.field("abnormal").unwrap(), "");
        abnormal.input(key(KeyCode::Char('y')));
        assert_eq!(abnormal.raw(), "yes");
        abnormal.input(key(KeyCode::Char(' ')));
        assert_eq!(abnormal.raw(), "no");
    }
}
