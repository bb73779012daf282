#!/usr/bin/env python3
"""Makes the detector corpus: pastes as staff write them, with planted identifiers and
look-alikes, each span labelled. Output is JSON lines, one paste each:

    {"text": "...", "spans": [{"start": 12, "end": 23, "kind": "us_ssn"}, ...]}

Offsets are in characters (Python string indices). A span's kind is a detector id, or
`lookalike:<class>` for text that must stay clean (order numbers failing checksums, ZIP+4,
ISBN, UUIDs, hashes, versions, masked values, invalid SSNs and VINs, dates that are not
dates of birth). Identifiers that need a label by design (a bare 9-digit SSN, a routing
number, a national phone number from abroad, any date of birth) are planted with one, as
staff write them; those whose shape is enough are planted with and without.

Nothing in the test suite reads this output: it is for scripts/detector-corpus/benchmark.py
and `cargo run --release -p lifeguard-core --example score`. Needs Faker (PyPI).

    python3 make_corpus.py --seed 12 --pastes 1500 > corpus.jsonl
"""

import argparse
import json
import random
import sys
import uuid

from faker import Faker

PHONE_LOCALES = ["en_GB", "de_DE", "fr_FR", "en_AU", "en_IN", "ja_JP", "pt_BR", "es_MX", "en_CA"]

FILLER = [
    "Please summarize this for the council packet.",
    "Can you rewrite the note below in plain language?",
    "The resident called twice about the permit.",
    "Draft a reply that thanks them for their patience.",
    "This came in through the front desk this morning.",
    "We need this cleaned up before Friday's meeting.",
    "Here is the record as it was typed into the old system.",
    "Turn this into a short table for the supervisor.",
]


def luhn_complete(prefix, length, rng):
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        n = digits + check
        total = 0
        for i, c in enumerate(reversed(n)):
            d = int(c)
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return n
    raise AssertionError


def luhn_break(number):
    """The same number with a wrong check digit."""
    return number[:-1] + str((int(number[-1]) + 1 + random.randrange(8)) % 10)


