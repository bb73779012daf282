//! Classification: turning a candidate found by shape into a finding, or into nothing.
//!
//! Each shape has one function here. Strong evidence (a checksum, a fixed format, a vendor
//! prefix) makes a finding on its own; weak evidence (a bare number of the right length)
//! needs a context word, and when several detectors fit the same candidate, the one whose
//! context word is nearest wins, ties going to the earlier in the list. Every function
//! returns where the search resumes; nothing here allocates.

use super::context::{Ctx, Words};
use super::secrets::{self, PemEnds};
use super::shapes::Shape;
use super::validators as valid;
use super::{Detector, Finding};

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

    /// A phone finding from `start` to `end`, with the extension written straight after
    /// it (`x204`, ` ext. 12`, ` #3`); returns where it ends.
    fn phone(&mut self, start: usize, end: usize) -> usize {
        let end = extension_end(self.text.as_bytes(), end);
        self.sink.push(Detector::PhoneUs, start, end);
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

    /// `+` and a country code: a NANP number after `+1`, any other country's number of 8
    /// to 15 digits (E.164), or anything of that length with a phone word near.
    fn intl_phone(&mut self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        // Glued to a word or a number (`a+44…`, `2+12345678`): arithmetic, an id.
        if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            return start + 1;
        }
        let mut digits = [0u8; 16];
        let mut n = 0;
        let mut last = start;
        let mut nanp_end = None;
        for i in start + 1..end {
            if bytes[i].is_ascii_digit() {
                if n < digits.len() {
                    digits[n] = bytes[i];
                }
                n += 1;
                last = i + 1;
                let group_ends = !bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                if n == 11 && group_ends {
                    nanp_end = Some(i + 1);
                }
            }
        }
        if digits[0] == b'1' {
            if let Some(phone_end) = nanp_end.filter(|_| valid::nanp(&digits[1..11])) {
                return self.phone(start, phone_end);
            }
        }
        let e164 = (8..=15).contains(&n);
        if e164
            && (digits[0] != b'1'
                || self.words.around(self.text, start, last).has(Ctx::Phone))
        {
            return self.phone(start, last);
        }
        start + 1
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

    fn paren_phone(&mut self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let Some(open) = (start..end).find(|&i| bytes[i] == b'(') else {
            return end;
        };
        let mut digits = [0u8; 10];
        let mut n = 0;
        let mut last = open;
        for (i, &b) in bytes.iter().enumerate().take(end).skip(open) {
            if b.is_ascii_digit() {
                if n < digits.len() {
                    digits[n] = b;
                }
                n += 1;
                last = i + 1;
            }
        }
        // A trunk prefix in parentheses (`(020) 7946 0958`): a national number abroad.
        if bytes.get(open + 1) == Some(&b'0') {
            return if (8..=13).contains(&n) {
                self.phone(open, last)
            } else {
                end
            };
        }
        // Outside the NANP rules (an exchange starting 0 or 1), only with a phone word.
        if n != 10
            || !(valid::nanp(&digits) || self.words.around(self.text, start, last).has(Ctx::Phone))
        {
            return end;
        }
        // A leading `1` glued to a preceding word ("x1 (310) …") is not a country code.
        let glued = start
            .checked_sub(1)
            .is_some_and(|i| bytes[i].is_ascii_alphanumeric());
        let from = if bytes[start] == b'1' && glued {
            open
        } else {
            start
        };
        self.phone(from, last).max(end)
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

    /// A run of digit groups with single separators ("4111 1111 1111 1111 on 3/5/84").
    /// Tokens start at the run's start or after a space; each is classified in turn.
    fn numeric(&mut self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut from = start;
        loop {
            let run = Run::parse(bytes, from, end);
            // A long run is taken a window of groups at a time. Stop early enough in each
            // window that every interpretation (up to five groups) sees all its groups,
            // then parse the next window from there: re-searching with the automaton
            // instead would rescan the rest of the run each time (quadratic on "1 1 1 …").
            let limit = if run.truncated { run.n - 6 } else { run.n };
            let mut g = 0;
            while g < limit {
                match self.numeric_token(&run, g) {
                    Some((Detector::PhoneUs, first_byte, groups)) => {
                        self.phone(first_byte, run.end[g + groups - 1]);
                        g += groups;
                    }
                    Some((detector, first_byte, groups)) => {
                        self.sink
                            .push(detector, first_byte, run.end[g + groups - 1]);
                        g += groups;
                    }
                    None => g = run.next_token(g),
                }
            }
            if !run.truncated {
                return end;
            }
            from = if g < run.n {
                run.start[g]
            } else {
                // The window ended inside a token: go on after the next space.
                let tail = run.end[run.n - 1];
                match (tail..end).find(|&i| bytes[i] == b' ') {
                    Some(space) => space + 1,
                    None => return end,
                }
            };
        }
    }

    /// The detector, start and group count of the token starting at group `g`.
    fn numeric_token(&mut self, run: &Run, g: usize) -> Option<(Detector, usize, usize)> {
        let bytes = self.text.as_bytes();
        let len = |i: usize| run.len(g + i);
        let sep = |i: usize| run.sep(g + i);
        let avail = run.n - g;
        let at = run.start[g];
        // A token ends at a space or at the end of the run, never inside `12-34-…`.
        let fits = |k: usize| k <= avail && ((g + k == run.n && !run.truncated) || sep(k) == b' ');
        let same_seps = |k: usize, allowed: &[u8]| {
            (2..k).all(|i| sep(i) == sep(1)) && allowed.contains(&sep(1))
        };
        let mut buf = [0u8; 20];

        // `+1 310 555 0123`, `1-800-555-0123`, `+13105550123`.
        let plus = g == 0 && at > self.sink.last_end && bytes[at - 1] == b'+';
        let from = if plus { at - 1 } else { at };
        if len(0) == 1 && bytes[at] == b'1' {
            if fits(4) && len(1) == 3 && len(2) == 3 && len(3) == 4 {
                let (s2, s3) = (sep(2), sep(3));
                let digits = run.digits(bytes, g + 1, 3, &mut buf);
                if s2 == s3
                    && b" -.".contains(&s2)
                    && b" -.".contains(&sep(1))
                    && valid::nanp(digits)
                {
                    return Some((Detector::PhoneUs, from, 4));
                }
            }
            if plus && fits(2) && len(1) == 10 && valid::nanp(run.digits(bytes, g + 1, 1, &mut buf))
            {
                return Some((Detector::PhoneUs, from, 2));
            }
        }
        if plus
            && fits(1)
            && len(0) == 11
            && bytes[at] == b'1'
            && valid::nanp(&bytes[at + 1..at + 11])
        {
            return Some((Detector::PhoneUs, from, 1));
        }

        // `001-310-555-0123`: the international call prefix from abroad.
        if len(0) == 3 && &bytes[at..at + 3] == b"001" && fits(4) {
            let nanp = len(1) == 3 && len(2) == 3 && len(3) == 4;
            if nanp && same_seps(4, b" -.") && valid::nanp(run.digits(bytes, g + 1, 3, &mut buf)) {
                return Some((Detector::PhoneUs, at, 4));
            }
        }

        // Card numbers, longest layout first (4-4-4-4-3 before 4-4-4-4); the last group
        // may be short (4-4-4-4-2, 4-4-4-1). Twelve digits (Maestro) are as common as any
        // other 12 digits: bare they need a card word, inside a longer run of groups they
        // are not a card.
        let mut short_card = false;
        for k in (1..=avail.min(5)).rev() {
            let layout = k == 1
                || (same_seps(k, b" -")
                    && len(0) == 4
                    && (1..k).all(|i| {
                        (3..=6).contains(&len(i)) || (i == k - 1 && k >= 4 && len(i) >= 1)
                    }));
            if fits(k) && layout {
                let digits = run.digits(bytes, g, k, &mut buf);
                if valid::card(digits) {
                    let alone = g == 0 && (g + k == run.n || len(k) != 4);
                    if digits.len() == 12 && (k == 1 || !alone) {
                        short_card = k == 1;
                        break;
                    }
                    return Some((Detector::CreditCard, at, k));
                }
            }
        }

        // 123-45-6789 and 310-555-0123: formatted, so valid without context.
        if fits(3) && len(0) == 3 && len(2) == 4 {
            let digits = run.digits(bytes, g, 3, &mut buf);
            if len(1) == 2 && same_seps(3, b" -.") {
                if valid::ssn(digits) {
                    return Some((Detector::UsSsn, at, 3));
                }
                if valid::itin(digits) {
                    return Some((Detector::UsItin, at, 3));
                }
            }
            if len(1) == 3 && same_seps(3, b" -.") && valid::nanp(digits) {
                return Some((Detector::PhoneUs, at, 3));
            }
        }

        // Everything else needs a context word.
        let mut options = Options::new();
        let tok = run.token_groups(g);
        if run.truncated && g + tok == run.n {
            return None; // the token goes on past the groups held
        }
        if short_card {
            options.add(Detector::CreditCard, Ctx::Card, 1);
        }
        // A number as other countries write it (`020 7946 0958`, `04 20 00 57 56`,
        // `0458 827 685`, `3302-5228`, `111-524-4939`): 8 to 12 digits led by a trunk `0`
        // (not a lone one, as in ISBN `0-306-…`), or ending in 4-4 or 3-3-4 groups joined
        // by dashes or dots (not an SSN's 3-2-4 or a ZIP+4's 5-4); or 10 bare digits; or 8
        // digits, bare or as 4 4.
        for k in (1..=avail.min(6)).rev() {
            if !fits(k) || !(1..k).all(|i| b" -.".contains(&sep(i))) {
                continue;
            }
            // Glued to letters after (ISBN `0-8288-8045-X`): part of another identifier.
            let tail = run.end[g + k - 1];
            let glued = matches!(bytes.get(tail), Some(b'-' | b'.' | b'_'))
                && bytes.get(tail + 1).is_some_and(u8::is_ascii_alphanumeric);
            let ssn_shape = k == 3 && len(0) == 3 && len(1) == 2 && len(2) == 4;
            if glued || ssn_shape {
                continue;
            }
            let total: usize = (0..k).map(len).sum();
            let grouped = (0..k).all(|i| (2..=8).contains(&len(i)));
            let trunk = bytes[at] == b'0' && (grouped || k == 1);
            let joined = |i: usize| sep(i) == b'-' || sep(i) == b'.';
            let tail44 = k >= 2 && len(k - 2) == 4 && len(k - 1) == 4 && joined(k - 1);
            let tail334 = k >= 3
                && len(k - 3) == 3
                && len(k - 2) == 3
                && len(k - 1) == 4
                && joined(k - 1)
                && joined(k - 2);
            let bare10 = k == 1 && total == 10;
            // An Australian local number without its area code: `9281 7253`, `28916143`
            // (eight bare digits that read as a date are a date: "called … 19560512 (DOB)").
            let local8 = total == 8
                && ((k == 1 && !eight_digit_date(&bytes[at..run.end[g]]))
                    || (k == 2 && len(0) == 4));
            if (8..=12).contains(&total) && (trunk || tail44 || tail334 || bare10 || local8) {
                options.add(Detector::PhoneUs, Ctx::Phone, k);
                break;
            }
        }
        if tok == 3 && same_seps(3, b"/-.") {
            let field = |i: usize| valid::number(&bytes[run.start[g + i]..run.end[g + i]]);
            let short = |i: usize| (1..=2).contains(&len(i));
            let us = short(0) && short(1) && matches!(len(2), 2 | 4);
            let iso = len(0) == 4 && short(1) && short(2);
            let year = |i: usize| &bytes[run.start[g + i]..run.end[g + i]];
            if (us && valid::date(field(0), field(1), year(2)))
                || (iso && field(1) <= 12 && valid::date(field(1), field(2), year(0)))
            {
                options.add(Detector::DateOfBirth, Ctx::Birth, 3);
            }
        }
        if tok == 2 && sep(1) == b'-' && (4..=8).contains(&len(1)) {
            let first = valid::number(&bytes[at..run.end[g]]);
            let year_like = |l: usize, n: u32| l == 2 || (l == 4 && (1900..=2099).contains(&n));
            let second = valid::number(&bytes[run.start[g + 1]..run.end[g + 1]]);
            let year_range = len(1) == 4 && (1900..=2099).contains(&second);
            if year_like(len(0), first) && !year_range {
                options.add(Detector::CjiCaseNumber, Ctx::Case, 2);
            }
        }
        // Not an SSN's 3-2-4, a ZIP+4's 5-4 or an ISBN-13 (978-…, 979-…).
        let isbn = tok >= 4 && len(0) == 3 && matches!(&bytes[at..at + 3], b"978" | b"979");
        let ssn_or_zip = (tok == 3 && len(0) == 3 && len(1) == 2 && len(2) == 4)
            || (tok == 2 && len(0) == 5 && len(1) == 4)
            || isbn;
        if tok >= 2 && same_seps(tok, b"-") && !ssn_or_zip {
            let total: usize = (0..tok).map(len).sum();
            if (8..=17).contains(&total) {
                options.add(Detector::UsBankAccount, Ctx::Account, tok);
            }
        }
        if tok == 1 {
            let digits = &bytes[at..run.end[g]];
            let n = digits.len();
            if n == 8 && eight_digit_date(digits) {
                options.add(Detector::DateOfBirth, Ctx::Birth, 1);
            }
            if n == 9 {
                if valid::ssn(digits) {
                    options.add(Detector::UsSsn, Ctx::Ssn, 1);
                }
                if valid::itin(digits) {
                    options.add(Detector::UsItin, Ctx::Itin, 1);
                }
                if valid::aba_routing(digits) {
                    options.add(Detector::UsBankRouting, Ctx::Routing, 1);
                }
                options.add(Detector::UsPassport, Ctx::Passport, 1);
            }
            if n == 10 && valid::npi(digits) {
                options.add(Detector::UsNpi, Ctx::Npi, 1);
            }
            if (n == 10 && valid::nanp(digits))
                || (n == 11 && digits[0] == b'1' && valid::nanp(&digits[1..]))
            {
                options.add(Detector::PhoneUs, Ctx::Phone, 1);
            }
            if (8..=17).contains(&n) {
                options.add(Detector::UsBankAccount, Ctx::Account, 1);
            }
            if (7..=9).contains(&n) {
                options.add(Detector::UsDriversLicense, Ctx::DriversLicense, 1);
            }
            identifier_options(&mut options, n);
        }
        let span_end = run.end[g + tok - 1];
        options
            .pick(&mut self.words, self.text, at, span_end)
            .map(|(detector, groups)| (detector, at, groups))
    }
}

/// The end of a phone extension written straight after a number ending at `end` (`x204`,
/// ` x 204`, ` ext. 12`, `, extension 7`, ` #3`): up to 6 digits. `end` if there is none.
fn extension_end(bytes: &[u8], end: usize) -> usize {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut i = end;
    if at(i) == b',' {
        i += 1;
    }
    if at(i) == b' ' {
        i += 1;
    }
    let rest = &bytes[i.min(bytes.len())..];
    let word = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    i += if word(b"extension") {
        9
    } else if word(b"ext") {
        3
    } else if matches!(at(i), b'x' | b'X' | b'#') {
        1
    } else {
        return end;
    };
    if at(i) == b'.' || at(i) == b':' {
        i += 1;
    }
    if at(i) == b' ' {
        i += 1;
    }
    let digits = bytes[i.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=6).contains(&digits) || at(i + digits).is_ascii_alphanumeric() {
        return end;
    }
    i + digits
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

/// Eight digits that are a date, `19840305` or `03051984`.
fn eight_digit_date(digits: &[u8]) -> bool {
    let f = |i: usize, l: usize| valid::number(&digits[i..i + l]);
    (valid::date(f(4, 2), f(6, 2), &digits[..4]) && f(4, 2) <= 12)
        || valid::date(f(0, 2), f(2, 2), &digits[4..])
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

/// The most digit groups of a numeric run looked at at once; longer runs are taken a
/// window at a time.
const MAX_GROUPS: usize = 24;

/// A numeric run split into digit groups; group `i` is `bytes[start[i]..end[i]]` and the
/// separator before it (for `i > 0`) is the byte at `start[i] - 1`.
struct Run {
    start: [usize; MAX_GROUPS],
    end: [usize; MAX_GROUPS],
    /// The separator before each group; 0 before the first.
    sep: [u8; MAX_GROUPS],
    n: usize,
    /// True if the run goes on after the last group held here.
    truncated: bool,
}

impl Run {
    fn parse(bytes: &[u8], start: usize, end: usize) -> Run {
        let mut run = Run {
            start: [0; MAX_GROUPS],
            end: [0; MAX_GROUPS],
            sep: [0; MAX_GROUPS],
            n: 0,
            truncated: false,
        };
        let mut i = start;
        while i < end {
            if run.n == MAX_GROUPS {
                run.truncated = true;
                break;
            }
            let group_start = i;
            while i < end && bytes[i].is_ascii_digit() {
                i += 1;
            }
            run.start[run.n] = group_start;
            run.end[run.n] = i;
            run.sep[run.n] = if run.n == 0 {
                0
            } else {
                bytes[group_start - 1]
            };
            run.n += 1;
            i += 1; // the single separator
        }
        run
    }

    fn len(&self, g: usize) -> usize {
        if g < self.n {
            self.end[g] - self.start[g]
        } else {
            0
        }
    }

    /// The separator before group `g` (0 for the first group or past the end).
    fn sep(&self, g: usize) -> u8 {
        if g < self.n { self.sep[g] } else { 0 }
    }

    /// How many groups the space-delimited token starting at group `g` has.
    fn token_groups(&self, g: usize) -> usize {
        let mut k = 1;
        while g + k < self.n && self.sep[g + k] != b' ' {
            k += 1;
        }
        k
    }

    /// The first group of the next space-delimited token after the one at `g`.
    fn next_token(&self, g: usize) -> usize {
        g + self.token_groups(g)
    }

    /// The digits of `k` groups from `g`, concatenated into `buf` (empty if more than 20).
    fn digits<'b>(&self, bytes: &[u8], g: usize, k: usize, buf: &'b mut [u8; 20]) -> &'b [u8] {
        let mut n = 0;
        for i in g..(g + k).min(self.n) {
            let group = &bytes[self.start[i]..self.end[i]];
            if n + group.len() > buf.len() {
                return &buf[..0];
            }
            buf[n..n + group.len()].copy_from_slice(group);
            n += group.len();
        }
        &buf[..n]
    }
}
