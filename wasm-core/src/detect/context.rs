//! Context words: the labels near a candidate that say what an ambiguous number is.
//!
//! A bare 9-digit number may be an SSN, a routing number or a passport; the words around it
//! ("SSN", "routing", "passport") decide. Words are matched only after the automaton has
//! found a candidate, in a small window around it, so the automaton stays small and the
//! cost is paid per candidate rather than per byte of text. Matching is ASCII
//! case-insensitive on the raw bytes: multi-byte UTF-8 sequences never equal an ASCII
//! letter, so the window needs no decoding, and nothing is allocated.

/// What a context word is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Ssn,
    Itin,
    Routing,
    Account,
    Passport,
    DriversLicense,
    Phone,
    Birth,
    Npi,
    Diagnosis,
    MedicalRecord,
    Plate,
    Case,
    Fbi,
    StateId,
    Ncic,
    Card,
    Vin,
    /// A version label, which makes a dotted quad a version rather than an IP address.
    Version,
}

const CTX_COUNT: usize = Ctx::Version as usize + 1;

/// Bytes of text searched before a candidate. Labels sit before the value ("SSN: ...")
/// and a form label plus padding rarely exceeds this.
const BEFORE: usize = 48;
/// Bytes searched after a candidate ("123456789 (routing)").
const AFTER: usize = 24;

/// How a word's end is matched: `Whole` needs a non-alphanumeric byte after it ("dl" must
/// not match "dll"), `Prefix` does not ("diagnos" matches "diagnosed", "diagnosis").
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Whole,
    Prefix,
}

use End::{Prefix, Whole};

/// The context words, lower-case. A space matches one or more spaces, tabs, newlines,
/// dots, dashes or underscores ("date_of_birth", "Soc. Sec."). Every word starts with a
/// letter and must begin at a word start. Grouped by first letter for [`INDEX`].
const WORDS: &[(&[u8], Ctx, End)] = &[
    (b"a/c", Ctx::Account, Whole),
    (b"aba", Ctx::Routing, Whole),
    (b"account", Ctx::Account, Prefix),
    (b"acct", Ctx::Account, Prefix),
    (b"amex", Ctx::Card, Whole),
    (b"arrest", Ctx::Case, Prefix),
    (b"birth", Ctx::Birth, Prefix),
    (b"booking", Ctx::Case, Whole),
    (b"build", Ctx::Version, Whole),
    (b"born", Ctx::Birth, Whole),
    (b"call", Ctx::Phone, Prefix),
    (b"case", Ctx::Case, Whole),
    (b"cdl", Ctx::DriversLicense, Whole),
    (b"cell", Ctx::Phone, Prefix),
    (b"card", Ctx::Card, Prefix),
    (b"chassis", Ctx::Vin, Prefix),
    (b"contact", Ctx::Phone, Prefix),
    (b"credit", Ctx::Card, Whole),
    (b"chart", Ctx::MedicalRecord, Whole),
    (b"cii", Ctx::StateId, Whole),
    (b"clets", Ctx::Ncic, Whole),
    (b"criminal history", Ctx::Ncic, Prefix),
    (b"d.o.b", Ctx::Birth, Prefix),
    (b"date of birth", Ctx::Birth, Prefix),
    (b"diagnos", Ctx::Diagnosis, Prefix),
    (b"dl", Ctx::DriversLicense, Whole),
    (b"dob", Ctx::Birth, Whole),
    (b"docket", Ctx::Case, Prefix),
    (b"dr#", Ctx::Case, Prefix),
    (b"driver", Ctx::DriversLicense, Prefix),
    (b"dx", Ctx::Diagnosis, Whole),
    (b"debit", Ctx::Card, Prefix),
    (b"fax", Ctx::Phone, Whole),
    (b"firmware", Ctx::Version, Whole),
    (b"fbi", Ctx::Fbi, Whole),
    (b"icd", Ctx::Diagnosis, Prefix),
    (b"iii", Ctx::Ncic, Whole),
    (b"incident", Ctx::Case, Prefix),
    (b"itin", Ctx::Itin, Whole),
    (b"licen", Ctx::DriversLicense, Prefix),
    (b"landline", Ctx::Phone, Whole),
    (b"med rec", Ctx::MedicalRecord, Prefix),
    (b"medical record", Ctx::MedicalRecord, Prefix),
    (b"mobile", Ctx::Phone, Prefix),
    (b"maestro", Ctx::Card, Whole),
    (b"mastercard", Ctx::Card, Whole),
    (b"mrn", Ctx::MedicalRecord, Whole),
    (b"ncic", Ctx::Ncic, Whole),
    (b"nlets", Ctx::Ncic, Whole),
    (b"npi", Ctx::Npi, Whole),
    (b"passport", Ctx::Passport, Prefix),
    (b"patient id", Ctx::MedicalRecord, Whole),
    (b"phone", Ctx::Phone, Prefix),
    (b"ph", Ctx::Phone, Whole),
    (b"plate", Ctx::Plate, Prefix),
    (b"provider", Ctx::Npi, Prefix),
    (b"release", Ctx::Version, Prefix),
    (b"rap sheet", Ctx::Ncic, Prefix),
    (b"report", Ctx::Case, Prefix),
    (b"routing", Ctx::Routing, Whole),
    (b"rtn", Ctx::Routing, Whole),
    (b"sid", Ctx::StateId, Whole),
    (b"soc sec", Ctx::Ssn, Prefix),
    (b"sms", Ctx::Phone, Whole),
    (b"social sec", Ctx::Ssn, Prefix),
    (b"ss#", Ctx::Ssn, Prefix),
    (b"ssn", Ctx::Ssn, Prefix),
    (b"state id", Ctx::StateId, Whole),
    (b"taxpayer", Ctx::Itin, Prefix),
    (b"tel", Ctx::Phone, Whole),
    (b"telephone", Ctx::Phone, Prefix),
    (b"telefon", Ctx::Phone, Prefix),
    (b"vehicle", Ctx::Plate, Prefix),
    (b"vehicle identification", Ctx::Vin, Prefix),
    (b"ver", Ctx::Version, Whole),
    (b"version", Ctx::Version, Prefix),
    (b"vin", Ctx::Vin, Whole),
    (b"visa", Ctx::Card, Whole),
];

