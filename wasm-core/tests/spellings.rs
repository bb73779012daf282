//! The spellings table, `tests/data/spellings.toml`: for each detector, the ways staff
//! write its identifiers (each must be found whole) and the look-alikes that must stay
//! clean, each tried in several surrounding texts.

use lifeguard_core::detect::{Detector, Scanner};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tables {
    table: Vec<Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// The detector the valid spellings are, or `none` for a table of look-alikes.
    detector: String,
    /// Texts with `{}` where the spelling goes.
    templates: Vec<String>,
    #[serde(default)]
    valid: Vec<String>,
    #[serde(default)]
    invalid: Vec<String>,
}

fn tables() -> Vec<Table> {
    let data = include_str!("data/spellings.toml");
    let tables: Tables = toml::from_str(data).expect("tests/data/spellings.toml parses");
    tables.table
}

#[test]
fn every_spelling_is_found_whole_and_every_look_alike_stays_clean() {
    let scanner = Scanner::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for table in tables() {
        let detector: Option<Detector> = match table.detector.as_str() {
            "none" => None,
            id => Some(id.parse().unwrap_or_else(|_| panic!("unknown detector {id}"))),
        };
        assert!(detector.is_some() || table.valid.is_empty(), "a `none` table has no valid spellings");
        for template in &table.templates {
            assert!(template.contains("{}"), "template {template:?} has no {{}}");
            for (spelling, valid) in table
                .valid
                .iter()
                .map(|s| (s, true))
                .chain(table.invalid.iter().map(|s| (s, false)))
            {
                let text = template.replace("{}", spelling);
                let got: Vec<(Detector, &str)> = scanner
                    .scan(&text)
                    .iter()
                    .map(|f| (f.detector, &text[f.start..f.end]))
                    .collect();
                let ok = if valid {
                    got == [(detector.expect("valid spellings have a detector"), spelling.as_str())]
                } else {
                    got.is_empty()
                };
                checked += 1;
                if !ok {
                    let want = if valid {
                        format!("{} {spelling:?}", table.detector)
                    } else {
                        "nothing".into()
                    };
                    failures.push(format!("{text:?}: want {want}, got {got:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} spellings failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
