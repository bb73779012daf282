//! The candidate shapes: one regular expression per *shape* of token, compiled together
//! into a single multi-pattern automaton.
//!
//! A shape is not a detector. A 9-digit number may be an SSN, an ITIN, a routing number, a
//! bank account or a passport, so all of them are one shape (`Numeric`) whose candidates
//! are classified afterwards by validators and context words. Were they separate patterns,
//! leftmost-first matching would report only the first and the others would be lost.
//!
//! The patterns are compiled with Unicode off: `\b`, `\d` and `(?i)` are ASCII-only, which
//! keeps the lazy DFA small and fast on any text (a Unicode `\b` makes it give up on
//! non-ASCII input). Every pattern matches ASCII only, so every match starts and ends on a
//! char boundary. The order is the priority between shapes that match at the same
//! position: specific shapes (literal prefixes, `@`, PEM headers) come before generic
//! numbers.

/// A candidate shape. Its position in [`Shape::ALL`] is its pattern's index in the automaton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    PrivateKey,
    AwsKey,
    GithubToken,
    SlackToken,
    OpenaiKey,
    GoogleKey,
    Jwt,
    Email,
    PasswordKey,
    Ipv6,
    Ipv4,
    ParenPhone,
    Mbi,
    LetteredCase,
    Street,
    UpperAlnum,
    MonthDate,
    Numeric,
}

impl Shape {
    /// Every shape, in pattern (priority) order.
    pub(crate) const ALL: [Shape; 18] = [
        Shape::PrivateKey,
        Shape::AwsKey,
        Shape::GithubToken,
        Shape::SlackToken,
        Shape::OpenaiKey,
        Shape::GoogleKey,
        Shape::Jwt,
        Shape::Email,
        Shape::PasswordKey,
        Shape::Ipv6,
        Shape::Ipv4,
        Shape::ParenPhone,
        Shape::Mbi,
        Shape::LetteredCase,
        // Before `UpperAlnum`, which would take the house number of "221B Baker Street".
        Shape::Street,
        Shape::UpperAlnum,
        Shape::MonthDate,
        Shape::Numeric,
    ];

    /// The shape of pattern number `index`.
    pub(crate) fn from_index(index: usize) -> Option<Shape> {
        Shape::ALL.get(index).copied()
    }

    /// The regular expression for this shape.
    pub(crate) fn pattern(self) -> &'static str {
        match self {
            // The END line is found by code: a regex spanning the body would be unbounded.
            Shape::PrivateKey => {
                r"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----"
            }
            Shape::AwsKey => r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
            Shape::GithubToken => r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
            // Ends on an alphanumeric so that the trailing `\b` is meaningful.
            Shape::SlackToken => r"\bxox[abposr]-[A-Za-z0-9-]{9,}[A-Za-z0-9]\b",
            // `sk-ant-` (Anthropic) is excluded by the classifier: no look-ahead here.
            Shape::OpenaiKey => r"\bsk-[A-Za-z0-9_-]{31,}[A-Za-z0-9_]\b",
            // May end in `-`, so the classifier checks what follows instead of `\b`.
            Shape::GoogleKey => r"\bAIza[0-9A-Za-z_-]{35}",
            Shape::Jwt => r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
            // The local part is bounded (RFC 5321 allows 64 bytes): unbounded, it would keep
            // the automaton scanning to the end of any long run of digits and dots looking
            // for an `@`, once per later candidate in that run (quadratic).
            Shape::Email => concat!(
                r"[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}@",
                r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
            ),
            // Only the key and separator: the value's extent depends on quoting, which the
            // classifier reads. No leading `\b`, so `DB_PASSWORD=` is found; the classifier
            // rejects keys inside words (`bypass:`).
            Shape::PasswordKey => {
                r#"(?i:password|passwd|pwd|pass)["']?[ \t]*(?::=|=>|[:=])[ \t]*["']?"#
            }
            Shape::Ipv6 => concat!(
                r"::(?i:ffff):\d{1,3}(?:\.\d{1,3}){3}\b",
                r"|\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}\b",
                r"|\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}::",
                r"(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}\b)?",
                r"|::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}\b"
            ),
            Shape::Ipv4 => r"\b\d{1,3}(?:\.\d{1,3}){3}\b",
            Shape::ParenPhone => r"(?:\+?1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}\b",
            // CMS format: C A AN N A AN N A A N N, optional dashes after the 4th and 7th.
            Shape::Mbi => concat!(
                r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?",
                r"[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b"
            ),
            Shape::LetteredCase => r"\b[A-Z]{1,4}-\d{2,4}-\d{3,8}\b",
            // An upper-case token with both letters and digits (plates, passports, VINs,
            // DEA numbers, ICD-10 codes with their optional dotted extension).
            Shape::UpperAlnum => {
                r"\b[A-Z0-9]*(?:[A-Z][0-9]|[0-9][A-Z])[A-Z0-9]*(?:\.[A-Z0-9]{1,4})?\b"
            }
            Shape::MonthDate => concat!(
                r"\b(?:(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?|January|February",
                r"|March|April|May|June|July|August|September|October|November|December)",
                r" \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b",
                r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]{0,6},? \d{4}\b"
            ),
            Shape::Street => concat!(
                r"\b\d{1,6}[A-Z]? (?:(?:[A-Z][a-z]*|\d{1,3}(?:st|nd|rd|th))\.? ){1,4}",
                r"(?:(?:Street|Avenue|Boulevard|Road|Drive|Lane|Way|Court|Place|Highway|Parkway",
                r"|Circle|Terrace)\b|(?:St|Ave|Blvd|Rd|Dr|Ln|Ct|Pl|Hwy|Pkwy|Cir|Ter)\b\.?)",
                r"(?: (?:N|S|E|W|NE|NW|SE|SW)\b)?",
                r"(?:,? (?:(?:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Fl|Floor)\.? ?#?|#)",
                r"[A-Za-z0-9-]{0,5}[A-Za-z0-9]\b)?"
            ),
            // Digits with single separators, at least six digits (fewer is everyday prose:
            // years, room numbers), or a short date such as 3/5/84.
            Shape::Numeric => r"\b(?:\d(?:[ ./-]?\d){5,}|\d{1,2}[./-]\d{1,2}[./-]\d{2})\b",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Shape;

    #[test]
    fn every_shape_is_listed_once_in_order() {
        for (i, shape) in Shape::ALL.iter().enumerate() {
            assert_eq!(*shape as usize, i);
            assert_eq!(Shape::from_index(i), Some(*shape));
        }
    }
}