/// For each letter a-z, the range of [`WORDS`] starting with it (computed at compile time,
/// which also checks that `WORDS` is grouped by first letter).
const INDEX: [(u8, u8); 26] = {
    let mut index = [(0u8, 0u8); 26];
    let mut i = 0;
    while i < WORDS.len() {
        let letter = (WORDS[i].0[0] - b'a') as usize;
        if index[letter].1 == 0 {
            index[letter] = (i as u8, i as u8 + 1);
        } else {
            assert!(
                index[letter].1 as usize == i,
                "WORDS must be grouped by first letter"
            );
            index[letter].1 = i as u8 + 1;
        }
        i += 1;
    }
    index
};

/// A bit for the second byte of a context word: one per letter, one each for the
/// punctuation that context words use there ("a/c", "d.o.b"), one for anything else.
const fn second_bit(b: u8) -> u32 {
    match b.to_ascii_lowercase() {
        b @ b'a'..=b'z' => 1 << (b - b'a'),
        b'/' => 1 << 26,
        b'.' => 1 << 27,
        _ => 1 << 28,
    }
}

/// For each first letter a-z, the second bytes that some context word continues with.
/// Most word starts in prose fail this test, which saves comparing them with every word.
const SECOND: [u32; 26] = {
    let mut second = [0u32; 26];
    let mut i = 0;
    while i < WORDS.len() {
        let word = WORDS[i].0;
        second[(word[0] - b'a') as usize] |= second_bit(word[1]);
        i += 1;
    }
    second
};

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A separator inside a multi-word context word.
fn is_gap(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'.' | b'-' | b'_')
}

/// Matches `word` at `text[at..]`, case-insensitively, and returns the end of the match.
/// Reads at most `limit` (exclusive) so a match never reaches into the candidate.
fn match_word(text: &[u8], at: usize, limit: usize, word: &[u8], end: End) -> Option<usize> {
    let mut t = at;
    let mut w = 0;
    while w < word.len() {
        if word[w] == b' ' {
            let gap_start = t;
            while t < limit && is_gap(text[t]) {
                t += 1;
            }
            if t == gap_start {
                return None;
            }
        } else {
            if t >= limit || text[t].to_ascii_lowercase() != word[w] {
                return None;
            }
            t += 1;
        }
        w += 1;
    }
    // A word ending in punctuation ("dr#", "a/c") ends itself.
    let ends_in_letter = word.last().is_some_and(|b| is_word_byte(*b));
    if end == Whole && ends_in_letter && t < text.len() && is_word_byte(text[t]) {
        return None;
    }
    Some(t)
}

