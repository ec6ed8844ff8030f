//! First run and adding staff: the few questions asked before anyone can log.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::field::FormField;
use crate::domain::fields::{Choice, FieldSpec, FieldType, parse_prefix, parse_staff_id};
use crate::domain::{Problem, time};
use crate::store::{Role, StaffMember};

const ROLES: &[Choice] = &[
    Choice { name: "reception", label: "Reception", aliases: &[] },
    Choice { name: "clinician", label: "Clinician (GP, nurse, pharmacist)", aliases: &[] },
    Choice { name: "admin", label: "Admin / data entry", aliases: &[] },
    Choice { name: "manager", label: "Practice manager", aliases: &[] },
];

const PRACTICE: FieldSpec =
    FieldSpec { name: "practice", label: "Practice name", ty: FieldType::Text(200), required: true };
const FDP: FieldSpec = FieldSpec { name: "fdp", label: "When FDP happened", ty: FieldType::DateTime, required: true };
const PREFIX: FieldSpec =
    FieldSpec { name: "prefix", label: "References start with", ty: FieldType::Text(4), required: true };
const NAME: FieldSpec = FieldSpec { name: "name", label: "Your name", ty: FieldType::Text(100), required: true };
const INITIALS: FieldSpec =
    FieldSpec { name: "initials", label: "Initials (your staff id)", ty: FieldType::Text(12), required: true };
const ROLE: FieldSpec = FieldSpec { name: "role", label: "Your role", ty: FieldType::Pick(ROLES), required: true };

#[derive(Debug, Clone)]
pub struct SetupForm {
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// First run asks about the practice too; adding staff asks only about the person.
    pub first_run: bool,
    /// What each field held when the form opened, to tell whether anything has been typed.
    initial: Vec<String>,
}

pub enum SetupOutcome {
    Nothing,
    Cancel,
    /// `practice` and `prefix` are only asked on first run.
    Done {
        practice: Option<String>,
        fdp: DateTime<Utc>,
        prefix: Option<String>,
        member: StaffMember,
    },
}

impl SetupForm {
    /// On a new database: the practice, when FDP happened (now, unless changed), the prefix of
    /// this PC's references (the one cutover made up, unless changed) and the first person.
    pub fn first_run(now: DateTime<Utc>, practice: Option<&str>, prefix: &str) -> SetupForm {
        SetupForm::with(
            vec![
                FormField::new(PRACTICE, practice.unwrap_or_default()),
                FormField::prefilled(FDP, &time::format_uk(now)),
                FormField::prefilled(PREFIX, prefix),
                FormField::new(NAME, ""),
                FormField::new(INITIALS, ""),
                FormField::new(ROLE, "manager"),
            ],
            true,
        )
    }

    pub fn add_staff() -> SetupForm {
        SetupForm::with(
            vec![FormField::new(NAME, ""), FormField::new(INITIALS, ""), FormField::new(ROLE, "reception")],
            false,
        )
    }

    fn with(fields: Vec<FormField>, first_run: bool) -> SetupForm {
        let initial = fields.iter().map(FormField::raw).collect();
        SetupForm { fields, focus: 0, first_run, initial }
    }

    /// Whether anything was typed or chosen since the form opened.
    pub fn touched(&self) -> bool {
        self.fields.iter().zip(&self.initial).any(|(field, initial)| field.raw() != *initial)
    }

    fn value(&self, name: &str) -> String {
        self.fields.iter().find(|f| f.spec.name == name).map(FormField::raw).unwrap_or_default().trim().to_string()
    }

