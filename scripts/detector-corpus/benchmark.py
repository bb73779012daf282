#!/usr/bin/env python3
"""Runs Presidio and Lifeguard on the same detector corpus (make_corpus.py) and prints
recall and precision per detector side by side, and the share of look-alikes each flags.

    python3 benchmark.py corpus.jsonl [--spacy-model en_core_web_sm]

Lifeguard is run through `cargo run --release -p lifeguard-core --example score` (which
writes its findings); Presidio (presidio-analyzer from PyPI) runs in this Python. Both are
scored by the same rules: a planted span is found when a finding of its detector overlaps
it; a finding is right when it overlaps a planted span of its own detector.

Presidio needs a spaCy pipeline. With `--spacy-model` it loads that one (named entities
included); without, it runs on a blank English tokenizer, so only its pattern recognizers
and the phone-number recognizer (libphonenumber) find anything: no PERSON, LOCATION or
NER dates. Presidio's entity types are mapped to Lifeguard's detector ids below; DATE_TIME
counts as date_of_birth (Presidio has no birth-date type).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PRESIDIO_TO_DETECTOR = {
    "US_SSN": "us_ssn",
    "US_ITIN": "us_itin",
    "CREDIT_CARD": "credit_card",
    "PHONE_NUMBER": "phone_us",
    "EMAIL_ADDRESS": "email",
    "IP_ADDRESS": "ip_address",
    "DATE_TIME": "date_of_birth",
    "LOCATION": "street_address",
    "US_BANK_NUMBER": "us_bank_account",
    "ABA_ROUTING_NUMBER": "us_bank_routing",
    "US_PASSPORT": "us_passport",
    "US_DRIVER_LICENSE": "us_drivers_license",
    "MEDICAL_LICENSE": "us_dea",
}

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def presidio_engine(model):
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    if model:
        nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    else:
        import spacy

        class BlankEnglish(SpacyNlpEngine):
            """spaCy's rule-based English tokenizer, no trained pipeline."""

            def load(self):
                self.nlp = {"en": spacy.blank("en")}

        nlp = BlankEnglish(models=[{"lang_code": "en", "model_name": "blank"}])
        nlp.load()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def presidio_findings(pastes, model):
    engine = presidio_engine(model)
    out = []
    started = time.perf_counter()
    for p in pastes:
        results = engine.analyze(text=p["text"], language="en")
        out.append([
            {"detector": PRESIDIO_TO_DETECTOR[r.entity_type], "start": r.start, "end": r.end}
            for r in results
            if r.entity_type in PRESIDIO_TO_DETECTOR
        ])
    return out, time.perf_counter() - started


def lifeguard_findings(corpus):
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as tmp:
        path = tmp.name
    try:
        subprocess.run(
            ["cargo", "run", "--quiet", "--release", "-p", "lifeguard-core", "--example", "score", "--",
             corpus, "--findings", path],
            cwd=REPO, check=True, stdout=subprocess.DEVNULL,
        )
        with open(path) as f:
            return [json.loads(line)["findings"] for line in f]
    finally:
        os.unlink(path)


def score(pastes, findings):
    tally, look, flagged = {}, 0, 0
    overlaps = lambda a, b: a["start"] < b["end"] and b["start"] < a["end"]
    for paste, found in zip(pastes, findings):
        for s in paste["spans"]:
            if s["kind"].startswith("lookalike:"):
                look += 1
                flagged += any(overlaps(f, s) for f in found)
                continue
            t = tally.setdefault(s["kind"], [0, 0, 0, 0])
            t[0] += 1
            t[1] += any(f["detector"] == s["kind"] and overlaps(f, s) for f in found)
        for f in found:
            t = tally.setdefault(f["detector"], [0, 0, 0, 0])
            t[2] += 1
            t[3] += any(s["kind"] == f["detector"] and overlaps(f, s) for s in paste["spans"])
    return tally, look, flagged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--spacy-model", default=None)
    args = ap.parse_args()
    with open(args.corpus) as f:
        pastes = [json.loads(line) for line in f]

    lg = score(pastes, lifeguard_findings(os.path.abspath(args.corpus)))
    pf, seconds = presidio_findings(pastes, args.spacy_model)
    pr = score(pastes, pf)

    fmt = lambda a, b: f"{a / b:.3f}" if b else "–"
    kinds = sorted(k for k in set(lg[0]) | set(pr[0]) if lg[0].get(k, [0])[0] or pr[0].get(k, [0])[0])
    print("| detector | planted | Lifeguard recall | Lifeguard precision | Presidio recall | Presidio precision |")
    print("|---|---:|---:|---:|---:|---:|")
    for k in kinds:
        a = lg[0].get(k, [0, 0, 0, 0])
        b = pr[0].get(k, [0, 0, 0, 0])
        print(f"| {k} | {a[0]} | {fmt(a[1], a[0])} | {fmt(a[3], a[2])} | {fmt(b[1], b[0])} | {fmt(b[3], b[2])} |")
    extra = sorted(k for k in set(lg[0]) | set(pr[0]) if k not in kinds)
    for k in extra:  # findings of detectors with nothing planted: all wrong
        a = lg[0].get(k, [0, 0, 0, 0])
        b = pr[0].get(k, [0, 0, 0, 0])
        print(f"| {k} (not planted) | 0 | – | {a[2]} false | – | {b[2]} false |")
    print(f"| look-alikes flagged | {lg[1]} | {fmt(lg[2], lg[1])} | | {fmt(pr[2], pr[1])} | |")
    total = sum(len(p["text"].encode()) for p in pastes)
    print(f"\n{len(pastes)} pastes, {total} bytes; Presidio took {seconds:.1f} s "
          f"({'spaCy ' + args.spacy_model if args.spacy_model else 'no spaCy model: pattern recognizers only'})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
