//! Classification: turning a candidate found by shape into a finding, or into nothing.
//!
//! Each shape has one function here. Strong evidence (a checksum, a fixed format, a vendor
//! prefix) makes a finding on its own; weak evidence (a bare number of the right length)
//! needs a context word, and when several detectors fit the same candidate, the one whose
//! context word is nearest wins, ties going to the earlier in the list. Every function
//! returns where the search resumes; nothing here allocates.
//!
//! Numeric runs (cards, SSNs, bare numbers, short dates) are classified in `numeric`,
//! phone numbers and their extensions in `phone`; every other shape here.

use super::context::{Ctx, Words};
use super::secrets::{self, PemEnds};
use super::shapes::Shape;
use super::validators as valid;
use super::{Detector, Finding};

mod numeric;
mod phone;

/// Where findings go: keeps them ordered and non-overlapping.
pub(crate) struct Sink<'a> {
    out: &'a mut Vec<Finding>,
    last_end: usize,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(out: &'a mut Vec<Finding>) -> Sink<'a> {
        Sink { out, last_end: 0 }
    }

    /// Records a finding unless it would overlap the previous one (a classifier may widen
    /// a span backwards, e.g. to the `+` of `+1 310 …`).
    fn push(&mut self, detector: Detector, start: usize, end: usize) {
        if start >= self.last_end && end > start {
            self.out.push(Finding {
                detector,
                severity: detector.severity(),
                start,
                end,
            });
            self.last_end = end;
        }
    }
}

/// State that lives for one scan.
pub(crate) struct Scan<'t, 'o> {
    pub(crate) text: &'t str,
    pub(crate) sink: Sink<'o>,
    pub(crate) pem_ends: PemEnds,
    /// The context words read so far.
    pub(crate) words: Words,
}

/// Up to this many detectors can fit one candidate (a bare 9-digit number fits ten).
const MAX_OPTIONS: usize = 16;

/// The detectors that fit a candidate if the right context word is near, in priority
/// order, each with how many groups of a numeric run it covers.
struct Options {
    items: [(Detector, Ctx, usize); MAX_OPTIONS],
    len: usize,
}

impl Options {
    fn new() -> Options {
        Options {
            items: [(Detector::UsSsn, Ctx::Ssn, 1); MAX_OPTIONS],
            len: 0,
        }
    }

    fn add(&mut self, detector: Detector, ctx: Ctx, groups: usize) {
        if self.len < MAX_OPTIONS {
            self.items[self.len] = (detector, ctx, groups);
            self.len += 1;
        }
    }

    /// The option whose context word is nearest `text[start..end]`, if any has one.
    fn pick(&self, words: &mut Words, text: &str, start: usize, end: usize) -> Option<(Detector, usize)> {
        if self.len == 0 {
            return None;
        }
        let nearby = words.around(text, start, end);
        let mut best: Option<(Detector, usize, u16)> = None;
        for &(detector, ctx, groups) in &self.items[..self.len] {
            if let Some(d) = nearby.distance(ctx) {
                if best.is_none_or(|(_, _, bd)| d < bd) {
                    best = Some((detector, groups, d));
                }
            }
        }
        best.map(|(detector, groups, _)| (detector, groups))
    }
}

