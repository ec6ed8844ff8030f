//! The runbook's items as the practice can review them: `data/runbook.toml`, built into the program
//! and read once. Every face (commands, screens, report) asks here, so none holds its own copy.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::text::fold;

/// Who a checklist is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Role {
    pub id: String,
    /// The start of its items' ids: PM, PJ, CB.
    pub code: String,
    pub name: String,
}

/// When in the migration a question is asked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Phase {
    pub id: String,
    /// The letter after the role in its items' ids: E, I, P, C, A.
    pub code: String,
    pub name: String,
}

/// A kind of work the cutover plan says how to handle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Category {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub source: String,
}

/// A third-party service on every practice's list from the start.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededService {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub source: String,
}

/// A report re-checked at go-live beside the patients.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportCheck {
    pub id: String,
    pub name: String,
    pub source: String,
}

/// One question of a checklist. Its role and phase are in its id (PM-E1: practice, early).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Item {
    pub id: String,
    pub question: String,
    /// How cutover helps with it, if it does.
    pub hint: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    #[serde(rename = "role")]
    pub roles: Vec<Role>,
    #[serde(rename = "phase")]
    pub phases: Vec<Phase>,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(rename = "service")]
    pub services: Vec<SeededService>,
    #[serde(rename = "report_check")]
    pub report_checks: Vec<ReportCheck>,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

const DATA: &str = include_str!("../../data/runbook.toml");

/// The guide's items, read from the built-in file once. The file is checked by this module's tests,
/// so it cannot fail to read in a released program.
pub fn guide() -> &'static Guide {
    static GUIDE: OnceLock<Guide> = OnceLock::new();
    GUIDE.get_or_init(|| parse(DATA).expect("data/runbook.toml is checked by the runbook's tests"))
}

fn parse(text: &str) -> Result<Guide, String> {
    toml_edit::de::from_str(text).map_err(|e| e.to_string())
}

/// `name` and `aliases` compared as people type them: case, spaces and punctuation aside.
fn named(wanted: &str, id: &str, name: &str, aliases: &[String]) -> bool {
    let wanted = fold(wanted);
    !wanted.is_empty()
        && std::iter::once(id).chain([name]).chain(aliases.iter().map(String::as_str)).any(|n| fold(n) == wanted)
}

impl Guide {
    pub fn category(&self, given: &str) -> Option<&Category> {
        self.categories.iter().find(|c| named(given, &c.id, &c.name, &c.aliases))
    }

    pub fn role(&self, given: &str) -> Option<&Role> {
        self.roles.iter().find(|r| named(given, &r.id, &r.name, std::slice::from_ref(&r.code)))
    }

