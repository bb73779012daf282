//! Numeric runs: digit groups with single separators ("4111 1111 1111 1111 on 3/5/84"),
//! read a token at a time as cards, SSNs and ITINs, phone numbers, short dates, and the
//! bare numbers that need a context word.

use super::{Options, Scan, identifier_options};
use crate::detect::Detector;
use crate::detect::context::Ctx;
use crate::detect::validators as valid;

impl Scan<'_, '_> {
    /// A run of digit groups with single separators ("4111 1111 1111 1111 on 3/5/84").
    /// Tokens start at the run's start or after a space; each is classified in turn.
    pub(super) fn numeric(&mut self, start: usize, end: usize) -> usize {
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
        // A first group of eight digits that reads as a date (`19840305`, `03051984`).
        let date8 = len(0) == 8 && eight_digit_date(&bytes[at..run.end[g]]);
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
                && ((k == 1 && !date8)
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
            if date8 {
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

/// Eight digits that are a date, `19840305` or `03051984`.
fn eight_digit_date(digits: &[u8]) -> bool {
    let f = |i: usize, l: usize| valid::number(&digits[i..i + l]);
    (valid::date(f(4, 2), f(6, 2), &digits[..4]) && f(4, 2) <= 12)
        || valid::date(f(0, 2), f(2, 2), &digits[4..])
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
