//! Lists drawn as lines of fixed-width cells, so that every cell too long for its column is cut
//! with an ellipsis (never silently), and a date of birth is never cut.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::domain::fields::Kind;
use crate::domain::text::{fit, truncate, width};

/// A kind as a list names it: its label, or in a narrow list a shorter word for the longest
/// labels ("Telephone" for "Telephone call"), so that no kind is ever cut.
pub fn kind_label(kind: Kind, narrow: bool) -> &'static str {
    match (kind, narrow) {
        (Kind::Registration, true) => "Registration",
        (Kind::Pathology, true) => "Pathology",
        (Kind::Telephone, true) => "Telephone",
        (Kind::DispensaryStock, true) => "Dispensary",
        (kind, _) => kind.label(),
    }
}

/// The widest kind label (in a narrow list, or not): a kind column this wide never cuts one.
pub fn kind_width(narrow: bool) -> u16 {
    Kind::ALL.iter().map(|k| width(kind_label(*k, narrow))).max().unwrap_or(0) as u16
}

/// The width of each column in `total` columns, one space between each, as `constraints` share it.
pub fn widths(total: u16, constraints: &[Constraint]) -> Vec<usize> {
    let area = Rect { x: 0, y: 0, width: total, height: 1 };
    Layout::horizontal(constraints.to_vec()).spacing(1).split(area).iter().map(|r| r.width as usize).collect()
}

/// One line of cells, each exactly its column's width (cut with `…`, or padded), a space between.
pub fn cells(values: &[String], widths: &[usize]) -> String {
    values.iter().zip(widths).map(|(v, w)| fit(v, *w)).collect::<Vec<_>>().join(" ")
}

/// "JONES, Siân (03/04/1950) 943 476 5919" in `columns`: what follows the date of birth is cut
/// first, then the name; the date of birth is never cut (it tells two people of one name apart).
pub fn person(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    let Some((name, dob, rest)) = split_at_birth(text) else { return truncate(text, columns).into_owned() };
    if width(name) + width(dob) < columns {
        // The name and date whole, and as much of what follows as fits, cut with an ellipsis.
        return truncate(text, columns).into_owned();
    }
    // The name gives way; when what followed is lost too, by at least one letter, so that the
    // cut shows.
    let mut room = columns.saturating_sub(width(dob));
    if !rest.is_empty() && width(name) <= room {
        room = width(name).saturating_sub(1);
    }
    if room < 2 {
        // Too narrow even for a letter of the name: the date alone, whole if it fits.
        return truncate(dob.trim_start(), columns).into_owned();
    }
    format!("{}{dob}", truncate(name, room))
}

/// The name, " (dd/mm/yyyy)", and whatever follows, when `text` holds a date of birth so written.
fn split_at_birth(text: &str) -> Option<(&str, &str, &str)> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|at| {
        let candidate = text.get(at..at + 13)?;
        let b = candidate.as_bytes();
        let digits = [2, 3, 5, 6, 8, 9, 10, 11];
        let is_date = b[0] == b' '
            && b[1] == b'('
            && b[4] == b'/'
            && b[7] == b'/'
            && b[12] == b')'
            && digits.iter().all(|&i| b[i].is_ascii_digit());
        is_date.then(|| (&text[..at], candidate, &text[at + 13..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_of_birth_is_never_cut_and_a_cut_is_always_marked() {
        let text = "JONES, Siân (03/04/1950) 943 476 5919";
        assert_eq!(person(text, 60), text);
        assert_eq!(person(text, 30), "JONES, Siân (03/04/1950) 943 …");
        assert_eq!(person(text, 25), "JONES, Siân (03/04/1950)…");
        assert_eq!(person(text, 24), "JONES, Si… (03/04/1950)");
        assert_eq!(person("JONES, Siân (03/04/1950)", 24), "JONES, Siân (03/04/1950)");
        assert_eq!(person(text, 20), "JONES,… (03/04/1950)");
        assert_eq!(person(text, 15), "J… (03/04/1950)");
        assert_eq!(person("(name not given) 943 476 5919", 12), "(name not g…");
        for columns in 0..40 {
            let shown = person(text, columns);
            assert!(width(&shown) <= columns, "{shown:?} in {columns}");
            assert!(shown == text || shown.contains('…') || !shown.contains("JONES"), "{shown:?}");
        }
    }

    #[test]
    fn every_kind_fits_its_column_and_keeps_a_name_of_its_own() {
        for narrow in [false, true] {
            let mut names: Vec<&str> = Kind::ALL.iter().map(|k| kind_label(*k, narrow)).collect();
            assert!(names.iter().all(|n| width(n) <= kind_width(narrow) as usize));
            names.sort();
            names.dedup();
            assert_eq!(names.len(), Kind::ALL.len(), "two kinds look alike");
        }
        assert!(kind_width(true) < kind_width(false));
        assert_eq!(cells(&["Correspondence".into(), "x".into()], &[8, 3]), "Corresp… x  ");
    }
}