/// The nearest distance, in bytes, from a candidate to each kind of context word in its
/// window; `u16::MAX` where there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Nearby {
    distance: [u16; CTX_COUNT],
}

impl Nearby {
    fn none() -> Nearby {
        Nearby {
            distance: [u16::MAX; CTX_COUNT],
        }
    }

    /// Finds the context words around the candidate `text[start..end]`.
    pub(crate) fn around(text: &str, start: usize, end: usize) -> Nearby {
        let bytes = text.as_bytes();
        let mut nearby = Nearby::none();
        let from = floor_char_boundary(text, start.saturating_sub(BEFORE));
        for at in word_starts(bytes, from, start) {
            words_at(bytes, at, start, |ctx, word_end| {
                nearby.record(ctx, start.saturating_sub(word_end));
            });
        }
        let to = after_end(text, end);
        for at in word_starts(bytes, end, to) {
            words_at(bytes, at, to, |ctx, _| nearby.record(ctx, after_distance(at, end)));
        }
        nearby
    }

    fn record(&mut self, ctx: Ctx, distance: usize) {
        let d = u16::try_from(distance).unwrap_or(u16::MAX - 1);
        let slot = &mut self.distance[ctx as usize];
        *slot = (*slot).min(d);
    }

    /// How far the nearest word of kind `ctx` is, if there is one.
    pub(crate) fn distance(&self, ctx: Ctx) -> Option<u16> {
        let d = self.distance[ctx as usize];
        (d != u16::MAX).then_some(d)
    }

    /// True if a word of kind `ctx` is in the window.
    pub(crate) fn has(&self, ctx: Ctx) -> bool {
        self.distance(ctx).is_some()
    }
}

/// Where the window after a candidate ending at `end` ends: at most [`AFTER`] bytes, and only
/// its own sentence ("Invoice 781215638 is overdue. Passport: …" is no passport number).
fn after_end(text: &str, end: usize) -> usize {
    let bytes = text.as_bytes();
    let to = end.saturating_add(AFTER).min(bytes.len());
    let to = (end..to)
        .find(|&i| bytes[i] == b'\n' || (bytes[i] == b'.' && bytes.get(i + 1) == Some(&b' ')))
        .unwrap_or(to);
    floor_char_boundary(text, to)
}

/// The distance of a word starting at `word_start`, after a candidate ending at `end`. Labels
/// precede values: a word after the candidate counts only when no option has one before it
/// ("routing 021000021, account …" is a routing number).
fn after_distance(word_start: usize, end: usize) -> usize {
    word_start.saturating_sub(end) + BEFORE + 1
}

/// The word starts in `bytes[from..to]` where a context word could begin and end by `to` (a
/// letter after a non-word byte; every context word has two bytes or more).
fn word_starts(bytes: &[u8], from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
    (from..to.saturating_sub(1)).filter(move |&at| {
        bytes[at].is_ascii_alphabetic() && (at == 0 || !is_word_byte(bytes[at - 1]))
    })
}

/// Calls `found(ctx, word_end)` for every context word starting at the word start `at` and
/// ending by `limit`.
fn words_at(bytes: &[u8], at: usize, limit: usize, mut found: impl FnMut(Ctx, usize)) {
    let letter = usize::from(bytes[at].to_ascii_lowercase() - b'a');
    if SECOND[letter] & second_bit(bytes[at + 1]) == 0 {
        return;
    }
    let (lo, hi) = INDEX[letter];
    let second = bytes[at + 1].to_ascii_lowercase();
    for &(word, ctx, end) in &WORDS[usize::from(lo)..usize::from(hi)] {
        // Most words of the letter's group differ in their second byte: comparing it here
        // first saves a call per word (8% on text dense with identifiers).
        if word[1] != second && word[1] != b' ' {
            continue;
        }
        if let Some(word_end) = match_word(bytes, at, limit, word, end) {
            found(ctx, word_end);
        }
    }
}

/// How many context words [`Words`] keeps; a window with more is read without it.
const KEPT: usize = 48;

/// The context words of the windows a scan has read, so that windows that overlap (the groups
/// of "5018 0000 0009 0004", each a candidate) are read once. Candidates come in text order, so
/// the words kept are those from the latest window's start on. A word is kept with its end as
/// found without a limit; a window takes the words that end by its own limit, which is what
/// matching with that limit finds (`match_word` reads the same bytes either way).
pub(crate) struct Words {
    /// Word starts in `lo..hi` have been read; `found` holds their context words in order.
    lo: usize,
    hi: usize,
    found: [(usize, usize, Ctx); KEPT],
    len: usize,
}

