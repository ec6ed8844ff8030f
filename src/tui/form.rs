//! The entry form: exactly the fields of one kind, checked as each is left, saved as a draft as it
//! is typed, and turned into checked content when saved.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use serde::{Deserialize, Serialize};

use super::field::FormField;
use crate::domain::fields::{
    COMMON_FIELDS, EntryContent, FieldProblem, FieldSpec, FieldType, Flag, Kind, SEXES, input_form, parse_value,
};
use crate::domain::nhs::NhsNumber;
use crate::domain::{Problem, time};
use crate::entries::{self, Amendment, NewEntry, PatientGiven, TypedPatient, check_date_of_birth};
use crate::store::Patient;

/// Fields asked for a patient who is not found: NHS number if known, name, date of birth, sex, postcode.
const NEW_PATIENT_FIELDS: [FieldSpec; 6] = [
    FieldSpec { name: "new_nhs_number", label: "NHS number (if known)", ty: FieldType::Text(20), required: false },
    FieldSpec { name: "new_family_name", label: "Family name", ty: FieldType::Text(100), required: true },
    FieldSpec { name: "new_given_name", label: "Given name", ty: FieldType::Text(100), required: true },
    FieldSpec { name: "new_date_of_birth", label: "Date of birth", ty: FieldType::DateOfBirth, required: true },
    FieldSpec { name: "new_sex", label: "Sex", ty: FieldType::Pick(SEXES), required: false },
    FieldSpec { name: "new_postcode", label: "Postcode", ty: FieldType::Postcode, required: false },
];

/// A reason is asked for when an entry is amended. Its name is the form's own, never a kind's field
/// name: several kinds have a `reason` of their own (a call's, a visit's, a referral's).
pub const CHANGE_REASON: FieldSpec =
    FieldSpec { name: "change_reason", label: "Reason for the change", ty: FieldType::Text(500), required: false };

/// How many matches the look-up shows.
pub const LOOKUP_ROWS: usize = 6;

/// One line of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Patient,
    Field(usize),
    Flags,
}

/// Finding who the entry is about.
#[derive(Debug, Clone)]
pub struct PatientPicker {
    pub query: TextArea<'static>,
    pub results: Vec<Patient>,
    pub selected: usize,
    pub chosen: Option<Patient>,
    /// The patient was not found: their details are typed into the form.
    pub adding_new: bool,
    pub error: Option<String>,
    /// The text the shown results were found for: once it equals what is typed, an empty list
    /// means nobody matched (rather than "not searched yet").
    pub searched: Option<String>,
    /// How many more matched than are shown, in words.
    pub more: Option<String>,
}

impl PatientPicker {
    fn new(chosen: Option<Patient>) -> PatientPicker {
        PatientPicker {
            query: TextArea::default(),
            results: Vec::new(),
            selected: 0,
            chosen,
            adding_new: false,
            error: None,
            searched: None,
            more: None,
        }
    }

    /// Something was typed, the look-up has answered, and nobody matched it.
    pub fn nobody_found(&self) -> bool {
        let typed = self.query_text();
        self.chosen.is_none()
            && !self.adding_new
            && self.results.is_empty()
            && !typed.trim().is_empty()
            && self.searched.as_deref() == Some(typed.as_str())
    }

    pub fn query_text(&self) -> String {
        self.query.lines().join(" ")
    }
}

/// The entry being amended, when the form is an amendment, and what the form first showed of it:
/// only what differs from that is sent as the amendment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amending {
    pub entry_id: String,
    pub reference: String,
    /// Each field's value as the form first showed it, by field name.
    #[serde(default)]
    pub shown: BTreeMap<String, String>,
    /// The flags it had.
    #[serde(default)]
    pub flags: Vec<String>,
    /// The patient record it was about.
    #[serde(default)]
    pub patient_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EntryForm {
    pub draft_id: String,
    pub kind: Kind,
    pub amending: Option<Amending>,
    pub fields: Vec<FormField>,
    pub flags: Vec<Flag>,
    pub flag_cursor: usize,
    pub patient: PatientPicker,
    pub focus: usize,
    /// Something typed since the last draft was saved.
    pub dirty: bool,
    /// Carried on from a kept draft: saving it needs that draft still there, or it was saved
    /// (or discarded) in another window meanwhile.
    pub resumed: bool,
}

