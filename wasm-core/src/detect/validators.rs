//! Checksums and number-range rules that confirm a candidate found by shape.
//!
//! Every function takes the candidate's ASCII bytes (digits, or upper-case letters and
//! digits) and answers yes or no; none allocates or panics, whatever the input. The rules
//! are the issuers' published ones (SSA, IRS, ABA, ISO/IEC 7812, ISO 3779, CMS, DEA).

/// The value of an ASCII digit; callers pass bytes they matched as digits.
fn digit(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0'))
}

/// Reads up to 9 ASCII digits as a number (used for the small fields of SSNs and dates).
pub(crate) fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .take(9)
        .fold(0, |n, &b| n * 10 + digit(b) % 10)
}

/// True if every byte is an ASCII digit (and there is at least one).
pub(crate) fn all_digits(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit)
}

/// The Luhn (mod 10) check over digits given most significant first.
pub(crate) fn luhn(digits: impl DoubleEndedIterator<Item = u8>) -> bool {
    let mut sum = 0;
    for (i, b) in digits.rev().enumerate() {
        let mut d = digit(b);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// A US Social Security number: area not 000, 666 or 900-999; group not 00; serial not
/// 0000. `digits` must be 9 ASCII digits.
pub(crate) fn ssn(digits: &[u8]) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let area = number(&digits[0..3]);
    let group = number(&digits[3..5]);
    let serial = number(&digits[5..9]);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// An IRS Individual Taxpayer Identification Number: 9xx, then a group in 50-65, 70-88,
/// 90-92 or 94-99. `digits` must be 9 ASCII digits.
pub(crate) fn itin(digits: &[u8]) -> bool {
    if digits.len() != 9 || digits[0] != b'9' {
        return false;
    }
    let group = number(&digits[3..5]);
    matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// The payment networks' issuer ranges (IIN, the first six digits) and the lengths they
/// issue, as the networks publish them: (first IIN, last IIN, lengths as a bit set where
/// bit `n` is length `n`). Overlapping ranges are fine: a number is a card if any fits.
const CARD_RANGES: &[(u32, u32, u32)] = {
    const fn lengths(min: u32, max: u32) -> u32 {
        (u32::MAX >> (31 - max)) & !((1 << min) - 1)
    }
    const L16: u32 = 1 << 16;
    &[
        // UATP's 1 is too broad to take alone; JCB's old 15-digit ranges are not.
        (180_000, 180_099, 1 << 15),    // JCB (15 digits)
        (213_100, 213_199, 1 << 15),    // JCB (15 digits)
        (220_000, 220_499, lengths(16, 19)), // Mir
        (222_100, 272_099, L16),        // Mastercard 2-series
        (300_000, 305_999, lengths(14, 19)), // Diners Club (Carte Blanche)
        (309_500, 309_599, lengths(14, 19)), // Diners Club
        (340_000, 349_999, 1 << 15),    // American Express
        (352_800, 358_999, lengths(15, 19)), // JCB (16-19), RuPay-JCB 353, 356
        (360_000, 369_999, lengths(14, 19)), // Diners Club International
        (370_000, 379_999, 1 << 15),    // American Express
        (380_000, 399_999, lengths(14, 19)), // Diners Club (Discover network)
        (400_000, 499_999, 1 << 13 | 1 << 16 | 1 << 19), // Visa
        (500_000, 509_999, lengths(12, 19)), // Maestro, Verve, Dankort, RuPay 508
        (510_000, 559_999, L16),        // Mastercard
        (560_000, 589_999, lengths(12, 19)), // Maestro
        // Maestro 6x; Discover 6011, 644-649, 65; UnionPay 62; RuPay 60, 65; InterPayment
        // 636; InstaPayment 637-639; Verve 650; Troy 65.
        (600_000, 699_999, lengths(12, 19)),
        (810_000, 829_999, lengths(16, 19)), // UnionPay 81, RuPay 81-82
        (979_200, 979_299, L16),        // Troy
    ]
};

/// A payment card number: a length and issuer range that a network issues (see
/// [`CARD_RANGES`]: Visa, Mastercard, American Express, Discover, JCB, Diners Club,
/// Maestro, UnionPay, Mir, RuPay, Verve, Troy) and a valid Luhn check digit.
pub(crate) fn card(digits: &[u8]) -> bool {
    if !(12..=19).contains(&digits.len()) {
        return false;
    }
    let iin = number(&digits[..6]);
    let length = 1u32 << digits.len();
    CARD_RANGES
        .iter()
        .any(|&(lo, hi, lengths)| (lo..=hi).contains(&iin) && lengths & length != 0)
        && luhn(digits.iter().copied())
}

/// An ABA routing transit number: a Federal Reserve prefix (00-12, 21-32, 61-72, 80) and
/// the 3-7-1 weighted checksum.
pub(crate) fn aba_routing(digits: &[u8]) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let prefix = number(&digits[..2]);
    if !matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .zip([3, 7, 1, 3, 7, 1, 3, 7, 1])
        .map(|(&b, w)| digit(b) * w)
        .sum();
    sum.is_multiple_of(10)
}

/// A National Provider Identifier: 10 digits starting with 1 or 2 whose Luhn check digit
/// is computed with the card-issuer prefix 80840 in front (as CMS specifies).
pub(crate) fn npi(digits: &[u8]) -> bool {
    digits.len() == 10
        && matches!(digits[0], b'1' | b'2')
        && luhn(b"80840".iter().chain(digits).copied())
}

/// A DEA registration number: a registrant-type letter, a letter, 7 digits where the last
/// digit of `(d1+d3+d5) + 2*(d2+d4+d6)` is `d7`.
pub(crate) fn dea(token: &[u8]) -> bool {
    let [kind, letter, rest @ ..] = token else {
        return false;
    };
    if rest.len() != 7 || !all_digits(rest) || !letter.is_ascii_uppercase() {
        return false;
    }
    if !b"ABCDEFGHJKLMPRSTUX".contains(kind) {
        return false;
    }
    let d: [u32; 7] = std::array::from_fn(|i| digit(rest[i]));
    let sum = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5]);
    sum % 10 == d[6]
}

