//! Scores the detectors on a labelled corpus (scripts/detector-corpus/make_corpus.py):
//! recall and precision per detector, and the share of look-alikes flagged.
//!
//! ```text
//! cargo run --release -p lifeguard-core --example score -- corpus.jsonl [--findings out.jsonl]
//! ```
//!
//! Each line of the corpus is `{"text": ..., "spans": [{"start", "end", "kind"}]}` with
//! offsets in characters; a kind is a detector id or `lookalike:<class>`. A planted span is
//! found when a finding of its detector overlaps it; a finding is right when it overlaps a
//! planted span of its own detector. `--findings` writes each paste's findings (character
//! offsets) for scripts/detector-corpus/benchmark.py, which scores Presidio the same way.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};

use lifeguard_core::detect::Scanner;
use serde_json::{Value, json};

#[derive(Default)]
struct Tally {
    planted: usize,
    found: usize,
    findings: usize,
    right: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(corpus) = args.first() else {
        eprintln!("usage: score CORPUS.jsonl [--findings OUT.jsonl]");
        std::process::exit(2);
    };
    let findings_out = args
        .iter()
        .position(|a| a == "--findings")
        .and_then(|i| args.get(i + 1));
    let mut out = findings_out.map(|p| {
        std::io::BufWriter::new(std::fs::File::create(p).expect("findings file can be created"))
    });
    let file = std::fs::File::open(corpus).expect("corpus can be opened");
    let scanner = Scanner::new();
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let (mut lookalikes, mut lookalikes_flagged) = (0usize, 0usize);
    let mut flagged_by_class: BTreeMap<String, (usize, usize)> = BTreeMap::new();

    for line in BufReader::new(file).lines() {
        let line = line.expect("corpus is readable");
        let paste: Value = serde_json::from_str(&line).expect("corpus line is JSON");
        let text = paste["text"].as_str().expect("text");
        // Character offset of every byte offset that starts a char (and of the end).
        let mut char_at = vec![0usize; text.len() + 1];
        for (ci, (bi, _)) in text.char_indices().enumerate() {
            char_at[bi] = ci;
        }
        char_at[text.len()] = text.chars().count();
        let findings: Vec<(String, usize, usize)> = scanner
            .scan(text)
            .iter()
            .map(|f| (f.detector.to_string(), char_at[f.start], char_at[f.end]))
            .collect();
        let spans: Vec<(String, usize, usize)> = paste["spans"]
            .as_array()
            .expect("spans")
            .iter()
            .map(|s| {
                let n = |k: &str| s[k].as_u64().expect("offset") as usize;
                (s["kind"].as_str().expect("kind").to_string(), n("start"), n("end"))
            })
            .collect();
        let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
        for (kind, start, end) in &spans {
            if let Some(class) = kind.strip_prefix("lookalike:") {
                let hit = findings.iter().any(|f| overlaps((f.1, f.2), (*start, *end)));
                lookalikes += 1;
                lookalikes_flagged += usize::from(hit);
                let c = flagged_by_class.entry(class.to_string()).or_default();
                c.0 += 1;
                c.1 += usize::from(hit);
                continue;
            }
            let t = tally.entry(kind.clone()).or_default();
            t.planted += 1;
            let hit = findings
                .iter()
                .any(|f| &f.0 == kind && overlaps((f.1, f.2), (*start, *end)));
            t.found += usize::from(hit);
        }
        for (detector, start, end) in &findings {
            let t = tally.entry(detector.clone()).or_default();
            t.findings += 1;
            let right = spans
                .iter()
                .any(|s| &s.0 == detector && overlaps((s.1, s.2), (*start, *end)));
            t.right += usize::from(right);
        }
        if let Some(out) = out.as_mut() {
            let list: Vec<Value> = findings
                .iter()
                .map(|(d, s, e)| json!({"detector": d, "start": s, "end": e}))
                .collect();
            writeln!(out, "{}", json!({ "findings": list })).expect("findings written");
        }
    }

    println!("| detector | planted | recall | findings | precision |");
    println!("|---|---:|---:|---:|---:|");
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            "–".to_string()
        } else {
            format!("{:.3}", a as f64 / b as f64)
        }
    };
    for (detector, t) in &tally {
        println!(
            "| {detector} | {} | {} | {} | {} |",
            t.planted,
            ratio(t.found, t.planted),
            t.findings,
            ratio(t.right, t.findings)
        );
    }
    println!(
        "\nlook-alikes flagged: {lookalikes_flagged} of {lookalikes} ({})",
        ratio(lookalikes_flagged, lookalikes)
    );
    for (class, (n, hit)) in &flagged_by_class {
        if *hit > 0 {
            println!("  {class}: {hit} of {n}");
        }
    }
}