    pub fn phase(&self, given: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| named(given, &p.id, &p.name, std::slice::from_ref(&p.code)))
    }

    pub fn item(&self, given: &str) -> Option<&Item> {
        let wanted = fold(given);
        self.items.iter().find(|i| fold(&i.id) == wanted)
    }

    /// The seeded service a name or alias means.
    pub fn seeded_service(&self, given: &str) -> Option<&SeededService> {
        self.services.iter().find(|s| named(given, &s.name, &s.name, &s.aliases))
    }

    pub fn report_check(&self, given: &str) -> Option<&ReportCheck> {
        self.report_checks.iter().find(|r| named(given, &r.id, &r.name, &[]))
    }

    /// An item's role and phase, from its id.
    pub fn placed(&self, item: &Item) -> Option<(&Role, &Phase)> {
        let (role, rest) = item.id.split_once('-')?;
        let role = self.roles.iter().find(|r| r.code == role)?;
        let phase =
            self.phases.iter().find(|p| rest.starts_with(&p.code) && rest[p.code.len()..].parse::<u32>().is_ok())?;
        Some((role, phase))
    }

    /// The items of one role and phase (either or both left open), in the file's order.
    pub fn items_for<'a>(&'a self, role: Option<&'a Role>, phase: Option<&'a Phase>) -> impl Iterator<Item = &'a Item> {
        self.items.iter().filter(move |item| match self.placed(item) {
            Some((r, p)) => role.is_none_or(|w| w.id == r.id) && phase.is_none_or(|w| w.id == p.id),
            None => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The guide's pages kept in `../shared/reference/`, by the titles `source` uses.
    const PAGES: [&str; 5] = [
        "Checklists by role",
        "Planning for cutover",
        "Final data production and cutover",
        "Initial data production",
        "Cut-over and Go Live",
    ];

    #[test]
    fn the_data_file_reads_and_every_item_has_a_role_a_phase_and_a_source() {
        let g = parse(DATA).unwrap();
        assert_eq!(g.roles.len(), 3);
        assert_eq!(g.phases.len(), 5);
        for item in &g.items {
            assert!(g.placed(item).is_some(), "{} names no known role and phase", item.id);
            assert!(!item.question.trim().is_empty(), "{}", item.id);
            assert!(PAGES.iter().any(|page| item.source.contains(page)), "{} names none of the guide's pages", item.id);
        }
        // Every role has questions before FDP (early, IDP, planning), during the cutover and after
        // go-live: the practice, its project manager or GP IT delivery partner, and the ICB.
        for role in &g.roles {
            for phase in &g.phases {
                assert!(
                    g.items_for(Some(role), Some(phase)).next().is_some(),
                    "{} has no items in the phase {}",
                    role.name,
                    phase.name
                );
            }
        }
        for c in &g.categories {
            assert!(!c.source.trim().is_empty(), "{}", c.id);
        }
        for s in &g.services {
            assert!(!s.source.trim().is_empty(), "{}", s.name);
        }
    }

    #[test]
    fn no_two_things_answer_to_the_same_name() {
        let g = guide();
        let ids: HashSet<String> = g.items.iter().map(|i| fold(&i.id)).collect();
        assert_eq!(ids.len(), g.items.len(), "item ids are unique");
        for c in &g.categories {
            for n in [&c.id, &c.name].into_iter().chain(&c.aliases) {
                let owners: Vec<&str> = g
                    .categories
                    .iter()
                    .filter(|o| named(n, &o.id, &o.name, &o.aliases))
                    .map(|o| o.id.as_str())
                    .collect();
                assert_eq!(owners, [c.id.as_str()], "category name {n:?}");
            }
        }
        for s in &g.services {
            for n in std::iter::once(&s.name).chain(&s.aliases) {
                let owners: Vec<&str> = g
                    .services
                    .iter()
                    .filter(|o| named(n, &o.name, &o.name, &o.aliases))
                    .map(|o| o.name.as_str())
                    .collect();
                assert_eq!(owners, [s.name.as_str()], "service name {n:?}");
            }
        }
        let checks: HashSet<String> = g.report_checks.iter().map(|r| fold(&r.id)).collect();
        assert_eq!(checks.len(), g.report_checks.len());
    }

    #[test]
    fn the_plan_has_the_thirteen_kinds_of_work_the_guide_names() {
        let g = guide();
        let names: Vec<&str> = g.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 13, "{names:?}");
        for typed in ["home visits", "Home-Visits", "111", "out of hours", "summarisation", "pathology"] {
            assert!(g.category(typed).is_some(), "{typed}");
        }
        assert!(g.category("").is_none());
        assert!(g.category("nothing like it").is_none());
    }

    #[test]
    fn the_services_the_issue_names_are_seeded() {
        let g = guide();
        for wanted in [
            "EPS",
            "pathology",
            "pharmacies",
            "docman",
            "dispensing",
            "screening",
            "111",
            "out of hours",
            "PCSE",
            "GP2GP",
            "SCR",
            "SMS",
            "NHS App",
            "MESH",
        ] {
            assert!(g.seeded_service(wanted).is_some(), "{wanted}");
        }
    }

    #[test]
    fn checklists_are_found_by_role_and_phase_as_typed() {
        let g = guide();
        let practice = g.role("practice").unwrap();
        assert_eq!(g.role("PM").unwrap().id, "practice");
        assert_eq!(g.phase("after").unwrap().id, "after");
        let planning = g.phase("Planning").unwrap();
        let items: Vec<&str> = g.items_for(Some(practice), Some(planning)).map(|i| i.id.as_str()).collect();
        assert!(items.contains(&"PM-P11") && items.iter().all(|i| i.starts_with("PM-P")), "{items:?}");
        assert_eq!(g.items_for(None, None).count(), g.items.len());
        assert_eq!(g.item("pm-e1").unwrap().id, "PM-E1");
        let (role, phase) = g.placed(g.item("PM-P10").unwrap()).unwrap();
        assert_eq!((role.id.as_str(), phase.id.as_str()), ("practice", "planning"));
    }

    #[test]
    fn a_broken_data_file_is_refused_by_the_tests_not_read_as_something_else() {
        assert!(parse("[[item]]\nid = 1\n").is_err());
        assert!(parse(&format!("{DATA}\n[[surprise]]\nx = 1\n")).is_err());
    }
}