def group(number, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(number[i:i + s])
        i += s
    if i < len(number):
        out.append(number[i:])
    return sep.join(x for x in out if x)


class Maker:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.locales = {}
        for i, loc in enumerate(PHONE_LOCALES + ["en_GB", "en_AU", "en_CA"]):
            if loc not in self.locales:
                f = Faker(loc)
                f.seed_instance(seed + 1 + i)
                self.locales[loc] = f

    def pick(self, items):
        return self.rng.choice(items)

    # -- identifiers: each returns (value, template); `{}` in the template is the value

    def us_ssn(self):
        area, grp, serial = self.fake.ssn().split("-")
        sep = self.pick(["-", "-", " ", ".", ""])
        value = sep.join([area, grp, serial])
        if sep == "":
            return value, self.pick(["SSN: {}", "Social Security number {}", "SS# {}", "ssn {} on file"])
        return value, self.pick(["{}", "Her number is {}.", "SSN {}", "applicant ({}) was approved"])

    def us_itin(self):
        value = self.fake.itin()
        value = value.replace("-", self.pick(["-", "-", " ", "."]))
        return value, self.pick(["ITIN {}", "{}", "taxpayer id {} for the filing"])

    def credit_card(self):
        kind = self.pick(["visa16", "visa13", "visa19", "mastercard", "amex", "discover", "jcb15", "jcb16",
                          "diners", "maestro", "maestro", "unionpay", "mir", "rupay", "troy"])
        if kind in ("unionpay", "mir", "rupay", "troy"):
            prefix = {"unionpay": self.pick(["62", "62", "81"]), "mir": "220" + str(self.rng.randrange(5)),
                      "rupay": self.pick(["60", "65", "81", "82", "508"]), "troy": "9792"}[kind]
            length = self.pick([16, 16, 17, 18, 19]) if kind in ("unionpay", "mir") else 16
            number = luhn_complete(prefix, length, self.rng)
        else:
            number = self.fake.credit_card_number(card_type=kind)
            # Faker's Maestro prefixes include 0604 and its JCB ones all of 35xx; the networks
            # issue neither 0604 nor JCB outside 3528-3589: draw again.
            while number.startswith("0") or (kind == "jcb16" and not 3528 <= int(number[:4]) <= 3589):
                number = self.fake.credit_card_number(card_type=kind)
            if kind == "maestro":  # Faker makes only 12 digits; Maestro issues 12-19
                length = self.pick([12, 13, 16, 16, 18, 19])
                number = luhn_complete(number[:4], length, self.rng)
        sizes = {15: [4, 6, 5], 14: [4, 6, 4]}.get(len(number), [4, 4, 4, 4, 4])
        style = self.pick(["space", "space", "dash", "bare"])
        if style == "bare":
            value = number
        else:
            value = group(number, sizes, " " if style == "space" else "-")
        if len(number) == 12 and style == "bare":
            return value, self.pick(["Maestro card {}", "debit card {}", "card number {}"])
        return value, self.pick(["{}", "Card {} was declined.", "paid with {} yesterday", "card on file: {}"])

    def phone_us(self):
        if self.rng.random() < 0.6:
            value = self.fake.phone_number()
            if value.isdigit():  # a bare number needs a label
                return value, self.pick(["Phone: {}", "call {}", "cell {}"])
            return value, self.pick(["{}", "Reach her at {} after 5.", "Phone: {}", "call back {}", "({})"])
        loc = self.pick(PHONE_LOCALES)
        value = self.locales[loc].phone_number()
        return value, self.pick(["Phone: {}", "Tel. {}", "call {}", "mobile {}", "contact number {}"])

    def email(self):
        value = self.pick([self.fake.email, self.fake.company_email, self.fake.free_email])()
        return value, self.pick(["{}", "write to {}", "Email: {}", "cc {} on the reply"])

    def ip_address(self):
        value = self.pick([self.fake.ipv4, self.fake.ipv4_private, self.fake.ipv6])()
        return value, self.pick(["{}", "host {} is down", "login from {} failed", "IP {}"])

    def date_of_birth(self):
        d = self.fake.date_of_birth(minimum_age=1, maximum_age=95)
        fmt = self.pick(["%m/%d/%Y", "{m}/{d}/%Y", "{m}/{d}/%y", "%Y-%m-%d", "%m-%d-%Y", "%d.%m.%Y",
                         "%B {d}, %Y", "%b {d}, %Y", "%b. {d}, %Y", "{d} %B %Y", "%d %b %Y", "%d-%b-%Y",
                         "%B {d}{th}, %Y", "{d}{th} of %B %Y", "%Y%m%d", "%A, %B {d}, %Y", "%B {d} %Y"])
        th = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        value = d.strftime(fmt.replace("{m}", str(d.month)).replace("{d}", str(d.day)).replace("{th}", th))
        if self.rng.random() < 0.1:
            value = value.upper()
        return value, self.pick(["DOB: {}", "date of birth {}", "born {}", "Birthdate: {}", "D.O.B. {}",
                                 "{} (DOB)", "birthday {}"])

    def street_address(self):
        loc = self.pick(["en_US", "en_US", "en_US", "en_CA", "en_GB", "en_AU"])
        f = self.fake if loc == "en_US" else self.locales[loc]
        if loc in ("en_US", "en_CA"):
            value = f.street_address()
        else:
            value = f"{f.building_number()} {f.street_name()}"
        return value, self.pick(["{}", "lives at {}", "Send it to {}, then file it.", "Address: {}"])

    def vin(self):
        value = self.fake.vin()
        case = self.pick(["upper", "upper", "lower", "title"])
        value = {"upper": value, "lower": value.lower(), "title": value[:3] + value[3:].lower()}[case]
        return value, self.pick(["{}", "VIN {}", "towed the car {} from the lot", "vehicle {}"])

    def us_bank_routing(self):
        return self.fake.aba(), self.pick(["routing {}", "ABA {}", "routing number: {}"])

    def us_bank_account(self):
        value = "".join(self.rng.choice("0123456789") for _ in range(self.rng.randrange(8, 14)))
        return value, self.pick(["account {}", "acct # {}", "account number: {}"])

    def us_passport(self):
        return self.fake.passport_number(), self.pick(["passport {}", "Passport No. {}", "passport number: {}"])

    # -- look-alikes: (class, value, template)

    def lookalike(self):
        cls = self.pick(["order", "zip4", "isbn", "uuid", "hash", "version", "masked", "bad_ssn",
                         "bad_vin", "date", "tracking"])
        f, pick = self.fake, self.pick
        if cls == "order":
            value = pick([luhn_break(f.credit_card_number(card_type="visa16")),
                          luhn_break(f.credit_card_number(card_type="mastercard")),
                          str(self.rng.randrange(10**8, 10**9)), f"INV-{self.rng.randrange(2019, 2027)}-{self.rng.randrange(10**5, 10**6)}"])
            return cls, value, pick(["Order {} shipped.", "Invoice {} is overdue.", "PO {}", "order #{}"])
        if cls == "zip4":
            return cls, f.zipcode_plus4(), pick(["{}", "Redondo Beach, CA {}", "ZIP {}"])
        if cls == "isbn":
            return cls, pick([f.isbn13, f.isbn10])(), pick(["ISBN {}", "{}", "the book ({})"])
        if cls == "uuid":
            return cls, str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), pick(["{}", "id={}", "request {} failed"])
        if cls == "hash":
            return cls, pick([f.sha1, f.md5, lambda: f.sha1()[:7], f.sha256])(), pick(["commit {}", "{}", "sha {}"])
        if cls == "version":
            a, b, c, d = (self.rng.randrange(0, 30) for _ in range(4))
            value, tmpl = pick([(f"{a}.{b}.{c}", pick(["{}", "v{}", "version {}"])),
                                (f"{a}.{b}.{c}.{d}", pick(["version {}", "v{}", "build {}", "release {}"])),
                                (f"10.0.{self.rng.randrange(10000, 30000)}.{self.rng.randrange(1000, 9999)}", "Windows {}"),
                                (f"{a}.{b}.{c}-rc.{d}", "{}")])
            return cls, value, tmpl
        if cls == "masked":
            last4 = f"{self.rng.randrange(10000):04d}"
            value = pick([f"XXX-XX-{last4}", f"***-**-{last4}", f"**** **** **** {last4}",
                          f"XXXX-XXXX-XXXX-{last4}", f"(XXX) XXX-{last4}", f"xxx-xx-{last4}"])
            return cls, value, pick(["{}", "on file as {}", "ends {}"])
        if cls == "bad_ssn":
            r = self.rng.randrange
            value = pick([f"000-{r(10, 99)}-{r(1000, 9999)}", f"666-{r(10, 99)}-{r(1000, 9999)}",
                          f"{r(100, 899)}-00-{r(1000, 9999)}", f"{r(100, 899)}-{r(10, 99)}-0000",
                          f"9{r(10, 99)}-{pick(['12', '40', '66', '93'])}-{r(1000, 9999)}"])
            return cls, value, pick(["{}", "SSN {}", "number {}"])
        if cls == "bad_vin":
            v = f.vin()
            pos = 8
            bad = pick([c for c in "0123456789X" if c != v[pos]])
            return cls, v[:pos] + bad + v[pos + 1:], pick(["{}", "stock no. {}"])
        if cls == "date":
            d = f.date_between(start_date="-3y", end_date="+1y")
            return cls, d.strftime(pick(["%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y"])), pick(["Meeting on {}.", "due {}", "filed {}"])
        value = pick(["1Z" + "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16)),
                      "94" + "".join(self.rng.choice("0123456789") for _ in range(20))])
        return cls, value, pick(["tracking {}", "{}", "shipment {} is out for delivery"])

    KINDS = ["us_ssn", "us_itin", "credit_card", "phone_us", "email", "ip_address", "date_of_birth",
             "street_address", "vin", "us_bank_routing", "us_bank_account", "us_passport"]

    def paste(self):
        parts, spans = [], []
        pos = 0

        def add(text, kind=None, value=None):
            nonlocal pos
            if parts:
                parts.append(" ")
                pos += 1
            if kind is not None:
                if not text.endswith((".", ")", "?", "!")):
                    text += "."
                before, after = text.split("{}", 1)
                start = pos + len(before)
                spans.append({"start": start, "end": start + len(value), "kind": kind})
                text = before + value + after
            parts.append(text)
            pos += len(text)

        add(self.pick(FILLER))
        for _ in range(self.rng.randrange(1, 4)):
            if self.rng.random() < 0.3:
                cls, value, tmpl = self.lookalike()
                add(tmpl, "lookalike:" + cls, value)
            else:
                kind = self.pick(self.KINDS)
                value, tmpl = getattr(self, kind)()
                add(tmpl, kind, value)
            if self.rng.random() < 0.5:
                add(self.fake.sentence())
        return {"text": "".join(parts), "spans": spans}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--pastes", type=int, default=1500)
    args = ap.parse_args()
    maker = Maker(args.seed)
    random.seed(args.seed)
    for _ in range(args.pastes):
        sys.stdout.write(json.dumps(maker.paste(), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