impl Scan<'_, '_> {
    /// Classifies the candidate `text[start..end]` of `shape`; returns where to resume.
    pub(crate) fn candidate(&mut self, shape: Shape, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let token = &bytes[start..end];
        match shape {
            Shape::PrivateKey => {
                let block_end = self.pem_ends.block_end(self.text, start, end);
                self.sink.push(Detector::PrivateKey, start, block_end);
                return block_end;
            }
            Shape::AwsKey => self.secret(Detector::AwsAccessKey, start, end, 4),
            Shape::GithubToken => {
                let prefix = if token.starts_with(b"github_pat_") {
                    11
                } else {
                    4
                };
                self.secret(Detector::GithubToken, start, end, prefix);
            }
            Shape::SlackToken => self.secret(Detector::SlackToken, start, end, 5),
            Shape::OpenaiKey => {
                let rest = &token[3..];
                // Anthropic keys share the `sk-` prefix but are not OpenAI keys.
                if !rest.starts_with(b"ant-") {
                    let prefix = [&b"proj-"[..], b"svcacct-", b"admin-"]
                        .iter()
                        .find(|p| rest.starts_with(p))
                        .map_or(0, |p| p.len());
                    self.secret(Detector::OpenaiApiKey, start, end, 3 + prefix);
                }
            }
            Shape::GoogleKey => {
                let next = bytes.get(end).copied().unwrap_or(b' ');
                if !(next.is_ascii_alphanumeric() || next == b'_' || next == b'-') {
                    self.secret(Detector::GoogleApiKey, start, end, 4);
                }
            }
            Shape::Jwt => {
                let payload = token.split(|&b| b == b'.').nth(1).unwrap_or_default();
                if !secrets::low_entropy(payload.get(3..).unwrap_or_default()) {
                    self.sink.push(Detector::Jwt, start, end);
                }
            }
            Shape::Email => self.email(start, end),
            Shape::PasswordKey => return self.password(start, end),
            Shape::Ipv6 => self.ipv6(start, end),
            Shape::Ipv4 => {
                if self.dotted_alone(start, end) && valid_ipv4(token) && !self.version(start, end) {
                    self.sink.push(Detector::IpAddress, start, end);
                }
            }
            Shape::ParenPhone => return self.paren_phone(start, end),
            Shape::IntlPhone => return self.intl_phone(start, end),
            Shape::Mbi => {
                let mut mbi = [0u8; 11];
                let mut n = 0;
                for &b in token.iter().filter(|&&b| b != b'-') {
                    if n < mbi.len() {
                        mbi[n] = b;
                    }
                    n += 1;
                }
                if n == mbi.len() && valid::mbi(&mbi) {
                    self.sink.push(Detector::UsMbi, start, end);
                }
            }
            Shape::LetteredCase => {
                if self.words.around(self.text, start, end).has(Ctx::Case) {
                    self.sink.push(Detector::CjiCaseNumber, start, end);
                }
            }
            Shape::UpperAlnum => self.upper_alnum(start, end),
            Shape::MonthDate => {
                if month_date_fields(token) && self.words.around(self.text, start, end).has(Ctx::Birth) {
                    self.sink.push(Detector::DateOfBirth, start, end);
                }
            }
            Shape::Street => {
                // "In 2024 The Court ruled": a year and a capitalised phrase, not an address.
                let first_word = token
                    .iter()
                    .position(|&b| b == b' ')
                    .map(|i| &token[i + 1..]);
                if !first_word.is_some_and(|w| w.starts_with(b"The ")) {
                    self.sink.push(Detector::StreetAddress, start, end);
                }
            }
            Shape::Numeric => {
                if uuid_part(bytes, start, end) {
                    return end;
                }
                return self.numeric(start, end).max(self.sink.last_end);
            }
            Shape::Vin => self.vin_any_case(start, end),
        }
        end
    }

    /// True if a dotted quad is labelled as a version (`version 4.2.1.0`, `v1.2.3.4`).
    fn version(&mut self, start: usize, end: usize) -> bool {
        let bytes = self.text.as_bytes();
        let v_before = start > 0
            && matches!(bytes[start - 1], b'v' | b'V')
            && (start < 2 || !bytes[start - 2].is_ascii_alphanumeric());
        v_before
            || self.words.around(self.text, start, end)
                .distance(Ctx::Version)
                .is_some_and(|d| d <= 2)
    }

    /// A vendor token: a finding unless its random part (after `prefix` bytes) is a
    /// placeholder.
    fn secret(&mut self, detector: Detector, start: usize, end: usize, prefix: usize) {
        let random = self
            .text
            .as_bytes()
            .get(start + prefix..end)
            .unwrap_or_default();
        if !secrets::low_entropy(random) {
            self.sink.push(detector, start, end);
        }
    }

    fn email(&mut self, start: usize, end: usize) {
        let bytes = self.text.as_bytes();
        let Some(at) = (start..end).find(|&i| bytes[i] == b'@') else {
            return;
        };
        // The local part may not start with punctuation ("--john@x.com" is john@x.com).
        let Some(start) = (start..at).find(|&i| bytes[i].is_ascii_alphanumeric()) else {
            return;
        };
        // `icon@2x.png` is an image name at a pixel density, not an address.
        let tld_at = bytes[start..end]
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(end, |i| start + i + 1);
        let tld = &bytes[tld_at..end];
        let image = [
            &b"png"[..],
            b"jpg",
            b"jpeg",
            b"gif",
            b"svg",
            b"webp",
            b"ico",
        ]
        .iter()
        .any(|ext| tld.eq_ignore_ascii_case(ext));
        if !image {
            self.sink.push(Detector::Email, start, end);
        }
    }

