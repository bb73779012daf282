//! Benchmarks against DESIGN.md's targets: a URL decision with the default policy plus
//! 10,000 extra host rules (≤ 1 µs median native), and a scan of 1 MB of English text with
//! identifiers (≥ 300 MB/s native); and a county's 100,000-host blocklist parsed, validated
//! and compiled (< 200 ms native), with the server's check of Chrome's rule limits.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lifeguard_core::policy::raw::{RawPolicy, RawSiteRule};
use lifeguard_core::{Engine, Paste, Policy, Scanner, Visit};
use std::hint::black_box;

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/policies.rs"]
mod policies;
use corpus::{corpus, dense, prose};

/// The default policy with `extra` more host rules, as a large city or county would have.
fn big_engine(extra: usize) -> Engine {
    let mut raw: RawPolicy = Policy::default_city().raw().clone();
    for i in 0..extra {
        raw.site_rules.push(RawSiteRule {
            id: format!("extra-{i}"),
            hosts: vec![format!("tool{i}.ai-vendor{}.com", i % 97)],
            paths: if i % 10 == 0 { vec![format!("/app{i}")] } else { vec![] },
            category: "general_purpose_ai".into(),
            action: if i % 3 == 0 { "warn".into() } else { "block".into() },
            message: "Not authorized.".into(),
            policy_ref: "APP 04.05 §IV.1".into(),
        });
    }
    Engine::new(Policy::validate(raw).expect("valid"))
}

fn urls(c: &mut Criterion) {
    let engine = big_engine(10_000);
    let mut g = c.benchmark_group("decide");
    let cases = [
        ("blocked", "https://chatgpt.com/c/123"),
        ("blocked_subdomain_path", "https://huggingface.co/chat/conversation/9"),
        ("extra_rule", "https://tool5000.ai-vendor53.com/"),
        ("allowed_deep_host", "https://a.b.c.d.www.redondo.org/path/to/page?q=1"),
    ];
    for (name, url) in cases {
        g.bench_with_input(BenchmarkId::from_parameter(name), url, |b, url| {
            b.iter(|| {
                let visit = Visit { url: black_box(url), department: Some("police"), user: Some("ana@redondo.org"), user_hash: None, now: 1_780_000_000 };
                black_box(engine.decide(&visit).expect("decides").action)
            })
        });
    }
    g.finish();
}

/// The detectors alone over `text`, into a reused buffer.
fn detectors<'a>(scanner: &'a Scanner, text: &'a str) -> impl FnMut(&mut criterion::Bencher<'_>) + 'a {
    move |b| {
        let mut out = Vec::with_capacity(8192);
        b.iter(|| {
            out.clear();
            scanner.scan_into(black_box(text), &mut out);
            black_box(out.len())
        })
    }
}

fn scan(c: &mut Criterion) {
    let text = corpus();
    let scanner = Scanner::new();
    let engine = Engine::default_city();
    let mut g = c.benchmark_group("scan_1mb");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("detectors", detectors(&scanner, &text));
    g.bench_function("verdict", |b| b.iter(|| black_box(engine.scan(black_box(&text), &Paste::default()).action)));
    // The same text as Word spells it: identifiers with non-breaking hyphens and no-break
    // spaces, prose with typographic quotes, so every scan folds (detect/normalize.rs).
    let word = text.replace("123-45-6789", "123\u{2011}45\u{2011}6789").replace("1111 1111", "1111\u{a0}1111").replace("applicant's", "applicant\u{2019}s");
    g.throughput(Throughput::Bytes(word.len() as u64));
    g.bench_function("detectors_word_spellings", detectors(&scanner, &word));
    g.finish();
    let hundred_kb = &text[..text.floor_char_boundary(100 * 1024)];
    c.bench_function("scan_100kb_verdict", |b| b.iter(|| black_box(engine.scan(black_box(hundred_kb), &Paste::default()).action)));
}

/// The detectors on text dense with identifiers (one about every 90 bytes) and on plain
/// prose with none: the two ends of what staff paste (issue 12's targets: ≥ 200 MB/s
/// dense, ≥ 600 MB/s prose).
fn scan_kinds(c: &mut Criterion) {
    let scanner = Scanner::new();
    let mut g = c.benchmark_group("scan_kinds");
    g.sample_size(20);
    for (name, text) in [("dense", dense()), ("prose", prose())] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(name, detectors(&scanner, &text));
    }
    g.finish();
}

/// Parse + validate + compile of 100,000 hosts, in rules of 1,000 and in one rule; and the
/// server's Chrome-limit check on top.
fn policy_size(c: &mut Criterion) {
    let mut g = c.benchmark_group("policy_100k_hosts");
    g.sample_size(10);
    for per_rule in [1000, 100_000] {
        let json = policies::county_blocklist(100_000, per_rule);
        g.bench_with_input(BenchmarkId::new("validate_compile", per_rule), &json, |b, json| b.iter(|| black_box(Engine::from_json(json).expect("valid"))));
        let engine = Engine::from_json(&json).expect("valid");
        g.bench_with_input(BenchmarkId::new("browser_limits", per_rule), &engine, |b, e| b.iter(|| black_box(e.check_browser_limits(1_780_000_000).is_ok())));
    }
    g.finish();
}

criterion_group!(benches, urls, scan, scan_kinds, policy_size);
criterion_main!(benches);