    pub fn handle_key(&mut self, key: KeyEvent, now: DateTime<Utc>, staff: &[StaffMember]) -> SetupOutcome {
        let last = self.fields.len() - 1;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('s') if ctrl => return self.finish(now, staff),
            KeyCode::Enter if self.focus == last => return self.finish(now, staff),
            KeyCode::Tab | KeyCode::Enter | KeyCode::Down => {
                self.check_focused(now, staff);
                self.focus = (self.focus + 1).min(last);
            }
            KeyCode::BackTab | KeyCode::Up => self.focus = self.focus.saturating_sub(1),
            KeyCode::Esc => return SetupOutcome::Cancel,
            _ => {
                self.fields[self.focus].input(key);
            }
        }
        SetupOutcome::Nothing
    }

    /// Pasted text goes into the field with focus, as text only (see `FormField::paste`). Returns
    /// false if that field is a choice, which ignores it.
    pub fn paste(&mut self, text: &str) -> bool {
        self.fields[self.focus].paste(text)
    }

    fn check_focused(&mut self, now: DateTime<Utc>, staff: &[StaffMember]) {
        let problem = self.problem(self.focus, now, staff);
        self.fields[self.focus].error = problem.map(|p| p.to_string());
    }

    fn problem(&self, index: usize, now: DateTime<Utc>, staff: &[StaffMember]) -> Option<Problem> {
        let field = &self.fields[index];
        let raw = field.raw();
        if raw.trim().is_empty() {
            return Some(Problem::Required);
        }
        match field.spec.name {
            "fdp" => time::parse_uk_datetime(&raw, now).err(),
            "prefix" => parse_prefix(&raw).err(),
            "initials" => match parse_staff_id(&raw) {
                Err(p) => Some(p),
                Ok(id) if staff.iter().any(|s| s.id == id) => Some(Problem::StaffIdTaken { id }),
                Ok(_) => None,
            },
            _ => crate::domain::fields::parse_value(&field.spec, &raw, now).err(),
        }
    }

    fn finish(&mut self, now: DateTime<Utc>, staff: &[StaffMember]) -> SetupOutcome {
        let mut first_problem = None;
        for i in 0..self.fields.len() {
            let problem = self.problem(i, now, staff);
            if problem.is_some() && first_problem.is_none() {
                first_problem = Some(i);
            }
            self.fields[i].error = problem.map(|p| p.to_string());
        }
        if let Some(i) = first_problem {
            self.focus = i;
            return SetupOutcome::Nothing;
        }
        let (Ok(id), Some(role)) = (parse_staff_id(&self.value("initials")), Role::parse(&self.value("role"))) else {
            return SetupOutcome::Nothing;
        };
        let member = StaffMember { id, name: self.value("name"), role };
        let practice = self.first_run.then(|| self.value("practice"));
        let prefix = self.first_run.then(|| parse_prefix(&self.value("prefix")).ok()).flatten();
        let fdp = time::parse_uk_datetime(&self.value("fdp"), now).unwrap_or(now);
        SetupOutcome::Done { practice, fdp, prefix, member }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(form: &mut SetupForm, code: KeyCode) -> SetupOutcome {
        form.handle_key(KeyEvent::new(code, KeyModifiers::NONE), Utc::now(), &[])
    }

    fn type_text(form: &mut SetupForm, text: &str) {
        for c in text.chars() {
            press(form, KeyCode::Char(c));
        }
    }

    #[test]
    fn first_run_needs_a_practice_and_a_person() {
        let mut form = SetupForm::first_run(Utc::now(), None, "K7Q");
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(matches!(form.handle_key(ctrl_s, Utc::now(), &[]), SetupOutcome::Nothing));
        assert_eq!(form.fields[0].error.as_deref(), Some("is required"));
        form.focus = 0;
        form.fields[0] = FormField::new(PRACTICE, "");
        type_text(&mut form, "Riverside Surgery");
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Tab);
        type_text(&mut form, "Jo Smith");
        press(&mut form, KeyCode::Tab);
        type_text(&mut form, "js");
        press(&mut form, KeyCode::Tab);
        match press(&mut form, KeyCode::Enter) {
            SetupOutcome::Done { practice, prefix, member, .. } => {
                assert_eq!(practice.as_deref(), Some("Riverside Surgery"));
                assert_eq!(prefix.as_deref(), Some("K7Q"), "the prefix cutover made up, unless changed");
                assert_eq!(member.id, "JS");
                assert_eq!(member.role, Role::Manager);
            }
            _ => panic!("setup should finish"),
        }
    }

    #[test]
    fn the_form_knows_whether_anything_was_typed() {
        let mut form = SetupForm::first_run(Utc::now(), None, "K7Q");
        assert!(!form.touched());
        type_text(&mut form, "R");
        assert!(form.touched());
        press(&mut form, KeyCode::Backspace);
        assert!(!form.touched());
    }
}
