//! Phone numbers: North American numbers with their area code in parentheses, numbers
//! after `+` and a country code, and the extension written straight after any phone number.

use super::Scan;
use crate::detect::Detector;
use crate::detect::context::Ctx;
use crate::detect::validators as valid;

impl Scan<'_, '_> {
    /// A phone finding from `start` to `end`, with the extension written straight after
    /// it (`x204`, ` ext. 12`, ` #3`); returns where it ends.
    pub(super) fn phone(&mut self, start: usize, end: usize) -> usize {
        let end = extension_end(self.text.as_bytes(), end);
        self.sink.push(Detector::PhoneUs, start, end);
        end
    }

    /// `+` and a country code: a NANP number after `+1`, any other country's number of 8
    /// to 15 digits (E.164), or anything of that length with a phone word near.
    pub(super) fn intl_phone(&mut self, start: usize, end: usize) -> usize {
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

    pub(super) fn paren_phone(&mut self, start: usize, end: usize) -> usize {
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