/// What saving the form asks of the entry service.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    New(NewEntry),
    Amend(Amendment),
}

/// A form that checks out, ready to be saved; the service checks it again as it saves.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveRequest {
    pub draft_id: String,
    pub change: Change,
    /// The form was carried on from a kept draft.
    pub resumed: bool,
    /// The person has said yes to the service's questions (a time in the future, say).
    pub confirmed: bool,
}

/// What the form wants done after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    Nothing,
    /// The look-up text changed: search again.
    Search(String),
    /// Save was asked for; the form is checked by the caller.
    Save,
    Cancel,
}

/// The draft as stored: enough to rebuild the form exactly as it was left.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DraftBody {
    pub kind: String,
    #[serde(default)]
    pub amending: Option<Amending>,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    #[serde(default)]
    pub patient: Option<DraftPatient>,
    #[serde(default)]
    pub adding_new_patient: bool,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub focus: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DraftPatient {
    pub id: String,
    pub nhs_number: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<String>,
}

fn kind_specs(kind: Kind) -> Vec<FieldSpec> {
    let common = |name: &str| *COMMON_FIELDS.iter().find(|f| f.name == name).unwrap_or(&COMMON_FIELDS[0]);
    let mut specs = vec![common("summary"), common("occurred_at")];
    specs.extend(kind.fields().iter().copied());
    specs.extend(["author", "notes", "codes", "also_in_old_system"].map(common));
    specs
}

impl EntryForm {
    /// A new, empty form for `kind`; "when it happened" starts as now.
    pub fn new(kind: Kind, draft_id: String, now: DateTime<Utc>) -> EntryForm {
        let mut fields: Vec<FormField> = kind_specs(kind).into_iter().map(|s| FormField::new(s, "")).collect();
        fields.extend(NEW_PATIENT_FIELDS.iter().map(|s| FormField::new(*s, "")));
        let mut form = EntryForm {
            draft_id,
            kind,
            amending: None,
            fields,
            flags: Vec::new(),
            flag_cursor: 0,
            patient: PatientPicker::new(None),
            focus: 0,
            dirty: false,
            resumed: false,
        };
        if let Some(field) = form.fields.iter_mut().find(|f| f.spec.name == "occurred_at") {
            *field = FormField::prefilled(field.spec, &time::format_uk(now));
        }
        form
    }

    /// A form holding an entry's current content, to amend it.
    pub fn amend(
        amending: Amending,
        content: &EntryContent,
        patient: Option<Patient>,
        draft_id: String,
        now: DateTime<Utc>,
    ) -> EntryForm {
        let mut form = EntryForm::new(content.kind, draft_id, now);
        form.fields.insert(0, FormField::new(CHANGE_REASON, ""));
        form.set("occurred_at", "");
        for (spec, value) in content.filled_fields() {
            form.set(spec.name, &input_form(spec, &value));
        }
        form.flags = content.flags.clone();
        form.patient = PatientPicker::new(patient);
        form.amending = Some(Amending {
            shown: form.kind_values().into_iter().collect(),
            flags: form.flag_names(),
            patient_id: form.patient.chosen.as_ref().map(|p| p.id.clone()),
            ..amending
        });
        form
    }

