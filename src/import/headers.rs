//! Matching a file's column headers to cutover's field names: case, spaces and punctuation ignored
//! ("NHS No." is "nhsno"), common aliases accepted, and `--map 'Their Header=field'` for the rest.

use std::path::Path;

use crate::domain::text::fold;
use crate::error::{Error, Exchange, Result};

/// A field a file may have, with the other headers that mean it.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    pub field: &'static str,
    pub aliases: &'static [&'static str],
}

/// `--map` arguments, split and checked against the fields allowed.
pub fn parse_maps(maps: &[String], known: &[Known]) -> Result<Vec<(String, &'static str)>> {
    maps.iter()
        .map(|m| {
            let (header, field) = m.rsplit_once('=').ok_or_else(|| Error::Exchange(Exchange::BadMap(m.clone())))?;
            let wanted = fold(field);
            let found = known.iter().find(|k| fold(k.field) == wanted).ok_or_else(|| {
                Error::Exchange(Exchange::MapToUnknownField {
                    given: field.trim().to_string(),
                    allowed: known.iter().map(|k| k.field).collect(),
                })
            })?;
            Ok((fold(header), found.field))
        })
        .collect()
}

/// The field each column holds (`None`: not one cutover knows). Two columns for one field are refused.
pub fn match_columns(
    path: &Path,
    header: &[String],
    known: &[Known],
    maps: &[(String, &'static str)],
) -> Result<Vec<Option<&'static str>>> {
    let mut fields: Vec<Option<&'static str>> = Vec::with_capacity(header.len());
    for (index, text) in header.iter().enumerate() {
        let folded = fold(text);
        let field = maps.iter().find(|(h, _)| *h == folded).map(|(_, f)| *f).or_else(|| {
            known
                .iter()
                .find(|k| fold(k.field) == folded || k.aliases.iter().any(|a| fold(a) == folded))
                .map(|k| k.field)
        });
        if let Some(f) = field
            && let Some(first) = fields.iter().position(|g| *g == Some(f))
        {
            return Err(Error::Exchange(Exchange::RepeatedColumn {
                path: path.to_path_buf(),
                field: f,
                first: header[first].clone(),
                second: header[index].clone(),
            }));
        }
        fields.push(field);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[Known] = &[
        Known { field: "nhs_number", aliases: &["NHS Number", "NHS No"] },
        Known { field: "family_name", aliases: &["Surname", "Last Name"] },
    ];

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_spaces_punctuation_and_aliases_are_ignored() {
        let got = match_columns(Path::new("f"), &headers(&["NHS No.", "SURNAME", "Age"]), KNOWN, &[]).unwrap();
        assert_eq!(got, [Some("nhs_number"), Some("family_name"), None]);
        let got = match_columns(Path::new("f"), &headers(&["nhs_number", "last name"]), KNOWN, &[]).unwrap();
        assert_eq!(got, [Some("nhs_number"), Some("family_name")]);
    }

    #[test]
    fn a_map_names_any_other_header() {
        let maps = parse_maps(&["Patient Surname=family_name".to_string()], KNOWN).unwrap();
        let got = match_columns(Path::new("f"), &headers(&["patient surname"]), KNOWN, &maps).unwrap();
        assert_eq!(got, [Some("family_name")]);
        assert!(parse_maps(&["x".to_string()], KNOWN).is_err());
        assert!(parse_maps(&["x=colour".to_string()], KNOWN).is_err());
    }

    #[test]
    fn two_columns_for_one_field_are_refused() {
        let err = match_columns(Path::new("f"), &headers(&["Surname", "Last Name"]), KNOWN, &[]).unwrap_err();
        assert!(matches!(err, Error::Exchange(Exchange::RepeatedColumn { field: "family_name", .. })));
    }
}
