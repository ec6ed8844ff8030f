//! Entries typed from paper forms into a spreadsheet: which column is which field, and each row as
//! the same inputs `cutover log` takes, so that every row is checked exactly as a logged entry is.

use std::path::Path;

use super::csv_file::{Row, Table};
use super::headers::{Known, match_columns};
use crate::cli::PatientArgs;
use crate::domain::fields::{COMMON_FIELDS, Kind};
use crate::error::{Error, Exchange, Result};

/// Columns that are not fields of an entry's content: who and what it is about, and who wrote it.
const FRAME: &[&str] =
    &["kind", "recorded_by", "nhs_number", "family_name", "given_name", "date_of_birth", "sex", "postcode", "flags"];

/// Every column name an entries file may have: the frame, then each field of any kind, once.
pub fn allowed() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = FRAME.to_vec();
    let fields = COMMON_FIELDS.iter().chain(Kind::ALL.iter().flat_map(|k| k.fields())).map(|f| f.name);
    for name in fields {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A rejects file written by `--skip-invalid` ends in a `reason` column, each value naming a column
/// of the file ("nhs_number: …"). Importing the corrected rejects file ignores that column, so it
/// need not be deleted by hand. Returns whether it was there.
pub fn drop_rejects_reason(table: &mut Table) -> bool {
    let Some(last) = table.header.len().checked_sub(1) else { return false };
    if table.header[last] != "reason" {
        return false;
    }
    let mut names: Vec<String> = table.header[..last].iter().map(|h| format!("{h}: ")).collect();
    names.push("(whole row): ".to_string());
    let written_by_us = table.rows.iter().all(|row| match row.values.last() {
        Some(v) if row.values.len() == table.header.len() => v.is_empty() || names.iter().any(|n| v.starts_with(n)),
        _ => true,
    });
    if !written_by_us {
        return false;
    }
    table.header.pop();
    for row in &mut table.rows {
        if row.values.len() == last + 1 {
            row.values.pop();
        }
    }
    true
}

/// An entries file's columns, each known to be a field.
#[derive(Debug, Clone)]
pub struct Columns {
    header: Vec<String>,
    fields: Vec<&'static str>,
}

/// What one row says, as `log`'s arguments would say it.
#[derive(Debug, Default)]
pub struct RowInput {
    pub kind: String,
    pub recorded_by: String,
    /// `summary`, `occurred_at` and every other field with a value, as `--set` pairs.
    pub sets: Vec<(String, String)>,
    pub patient: PatientArgs,
    pub flags: Vec<String>,
}

impl Columns {
    /// Checks the header: every column must be a known field (an unknown one is named), and the
    /// required ones must be there.
    pub fn from_header(path: &Path, header: &[String]) -> Result<Columns> {
        let allowed = allowed();
        let known: Vec<Known> = allowed
            .iter()
            .map(|name| Known { field: name, aliases: if *name == "flags" { &["flag"] } else { &[] } })
            .collect();
        let matched = match_columns(path, header, &known, &[])?;
        let unknown: Vec<String> =
            header.iter().zip(&matched).filter(|(_, f)| f.is_none()).map(|(h, _)| h.clone()).collect();
        if !unknown.is_empty() {
            return Err(Error::Exchange(Exchange::UnknownColumns { path: path.to_path_buf(), unknown, allowed }));
        }
        let fields: Vec<&'static str> = matched.into_iter().flatten().collect();
        let has = |f: &str| fields.contains(&f);
        let mut missing: Vec<&'static str> =
            ["kind", "occurred_at", "summary", "recorded_by"].into_iter().filter(|f| !has(f)).collect();
        let by_name = has("family_name") && has("given_name") && has("date_of_birth");
        if !has("nhs_number") && !by_name {
            missing.push("nhs_number (or family_name, given_name and date_of_birth)");
        }
        if !missing.is_empty() {
            return Err(Error::Exchange(Exchange::MissingColumns {
                path: path.to_path_buf(),
                missing,
                found: header.to_vec(),
            }));
        }
        Ok(Columns { header: header.to_vec(), fields })
    }

    /// The header as the file gives it, one name a column.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The header, as the file gives it, of the column a problem is about.
    pub fn column_for(&self, field: &str) -> String {
        let field = match field {
            "flag" => "flags",
            "patient" if !self.fields.contains(&"nhs_number") => "family_name",
            "patient" => "nhs_number",
            other => other,
        };
        self.fields.iter().position(|f| *f == field).map_or_else(|| field.to_string(), |i| self.header[i].clone())
    }

    /// The row as `log` arguments. Empty values are left out, except `summary` and `occurred_at`,
    /// which are always given so that an empty one is reported as required rather than defaulted.
    pub fn input(&self, row: &Row) -> RowInput {
        let mut input = RowInput::default();
        let value = |field: &str| -> Option<String> {
            self.fields
                .iter()
                .position(|f| *f == field)
                .and_then(|i| row.values.get(i))
                .filter(|v| !v.trim().is_empty())
                .cloned()
        };
        input.kind = value("kind").unwrap_or_default();
        input.recorded_by = value("recorded_by").unwrap_or_default();
        input.flags = value("flags")
            .map(|f| f.split([';', ',']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        input.patient = PatientArgs {
            patient: value("nhs_number"),
            family: value("family_name"),
            given: value("given_name"),
            dob: value("date_of_birth"),
            sex: value("sex"),
            postcode: value("postcode"),
        };
        let registration = Kind::parse(&input.kind) == Ok(Kind::Registration);
        for (i, field) in self.fields.iter().enumerate() {
            let raw = row.values.get(i).cloned().unwrap_or_default();
            let always = matches!(*field, "summary" | "occurred_at");
            let own_field = !FRAME.contains(field) || (registration && matches!(*field, "sex" | "postcode"));
            if always || (own_field && !raw.trim().is_empty()) {
                input.sets.push((field.to_string(), raw));
            }
        }
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_unknown_column_is_named() {
        let err = Columns::from_header(
            Path::new("f.csv"),
            &header(&["kind", "occurred_at", "summary", "recorded_by", "nhs_number", "colour"]),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Exchange(Exchange::UnknownColumns { ref unknown, .. }) if unknown == &["colour"]));
    }

    #[test]
    fn the_patient_may_be_a_name_and_birth_date_instead_of_a_number() {
        let ok = Columns::from_header(
            Path::new("f.csv"),
            &header(&["kind", "occurred_at", "summary", "recorded_by", "family_name", "given_name", "date_of_birth"]),
        );
        assert!(ok.is_ok());
        let err = Columns::from_header(
            Path::new("f.csv"),
            &header(&["kind", "occurred_at", "summary", "recorded_by", "family_name"]),
        )
        .unwrap_err();
        assert!(matches!(err, Error::Exchange(Exchange::MissingColumns { .. })));
    }

    #[test]
    fn a_row_becomes_log_arguments() {
        let cols = Columns::from_header(
            Path::new("f.csv"),
            &header(&["Kind", "Occurred At", "Summary", "Recorded By", "NHS Number", "drug", "notes", "flags"]),
        )
        .unwrap();
        let row = Row {
            line: 2,
            values: [
                "prescription",
                "21/11/2026 10:00",
                "Amoxicillin",
                "js",
                "9992345675",
                "Amox 500mg",
                "",
                "urgent; new allergy",
            ]
            .map(String::from)
            .to_vec(),
        };
        let input = cols.input(&row);
        assert_eq!(input.kind, "prescription");
        assert_eq!(input.patient.patient.as_deref(), Some("9992345675"));
        assert_eq!(input.flags, ["urgent", "new allergy"]);
        let names: Vec<&str> = input.sets.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["occurred_at", "summary", "drug"]);
    }
}