/// A 17-character vehicle identification number (ISO 3779): no I, O or Q, and a valid
/// check digit in position 9 under the North American transliteration and weights.
pub(crate) fn vin(token: &[u8]) -> bool {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    if token.len() != 17 {
        return false;
    }
    let mut sum = 0;
    for (&b, w) in token.iter().zip(WEIGHTS) {
        let value = match b {
            b'0'..=b'9' => digit(b),
            b'A' | b'J' => 1,
            b'B' | b'K' | b'S' => 2,
            b'C' | b'L' | b'T' => 3,
            b'D' | b'M' | b'U' => 4,
            b'E' | b'N' | b'V' => 5,
            b'F' | b'W' => 6,
            b'G' | b'P' | b'X' => 7,
            b'H' | b'Y' => 8,
            b'R' | b'Z' => 9,
            _ => return false, // I, O, Q and anything else are not VIN characters
        };
        sum += value * w;
    }
    let check = match sum % 11 {
        10 => b'X',
        n => b'0' + n as u8,
    };
    token[8] == check
}

/// A token that may be a VIN of a maker that does not use the check digit (outside North
/// America): 17 VIN characters (upper case, no I, O or Q), letters and digits both, and a
/// world manufacturer code that does not start with 1-5 (North American makers, whose VINs
/// must carry a valid check digit, [`vin`]).
pub(crate) fn vin_without_check(token: &[u8]) -> bool {
    let vin_char = |b: &u8| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"IOQ".contains(b));
    token.len() == 17
        && token.iter().all(vin_char)
        && token.iter().any(u8::is_ascii_digit)
        && token.iter().any(u8::is_ascii_uppercase)
        && !(b'1'..=b'5').contains(&token[0])
}