    /// `password: value`: the finding is the value alone.
    fn password(&mut self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let key = &bytes[start..end];
        // The key must start a word, or a camelCase part of one (`dbPassword`), but not
        // be the tail of another word (`bypass:`, `compass:`).
        if let Some(&prev) = start.checked_sub(1).and_then(|i| bytes.get(i)) {
            let camel = prev.is_ascii_lowercase() && key[0] == b'P';
            if prev.is_ascii_alphanumeric() && !camel {
                return end;
            }
        }
        let long_key = key.len() >= 6
            && (key[..6].eq_ignore_ascii_case(b"passwo")
                || key[..6].eq_ignore_ascii_case(b"passwd"));
        let Some((value_start, value_end)) = secrets::password_value(self.text, end) else {
            return end;
        };
        let value = &bytes[value_start..value_end];
        if value.len() < 4 || secrets::placeholder_password(value) {
            return end;
        }
        // `pass` and `pwd` are also ordinary words ("Hall pass: Required"); after them a
        // value must look like a password (a digit or symbol in it), not like a word.
        if !long_key && value.iter().all(u8::is_ascii_alphabetic) {
            return end;
        }
        self.sink
            .push(Detector::PasswordAssignment, value_start, value_end);
        value_end
    }

    fn ipv6(&mut self, start: usize, end: usize) {
        let bytes = self.text.as_bytes();
        let token = &bytes[start..end];
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(end).copied();
        // Not part of a longer word or address (`Foo::Bar`, `a:b:c:d:e:f:g:h:i`).
        let joined =
            |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_');
        if joined(before) || joined(after) || before == Some(b'.') {
            return;
        }
        if let Some(v4) = token
            .strip_prefix(b"::ffff:")
            .or_else(|| token.strip_prefix(b"::FFFF:"))
        {
            if valid_ipv4(v4) {
                self.sink.push(Detector::IpAddress, start, end);
            }
            return;
        }
        if after == Some(b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            return;
        }
        let compressed = token
            .windows(2)
            .filter(|w| w[0] == b':' && w[1] == b':')
            .count();
        let groups = token
            .split(|&b| b == b':')
            .filter(|g| !g.is_empty())
            .count();
        let hex_digits = token.iter().filter(|b| b.is_ascii_hexdigit()).count();
        let has_digit = token.iter().any(u8::is_ascii_digit);
        let shape_ok = match compressed {
            0 => groups == 8,
            1 => groups <= 7,
            _ => false,
        };
        // `dead::beef` and `a::b` are code more often than addresses; `::1` is loopback.
        if shape_ok && has_digit && (hex_digits >= 4 || token == b"::1") {
            self.sink.push(Detector::IpAddress, start, end);
        }
    }

    /// True if a dotted number is not part of a longer dotted run (`1.2.3.4.5`, an OID).
    fn dotted_alone(&self, start: usize, end: usize) -> bool {
        let bytes = self.text.as_bytes();
        let dot_digit = |dot: usize, digit: usize| {
            bytes.get(dot) == Some(&b'.') && bytes.get(digit).is_some_and(u8::is_ascii_digit)
        };
        let before = start >= 2 && dot_digit(start - 1, start - 2);
        !before && !dot_digit(end, end + 1)
    }

    /// A VIN in lower or mixed case: with a valid check digit, or with a VIN label near
    /// for makers that do not use one. Hex strings (hashes) need the label.
    fn vin_any_case(&mut self, start: usize, end: usize) {
        let token = &self.text.as_bytes()[start..end];
        let mut upper = [0u8; 17];
        for (u, b) in upper.iter_mut().zip(token) {
            *u = b.to_ascii_uppercase();
        }
        let hex = upper.iter().all(u8::is_ascii_hexdigit);
        let has_letter = upper.iter().any(u8::is_ascii_uppercase);
        let has_digit = upper.iter().any(u8::is_ascii_digit);
        if !(has_letter && has_digit) {
            return;
        }
        let mut labelled = || self.words.around(self.text, start, end).has(Ctx::Vin);
        if (valid::vin(&upper) && (!hex || labelled()))
            || (valid::vin_without_check(&upper) && labelled())
        {
            self.sink.push(Detector::Vin, start, end);
        }
    }