    fn set(&mut self, name: &str, value: &str) {
        if let Some(field) = self.fields.iter_mut().find(|f| f.spec.name == name) {
            *field = FormField::new(field.spec, value);
        }
    }

    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.spec.name == name)
    }

    fn is_new_patient_field(name: &str) -> bool {
        name.starts_with("new_")
    }

    /// A registration is about the person it registers, and stock counts about nobody: neither looks a patient up.
    pub fn has_patient_row(&self) -> bool {
        self.kind != Kind::Registration
    }

    /// The lines of the form, in order, as they are shown now: the reason (when amending), the
    /// patient and any new patient's details, the fields, and the flags before the last two fields.
    pub fn rows(&self) -> Vec<Row> {
        let amending = self.amending.is_some();
        let field_rows = |new_patient: bool| {
            (0..self.fields.len())
                .filter(move |i| !(amending && *i == 0))
                .filter(move |i| Self::is_new_patient_field(self.fields[*i].spec.name) == new_patient)
                .map(Row::Field)
        };
        let mut rows = Vec::new();
        if amending {
            rows.push(Row::Field(0));
        }
        if self.has_patient_row() {
            rows.push(Row::Patient);
            if self.patient.adding_new {
                rows.extend(field_rows(true));
            }
        }
        rows.extend(field_rows(false));
        // A new registration's person is in its own fields; their NHS number, when known, follows
        // their date of birth, so someone already held can be told apart from a new person. (An
        // amendment keeps the record the registration was saved against.)
        if self.kind == Kind::Registration
            && !amending
            && let Some(nhs) = self.fields.iter().position(|f| f.spec.name == "new_nhs_number")
        {
            let after = rows
                .iter()
                .position(|r| matches!(r, Row::Field(i) if self.fields[*i].spec.name == "date_of_birth"))
                .map_or(rows.len(), |at| at + 1);
            rows.insert(after, Row::Field(nhs));
        }
        rows.insert(rows.len() - 2, Row::Flags);
        rows
    }

    pub fn focused_row(&self) -> Row {
        let rows = self.rows();
        rows[self.focus.min(rows.len() - 1)]
    }

    fn move_focus(&mut self, forward: bool, now: DateTime<Utc>) {
        self.check_focused(now);
        let n = self.rows().len();
        self.focus = if forward { (self.focus + 1).min(n - 1) } else { self.focus.saturating_sub(1) };
    }

    /// Checks the field being left, so a mistake is shown beside it straight away.
    pub fn check_focused(&mut self, now: DateTime<Utc>) {
        if let Row::Field(i) = self.focused_row() {
            let field = &mut self.fields[i];
            field.error = check_value(&field.spec, &field.raw(), now).err().map(|p| p.to_string());
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent, now: DateTime<Utc>) -> FormOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('s') if ctrl => return FormOutcome::Save,
            // From any field: the patient is not on the list, so their details are asked for here.
            KeyCode::Char('n') if ctrl && self.has_patient_row() => {
                self.start_new_patient(now);
                return FormOutcome::Nothing;
            }
            // Tab takes the one patient found, as Enter would.
            KeyCode::Tab if self.focused_row() == Row::Patient && self.patient.results.len() == 1 => {
                self.choose_found(0, now);
                return FormOutcome::Nothing;
            }
            KeyCode::Esc if !self.patient.results.is_empty() && self.focused_row() == Row::Patient => {
                self.patient.results.clear();
                return FormOutcome::Nothing;
            }
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Tab => {
                self.move_focus(true, now);
                return FormOutcome::Nothing;
            }
            KeyCode::BackTab => {
                self.move_focus(false, now);
                return FormOutcome::Nothing;
            }
            _ => {}
        }
        match self.focused_row() {
            Row::Patient => self.patient_key(key, now),
            Row::Flags => {
                self.flags_key(key, now);
                FormOutcome::Nothing
            }
            Row::Field(i) => self.field_key(i, key, now),
        }
    }

    /// Pasted text goes into what has focus, as text only: it never moves focus, sets a choice or a
    /// flag, or saves. The field is checked at once, so a paste too long is reported, never cut.
    pub fn paste(&mut self, text: &str, now: DateTime<Utc>) -> FormOutcome {
        match self.focused_row() {
            Row::Patient => {
                let before = self.patient.query_text();
                super::paste::into_line(&mut self.patient.query, text);
                let after = self.patient.query_text();
                if after == before || after.trim().is_empty() {
                    return FormOutcome::Nothing;
                }
                self.patient.selected = 0;
                FormOutcome::Search(after)
            }
            Row::Flags => FormOutcome::Nothing,
            Row::Field(i) => {
                let field = &mut self.fields[i];
                if field.paste(text) {
                    self.dirty = true;
                    field.error = check_value(&field.spec, &field.raw(), now).err().map(|p| p.to_string());
                }
                FormOutcome::Nothing
            }
        }
    }

    fn field_key(&mut self, i: usize, key: KeyEvent, now: DateTime<Utc>) -> FormOutcome {
        let multiline = self.fields[i].is_multiline();
        match key.code {
            KeyCode::Enter if !multiline => {
                if self.focus + 1 >= self.rows().len() {
                    return FormOutcome::Save;
                }
                self.move_focus(true, now);
            }
            KeyCode::Down if !multiline => self.move_focus(true, now),
            KeyCode::Up if !multiline => self.move_focus(false, now),
            _ => {
                if self.fields[i].input(key) {
                    self.dirty = true;
                    if self.fields[i].error.is_some() {
                        let field = &mut self.fields[i];
                        field.error = check_value(&field.spec, &field.raw(), now).err().map(|p| p.to_string());
                    }
                }
            }
        }
        FormOutcome::Nothing
    }

    fn flags_key(&mut self, key: KeyEvent, now: DateTime<Utc>) {
        let n = Flag::ALL.len();
        match key.code {
            KeyCode::Left => self.flag_cursor = (self.flag_cursor + n - 1) % n,
            KeyCode::Right => self.flag_cursor = (self.flag_cursor + 1) % n,
            KeyCode::Char(' ') => self.toggle_flag(Flag::ALL[self.flag_cursor]),
            KeyCode::Char(c @ '1'..='7') => {
                let index = c as usize - '1' as usize;
                self.flag_cursor = index;
                self.toggle_flag(Flag::ALL[index]);
            }
            KeyCode::Enter | KeyCode::Down => self.move_focus(true, now),
            KeyCode::Up => self.move_focus(false, now),
            _ => {}
        }
    }

    fn toggle_flag(&mut self, flag: Flag) {
        if self.flags.contains(&flag) {
            self.flags.retain(|f| *f != flag);
        } else {
            self.flags.push(flag);
            self.flags.sort();
        }
        self.dirty = true;
    }

    fn patient_key(&mut self, key: KeyEvent, now: DateTime<Utc>) -> FormOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let picker = &mut self.patient;
        match key.code {
            KeyCode::Down if !picker.results.is_empty() => {
                picker.selected = (picker.selected + 1).min(picker.results.len() - 1);
            }
            KeyCode::Up if !picker.results.is_empty() => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Enter if !picker.results.is_empty() => {
                let selected = picker.selected;
                self.choose_found(selected, now);
            }
            KeyCode::Enter | KeyCode::Down => self.move_focus(true, now),
            KeyCode::Up => self.move_focus(false, now),
            _ => {
                let before = picker.query_text();
                if matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Delete) && !ctrl {
                    picker.query.input(key);
                }
                let after = picker.query_text();
                if after != before {
                    picker.selected = 0;
                    if after.trim().is_empty() {
                        picker.results.clear();
                        return FormOutcome::Nothing;
                    }
                    return FormOutcome::Search(after);
                }
            }
        }
        FormOutcome::Nothing
    }

    /// Takes the patient found at `index` and moves on.
    fn choose_found(&mut self, index: usize, now: DateTime<Utc>) {
        let picker = &mut self.patient;
        picker.chosen = picker.results.get(index).cloned();
        picker.results.clear();
        picker.query = TextArea::default();
        picker.adding_new = false;
        picker.error = None;
        picker.searched = None;
        self.dirty = true;
        self.move_focus(true, now);
    }

    /// The person is not on the list: ask for their details here, starting from what was typed,
    /// each part in its own field (a date as the date of birth, digits as the NHS number, words as
    /// the names). A part that does not check out is pointed out at once, beside its field.
    pub fn start_new_patient(&mut self, now: DateTime<Utc>) {
        let typed = TypedPatient::from_look_up(&self.patient.query_text(), now);
        self.patient.adding_new = true;
        self.patient.chosen = None;
        self.patient.results.clear();
        let parts = [
            ("new_nhs_number", typed.nhs_number),
            ("new_family_name", typed.family_name),
            ("new_given_name", typed.given_name),
            ("new_date_of_birth", typed.date_of_birth),
        ];
        for (name, value) in parts {
            let Some(value) = value else { continue };
            if self.field(name).is_some_and(|f| f.raw().is_empty()) {
                self.set(name, &value);
                if let Some(field) = self.fields.iter_mut().find(|f| f.spec.name == name) {
                    field.error = check_value(&field.spec, &value, now).err().map(|p| p.to_string());
                }
            }
        }
        self.dirty = true;
        // On to the first detail still needed (the NHS number is optional, so it is not that).
        let rows = self.rows();
        let needed = ["new_family_name", "new_given_name", "new_date_of_birth"]
            .into_iter()
            .find(|name| self.field(name).is_some_and(|f| f.raw().is_empty()))
            .unwrap_or("new_nhs_number");
        if let Some(at) = rows.iter().position(|r| matches!(r, Row::Field(i) if self.fields[*i].spec.name == needed)) {
            self.focus = at;
        }
    }

    /// Look-up results arrived for `query`; ignored if the text has moved on since.
    pub fn show_results(&mut self, query: &str, results: Vec<Patient>, more: Option<String>) {
        if self.patient.query_text() == query {
            self.patient.results = results;
            self.patient.more = more;
            self.patient.selected = 0;
            self.patient.searched = Some(query.to_string());
        }
    }

    /// The kind's and the common fields' values as typed, by name: everything but the new
    /// patient's details and the reason for a change.
    fn kind_values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|f| !Self::is_new_patient_field(f.spec.name) && f.spec.name != CHANGE_REASON.name)
            .map(|f| (f.spec.name.to_string(), f.raw()))
            .collect()
    }

    fn flag_names(&self) -> Vec<String> {
        self.flags.iter().map(|f| f.name().to_string()).collect()
    }

    /// Who the form says the entry is about. A registration's person is in its own fields, but
    /// for their NHS number (if known), which the entry service takes as the patient's.
    fn patient_given(&self) -> PatientGiven {
        let value = |name: &str| self.field(name).map(FormField::raw).filter(|v| !v.trim().is_empty());
        if self.kind == Kind::Registration {
            let nhs_number = value("new_nhs_number").filter(|_| self.amending.is_none());
            return PatientGiven::Typed(TypedPatient { nhs_number, ..TypedPatient::default() });
        }
        if let Some(chosen) = &self.patient.chosen {
            return PatientGiven::Existing(chosen.id.clone());
        }
        if !self.patient.adding_new {
            return PatientGiven::default();
        }
        PatientGiven::Typed(TypedPatient {
            nhs_number: value("new_nhs_number"),
            family_name: value("new_family_name"),
            given_name: value("new_given_name"),
            date_of_birth: value("new_date_of_birth"),
            sex: value("new_sex"),
            postcode: value("new_postcode"),
        })
    }

    /// Checks the whole form by the entry service's rules, as saving needs it, and shows each
    /// problem beside its field. A new entry is sent whole; an amendment sends only what differs
    /// from what the form first showed, so nothing the person did not touch is changed.
    pub fn check(&mut self, now: DateTime<Utc>, staff_ids: &[String]) -> Result<SaveRequest, Vec<FieldProblem>> {
        let entry = NewEntry {
            kind: self.kind,
            values: self.kind_values(),
            flags: self.flag_names(),
            patient: self.patient_given(),
        };
        let is_staff = |id: &str| staff_ids.iter().any(|s| s.eq_ignore_ascii_case(id));
        let problems = entries::check_new(&entry, &is_staff, now).err().unwrap_or_default();
        self.show_problems(&problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let change = match &self.amending {
            None => Change::New(entry),
            Some(amending) => Change::Amend(self.amendment(amending, entry)),
        };
        Ok(SaveRequest { draft_id: self.draft_id.clone(), change, resumed: self.resumed, confirmed: false })
    }

    fn amendment(&self, amending: &Amending, entry: NewEntry) -> Amendment {
        let values: Vec<(String, String)> = entry
            .values
            .into_iter()
            .filter(|(name, value)| amending.shown.get(name).map_or(!value.is_empty(), |shown| shown != value))
            .collect();
        let seen = values
            .iter()
            .map(|(name, _)| (name.clone(), amending.shown.get(name).cloned().unwrap_or_default()))
            .collect();
        let flags = self.flag_names();
        let patient = match entry.patient {
            PatientGiven::Existing(id) if amending.patient_id.as_ref() == Some(&id) => None,
            PatientGiven::Typed(t) if !t.identifies_anyone() => None,
            other => Some(other),
        };
        Amendment {
            entry: amending.entry_id.clone(),
            values,
            add_flags: flags.iter().filter(|f| !amending.flags.contains(f)).cloned().collect(),
            remove_flags: amending.flags.iter().filter(|f| !flags.contains(f)).cloned().collect(),
            patient,
            reason: self.field(CHANGE_REASON.name).map(FormField::raw).filter(|r| !r.trim().is_empty()),
            seen,
        }
    }

    /// Puts each problem beside its field (a new patient's details beside their `new_` fields) and
    /// clears the rest.
    pub fn show_problems(&mut self, problems: &[FieldProblem]) {
        let adding_new = self.patient.adding_new;
        let registration = self.kind == Kind::Registration;
        for field in &mut self.fields {
            let name = field.spec.name;
            let shown = adding_new || (registration && name == "new_nhs_number");
            let patient_part = name.strip_prefix("new_").filter(|_| shown);
            field.error = problems
                .iter()
                .find(|p| p.field == name || patient_part == Some(p.field.as_str()))
                .map(|p| p.problem.to_string());
        }
        self.patient.error = problems
            .iter()
            .find(|p| {
                p.field == "patient"
                    || (!adding_new
                        && self.kind != Kind::Registration
                        && matches!(p.field.as_str(), "nhs_number" | "family_name" | "given_name" | "date_of_birth"))
            })
            .map(|p| p.problem.to_string());
    }

    /// Moves the cursor to a field by name, if the form shows it, ready to be typed over: the
    /// person was sent there to correct it, so the first key replaces what it holds.
    pub fn focus_on(&mut self, name: &str) {
        // A registration has no look-up: a question about who it is is answered by the NHS number.
        let name = match name {
            "patient" | "nhs_number" if self.kind == Kind::Registration => "new_nhs_number",
            other => other,
        };
        let rows = self.rows();
        if let Some(at) = rows.iter().position(|r| matches!(r, Row::Field(i) if self.fields[*i].spec.name == name)) {
            self.focus = at;
            if let Row::Field(i) = rows[at] {
                let field = &mut self.fields[i];
                field.prefilled = !field.raw().is_empty();
            }
        } else if name == "patient"
            && let Some(at) = rows.iter().position(|r| *r == Row::Patient)
        {
            self.focus = at;
        }
    }

    /// The form as a draft, to be saved and offered back after a crash.
    pub fn draft(&self) -> DraftBody {
        DraftBody {
            kind: self.kind.name().to_string(),
            amending: self.amending.clone(),
            values: self
                .fields
                .iter()
                .map(|f| (f.spec.name.to_string(), f.raw()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            patient: self.patient.chosen.as_ref().map(|p| DraftPatient {
                id: p.id.clone(),
                nhs_number: p.nhs_number.clone(),
                family_name: p.family_name.clone(),
                given_name: p.given_name.clone(),
                date_of_birth: p.date_of_birth.clone(),
            }),
            adding_new_patient: self.patient.adding_new,
            flags: self.flags.iter().map(|f| f.name().to_string()).collect(),
            focus: self.focus,
        }
    }

    /// Rebuilds a form from its draft, exactly as it was left.
    pub fn from_draft(draft_id: String, body: &DraftBody, now: DateTime<Utc>) -> Option<EntryForm> {
        let kind = Kind::parse(&body.kind).ok()?;
        let mut form = EntryForm::new(kind, draft_id, now);
        if let Some(amending) = &body.amending {
            form.fields.insert(0, FormField::new(CHANGE_REASON, ""));
            form.amending = Some(amending.clone());
        }
        form.set("occurred_at", "");
        for (name, value) in &body.values {
            form.set(name, value);
        }
        form.flags = body.flags.iter().filter_map(|f| Flag::parse(f).ok()).collect();
        form.patient.adding_new = body.adding_new_patient;
        form.patient.chosen = body.patient.as_ref().map(|p| Patient {
            id: p.id.clone(),
            nhs_number: p.nhs_number.clone(),
            family_name: p.family_name.clone(),
            given_name: p.given_name.clone(),
            date_of_birth: p.date_of_birth.clone(),
            sex: None,
            postcode: None,
        });
        form.focus = body.focus.min(form.rows().len() - 1);
        form.resumed = true;
        Some(form)
    }
}

/// One value checked as it is left: required, and in a form the field accepts.
fn check_value(spec: &FieldSpec, raw: &str, now: DateTime<Utc>) -> Result<(), Problem> {
    if raw.trim().is_empty() {
        return if spec.required && !spec.name.starts_with("new_") { Err(Problem::Required) } else { Ok(()) };
    }
    match spec.name {
        "new_nhs_number" => NhsNumber::parse(raw).map(|_| ()),
        "new_date_of_birth" => check_date_of_birth(raw, now).map(|_| ()),
        _ => parse_value(spec, raw, now).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        time::parse_uk_datetime("21/11/2026 10:00", Utc::now()).unwrap()
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn type_text(form: &mut EntryForm, text: &str) -> FormOutcome {
        let mut last = FormOutcome::Nothing;
        for c in text.chars() {
            last = form.handle_key(key(KeyCode::Char(c)), now());
        }
        last
    }

    fn focus_field(form: &mut EntryForm, name: &str) {
        let rows = form.rows();
        form.focus = rows.iter().position(|r| matches!(r, Row::Field(i) if form.fields[*i].spec.name == name)).unwrap();
    }

    #[test]
    fn a_form_has_exactly_its_kinds_fields_and_the_common_ones() {
        let form = EntryForm::new(Kind::Referral, "d".into(), now());
        let names: Vec<&str> = form
            .rows()
            .iter()
            .filter_map(|r| match r {
                Row::Field(i) => Some(form.fields[*i].spec.name),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [
                "summary",
                "occurred_at",
                "specialty",
                "urgency",
                "service",
                "method",
                "ubrn",
                "sent",
                "reason",
                "author",
                "notes",
                "codes",
                "also_in_old_system"
            ]
        );
        assert_eq!(form.rows()[0], Row::Patient);
        assert_eq!(form.field("occurred_at").unwrap().raw(), "21/11/2026 10:00");
    }

    /// A form's own fields (the reason for a change, a new patient's details) never share a name
    /// with a kind's field: a clash once dropped the Reason of calls, visits and referrals.
    #[test]
    fn no_form_field_shares_a_name_with_another() {
        for kind in Kind::ALL {
            let amending = EntryForm::amend(Amending::default(), &sample_content(kind), None, "d".into(), now());
            let mut names: Vec<&str> = amending.fields.iter().map(|f| f.spec.name).collect();
            let count = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), count, "{kind}: two fields of its form share a name");
        }
    }

    fn sample_content(kind: Kind) -> EntryContent {
        EntryContent {
            kind,
            occurred_at: now(),
            summary: "s".into(),
            author: None,
            notes: None,
            codes: Vec::new(),
            flags: Vec::new(),
            also_in_old_system: None,
            fields: Default::default(),
        }
    }

    #[test]
    fn typing_in_the_patient_line_asks_for_a_search() {
        let mut form = EntryForm::new(Kind::Note, "d".into(), now());
        assert_eq!(type_text(&mut form, "jon"), FormOutcome::Search("jon".into()));
    }

    #[test]
    fn a_mistake_is_shown_as_the_field_is_left_and_what_was_typed_stays() {
        let mut form = EntryForm::new(Kind::Referral, "d".into(), now());
        focus_field(&mut form, "ubrn");
        type_text(&mut form, "1234");
        form.handle_key(key(KeyCode::Tab), now());
        let ubrn = form.field("ubrn").unwrap();
        assert_eq!(ubrn.error.as_deref(), Some("a UBRN (e-Referral booking number) is 12 digits"));
        assert_eq!(ubrn.raw(), "1234");
    }

    #[test]
    fn saving_an_incomplete_form_names_every_gap() {
        let mut form = EntryForm::new(Kind::Prescription, "d".into(), now());
        let problems = form.check(now(), &[]).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["summary", "drug", "patient"]);
        assert_eq!(form.field("drug").unwrap().error.as_deref(), Some("is required"));
        assert_eq!(form.patient.error.as_deref(), Some("is required"));
    }

    #[test]
    fn a_new_patient_is_typed_into_the_form() {
        let mut form = EntryForm::new(Kind::Note, "d".into(), now());
        type_text(&mut form, "Kowalski");
        form.handle_key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL), now());
        assert!(form.patient.adding_new);
        assert_eq!(form.field("new_family_name").unwrap().raw(), "Kowalski");
        form.set("new_given_name", "Łukasz");
        form.set("new_date_of_birth", "14/07/1988");
        form.set("summary", "Walked in");
        let checked = form.check(now(), &[]).unwrap();
        let Change::New(entry) = checked.change else { panic!("expected a new entry") };
        let PatientGiven::Typed(typed) = entry.patient else { panic!("expected a new patient") };
        assert_eq!(typed.given_name.as_deref(), Some("Łukasz"));
        assert!(typed.nhs_number.is_none());
    }

    #[test]
    fn a_paste_stays_in_the_field_with_focus_and_never_saves() {
        let mut form = EntryForm::new(Kind::Referral, "d".into(), now());
        focus_field(&mut form, "summary");
        let focus = form.focus;
        assert_eq!(form.paste("line one\nline two\nline three", now()), FormOutcome::Nothing);
        assert_eq!(form.focus, focus);
        assert_eq!(form.field("summary").unwrap().raw(), "line one line two line three");
        assert!(form.dirty);
        // On the last field, where Enter saves, a paste ending in a line break does not.
        focus_field(&mut form, "also_in_old_system");
        assert_eq!(form.paste("yes\n", now()), FormOutcome::Nothing);
        assert_eq!(form.field("also_in_old_system").unwrap().raw(), "");
        focus_field(&mut form, "urgency");
        form.paste("r\n", now());
        assert_eq!(form.field("urgency").unwrap().raw(), "");
    }

    #[test]
    fn a_paste_too_long_is_kept_and_reported() {
        let mut form = EntryForm::new(Kind::Note, "d".into(), now());
        focus_field(&mut form, "summary");
        form.paste(&"x".repeat(250), now());
        let summary = form.field("summary").unwrap();
        assert_eq!(summary.raw().len(), 250);
        assert!(summary.error.as_deref().is_some_and(|e| e.contains("200")), "{:?}", summary.error);
    }

    #[test]
    fn a_paste_on_the_patient_line_looks_the_patient_up() {
        let mut form = EntryForm::new(Kind::Note, "d".into(), now());
        assert_eq!(form.paste("999 234\n5675\n", now()), FormOutcome::Search("999 234 5675".into()));
        assert_eq!(form.focused_row(), Row::Patient);
        assert_eq!(form.paste("", now()), FormOutcome::Nothing);
    }

    #[test]
    fn a_draft_brings_the_form_back_as_it_was() {
        let mut form = EntryForm::new(Kind::Consultation, "d1".into(), now());
        focus_field(&mut form, "clinician");
        type_text(&mut form, "Dr Bevan");
        form.toggle_flag(Flag::NewAllergy);
        let body: DraftBody = serde_json::from_str(&serde_json::to_string(&form.draft()).unwrap()).unwrap();
        let back = EntryForm::from_draft("d1".into(), &body, now()).unwrap();
        assert_eq!(back.field("clinician").unwrap().raw(), "Dr Bevan");
        assert_eq!(back.flags, [Flag::NewAllergy]);
        assert_eq!(back.focus, form.focus);
    }
}