impl Default for Words {
    fn default() -> Words {
        Words {
            lo: 0,
            hi: 0,
            found: [(0, 0, Ctx::Ssn); KEPT],
            len: 0,
        }
    }
}

impl Words {
    /// [`Nearby::around`], reading only what earlier windows did not.
    pub(crate) fn around(&mut self, text: &str, start: usize, end: usize) -> Nearby {
        let bytes = text.as_bytes();
        let from = floor_char_boundary(text, start.saturating_sub(BEFORE));
        let to = after_end(text, end);
        if from < self.lo || from > self.hi {
            (self.lo, self.hi, self.len) = (from, from, 0);
        }
        let gone = self.found[..self.len]
            .iter()
            .position(|&(at, _, _)| at >= from)
            .unwrap_or(self.len);
        self.found.copy_within(gone..self.len, 0);
        self.len -= gone;
        self.lo = from;
        if to > self.hi {
            let mut full = false;
            // Every start in `hi..to` is read, `to - 1` too: a later window may reach further.
            for at in word_starts(bytes, self.hi, (to + 1).min(bytes.len())) {
                words_at(bytes, at, bytes.len(), |ctx, word_end| {
                    if self.len < KEPT {
                        self.found[self.len] = (at, word_end, ctx);
                        self.len += 1;
                    } else {
                        full = true;
                    }
                });
            }
            if full {
                (self.lo, self.hi, self.len) = (0, 0, 0);
                return Nearby::around(text, start, end);
            }
            self.hi = to;
        }
        let mut nearby = Nearby::none();
        for &(at, word_end, ctx) in &self.found[..self.len] {
            if at < start && word_end <= start {
                nearby.record(ctx, start - word_end);
            } else if at >= end && word_end <= to {
                nearby.record(ctx, after_distance(at, end));
            }
        }
        nearby
    }
}

/// The largest char boundary at or before `i` (`str::floor_char_boundary` is unstable).
pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    if i >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_case_and_start_with_a_letter() {
        for (word, _, _) in WORDS {
            assert!(word[0].is_ascii_lowercase());
            assert!(!word.iter().any(u8::is_ascii_uppercase));
        }
    }

    #[test]
    fn kept_words_give_what_reading_each_window_gives() {
        const PIECES: &[&str] = &[
            "SSN ", "ssn: ", "routing ", "acct# ", "date of birth ", "date-of-", "birth ", "DOB ",
            "phone ", "tel. ", "vin ", "plate ", "case no. ", "the ", "city ", "dll ", "a/c ",
            "4111 ", "021000021 ", "12-34 ", ". ", "\n", "é ", "x", "social sec. ", "passport ",
        ];
        // xorshift64: deterministic, so a failure reproduces.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize
        };
        for _ in 0..500 {
            let text: String = (0..next() % 60).map(|_| PIECES[next() % PIECES.len()]).collect();
            let mut words = Words::default();
            let mut at = 0;
            for _ in 0..40 {
                // Mostly forward in small steps, as candidates come; sometimes back or far.
                at = match next() % 10 {
                    0 => next() % (text.len() + 1),
                    _ => at + next() % 12,
                };
                let start = floor_char_boundary(&text, at.min(text.len()));
                let end = floor_char_boundary(&text, start + next() % 12);
                assert_eq!(
                    words.around(&text, start, end),
                    Nearby::around(&text, start, end),
                    "{text:?} {start}..{end}"
                );
            }
        }
    }

    #[test]
    fn finds_nearest_word_of_each_kind() {
        let text = "Routing number 021000021 account";
        let n = Nearby::around(text, 15, 24);
        assert_eq!(n.distance(Ctx::Routing), Some(8));
        assert_eq!(n.distance(Ctx::Account), Some(1 + BEFORE as u16 + 1));
        assert!(!n.has(Ctx::Ssn));
        let text = "Date-of-Birth: x";
        assert!(Nearby::around(text, 15, 16).has(Ctx::Birth));
        let text = "a dll 1234567";
        assert!(!Nearby::around(text, 6, 13).has(Ctx::DriversLicense));
        let text = "écrit SSN\u{00e9}123";
        assert!(Nearby::around(text, 12, 15).has(Ctx::Ssn));
    }
}