    fn upper_alnum(&mut self, start: usize, end: usize) {
        let token = &self.text.as_bytes()[start..end];
        let (base, ext) = match token.iter().position(|&b| b == b'.') {
            Some(i) => (&token[..i], &token[i + 1..]),
            None => (token, &token[..0]),
        };
        if ext.is_empty() {
            if valid::vin(base)
                || (valid::vin_without_check(base)
                    && self.words.around(self.text, start, end).has(Ctx::Vin))
            {
                return self.sink.push(Detector::Vin, start, end);
            }
            if valid::dea(base) {
                return self.sink.push(Detector::UsDea, start, end);
            }
        }
        let mut options = Options::new();
        if valid::icd10(base, ext) && (ext.is_empty() || base.len() == 3) {
            options.add(Detector::Icd10, Ctx::Diagnosis, 1);
        }
        if ext.is_empty() {
            let letter_digits = base[0].is_ascii_uppercase() && valid::all_digits(&base[1..]);
            if letter_digits && base.len() == 9 {
                options.add(Detector::UsPassport, Ctx::Passport, 1);
            }
            if letter_digits && (8..=9).contains(&base.len()) {
                options.add(Detector::UsDriversLicense, Ctx::DriversLicense, 1);
            }
            identifier_options(&mut options, base.len());
        }
        if let Some((detector, _)) = options.pick(&mut self.words, self.text, start, end) {
            self.sink.push(detector, start, end);
        }
    }

}

/// True if the number `bytes[start..end]` is a group of a UUID or of another hyphenated
/// hex identifier (`…-a716-446655440000`, `12345678-e89b-…`).
fn uuid_part(bytes: &[u8], start: usize, end: usize) -> bool {
    let hex_group = |range: &[u8]| range.len() == 4 && range.iter().all(u8::is_ascii_hexdigit);
    let before = start >= 5 && bytes[start - 1] == b'-' && hex_group(&bytes[start - 5..start - 1]);
    let after = bytes.get(end) == Some(&b'-')
        && bytes.get(end + 1..end + 5).is_some_and(hex_group)
        && !bytes.get(end + 5).is_some_and(u8::is_ascii_hexdigit);
    let hex_letter_near = |range: &[u8]| range.iter().any(|b| b.is_ascii_alphabetic());
    (before && hex_letter_near(&bytes[start - 5..start - 1]))
        || (after && hex_letter_near(&bytes[end + 1..end + 5]))
}

/// A spelled-out date's day is 1-31 and a 4-digit year is 1900-2099.
fn month_date_fields(token: &[u8]) -> bool {
    let mut day_seen = false;
    token
        .split(|b| !b.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .all(|g| match g.len() {
            4 => (1900..=2099).contains(&valid::number(g)),
            1 | 2 if !day_seen => {
                day_seen = true;
                (1..=31).contains(&valid::number(g))
            }
            _ => true,
        })
}

/// The context-only detectors any identifier-like token of `len` characters may be.
fn identifier_options(options: &mut Options, len: usize) {
    if (6..=10).contains(&len) {
        options.add(Detector::MedicalRecordNumber, Ctx::MedicalRecord, 1);
    }
    if (6..=12).contains(&len) {
        options.add(Detector::CjiIdentifier, Ctx::Fbi, 1);
        options.add(Detector::CjiIdentifier, Ctx::StateId, 1);
        options.add(Detector::CjiIdentifier, Ctx::Ncic, 1);
    }
    if (2..=8).contains(&len) {
        options.add(Detector::LicensePlate, Ctx::Plate, 1);
    }
}

/// A dotted quad with every octet at most 255.
fn valid_ipv4(token: &[u8]) -> bool {
    let mut octets = 0;
    for part in token.split(|&b| b == b'.') {
        if part.is_empty()
            || part.len() > 3
            || !valid::all_digits(part)
            || valid::number(part) > 255
        {
            return false;
        }
        octets += 1;
    }
    octets == 4
}