/// A letter allowed in a Medicare Beneficiary Identifier (A-Z without S, L, O, I, B, Z).
fn mbi_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !b"SLOIBZ".contains(&b)
}

/// A Medicare Beneficiary Identifier, dashes removed: `C A AN N A AN N A A N N`.
pub(crate) fn mbi(token: &[u8]) -> bool {
    if token.len() != 11 {
        return false;
    }
    let an = |b: u8| b.is_ascii_digit() || mbi_letter(b);
    matches!(token[0], b'1'..=b'9')
        && mbi_letter(token[1])
        && an(token[2])
        && token[3].is_ascii_digit()
        && mbi_letter(token[4])
        && an(token[5])
        && token[6].is_ascii_digit()
        && mbi_letter(token[7])
        && mbi_letter(token[8])
        && token[9].is_ascii_digit()
        && token[10].is_ascii_digit()
}

/// A North American Numbering Plan number (10 digits): area code and exchange start 2-9.
pub(crate) fn nanp(digits: &[u8]) -> bool {
    digits.len() == 10 && digits[0] >= b'2' && digits[3] >= b'2'
}

/// A date's day, month and year fields: month 1-12, day 1-31, and a 2-digit year or a
/// 4-digit year from 1900 to 2099. US month-first and day-first orders are both accepted.
pub(crate) fn date(first: u32, second: u32, year: &[u8]) -> bool {
    let year_ok = match year.len() {
        2 => true,
        4 => (1900..=2099).contains(&number(year)),
        _ => false,
    };
    let month_day = (1..=12).contains(&first) && (1..=31).contains(&second);
    let day_month = (1..=31).contains(&first) && (1..=12).contains(&second);
    year_ok && (month_day || day_month)
}

/// An ICD-10 code given as its category (`E11`, or `E119` without the dot) and the part
/// after the dot: a letter other than U, two digits, then up to four letters or digits.
/// (A handful of ICD-10-CM categories have a letter third, like `C4A`; requiring a digit
/// keeps abbreviations such as `T2DM` out.)
pub(crate) fn icd10(category: &[u8], extension: &[u8]) -> bool {
    let [letter, d1, d2, rest @ ..] = category else {
        return false;
    };
    let alnum = |b: &u8| b.is_ascii_digit() || b.is_ascii_uppercase();
    letter.is_ascii_uppercase()
        && *letter != b'U'
        && d1.is_ascii_digit()
        && d2.is_ascii_digit()
        && rest.len() + extension.len() <= 4
        && rest.iter().chain(extension).all(alnum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_examples_validate() {
        assert!(card(b"4111111111111111"));
        assert!(card(b"378282246310005"));
        assert!(!card(b"4111111111111112"));
        assert!(card(b"6759649826438453")); // Maestro UK
        assert!(card(b"501800000009")); // Maestro, 12 digits
        assert!(!card(b"411111111117")); // Visa issues no 12-digit cards
        assert!(card(b"6200000000000005")); // UnionPay
        assert!(card(b"2200000000000004")); // Mir
        assert!(card(b"30569309025904")); // Diners, 14 digits
        assert!(!card(b"9111111111111110")); // no network issues 91
        assert!(aba_routing(b"021000021"));
        assert!(!aba_routing(b"021000022"));
        assert!(npi(b"1234567893"));
        assert!(!npi(b"1234567890"));
        assert!(dea(b"AB1234563"));
        assert!(!dea(b"AB1234564"));
        assert!(vin(b"1HGCM82633A004352"));
        assert!(!vin(b"1HGCM82643A004352"));
        assert!(vin_without_check(b"WVWZZZ1JZXW000001"));
        assert!(!vin_without_check(b"1HGCM82643A004352"));
        assert!(mbi(b"1EG4TE5MK73"));
        assert!(ssn(b"123456789"));
        assert!(!ssn(b"000123456") && !ssn(b"666123456") && !ssn(b"900123456"));
        assert!(itin(b"912701234") && !itin(b"912931234"));
    }
}
