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
    IntlPhone,
    Mbi,
    LetteredCase,
    Street,
    MonthDate,
    UpperAlnum,
    Numeric,
    Vin,
}

impl Shape {
    /// Every shape, in pattern (priority) order.
    pub(crate) const ALL: [Shape; 20] = [
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
        // Before `IntlPhone`, which would take `+1 (310) …` without its area code.
        Shape::ParenPhone,
        Shape::IntlPhone,
        Shape::Mbi,
        Shape::LetteredCase,
        // Before `UpperAlnum`, which would take the house number of "221B Baker Street".
        Shape::Street,
        // Before `UpperAlnum`, which would take the `29TH` of "29TH OF AUGUST 1953".
        Shape::MonthDate,
        Shape::UpperAlnum,
        Shape::Numeric,
        // After `UpperAlnum` and `Numeric`: it takes only what they leave, VINs in lower or
        // mixed case (`1hgcm82633a004352`), never a run of 17 digits.
        Shape::Vin,
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
            // A NANP number with its area code in parentheses, or a national number with a
            // trunk prefix in them (`(020) 7946 0958`, `(02668) 587840`). Numbers may end in
            // `x` and an extension (`(310) 555-0123x204`): the classifier reads it.
            Shape::ParenPhone => concat!(
                r"(?:(?:\+?1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}",
                r"|\(0\d{1,4}\)[ .-]?\d(?:[ .-]?\d){4,9})(?:\b|x)"
            ),
            // `+` and a country code, then digits with single separators and perhaps a trunk
            // prefix in parentheses: `+44 20 7946 0958`, `+44(0)20…`, `+33 (0)2 34 15 24 49`.
            Shape::IntlPhone => r"\+[1-9]\d{0,2}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d){6,14}(?:\b|x)",
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
            // A date with its month spelled, in any case: `March 5, 1984`, `Mar. 5th 1984`,
            // `5 March 1984`, `5th of March, 1984`, `05-MAR-1984`, `5-Mar-84`, `1984-Mar-05`.
            Shape::MonthDate => concat!(
                r"\b(?i:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\.?",
                r"|january|february|march|april|june|july|august|september|october|november",
                r"|december) \d{1,2}(?i:st|nd|rd|th)?,? \d{4}\b",
                r"|\b\d{1,2}(?i:st|nd|rd|th)?(?i: of)? (?i:(?:jan|feb|mar|apr|may|jun|jul|aug",
                r"|sep|sept|oct|nov|dec)\.?|january|february|march|april|june|july|august",
                r"|september|october|november|december),? \d{4}\b",
                r"|\b\d{1,2}-(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-(?:\d{4}|\d{2})\b",
                r"|\b\d{4}-(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-\d{1,2}\b"
            ),
            // A house number, one to four capitalised words (`O'Connor`, `McDonald` too) and
            // a street suffix: the names
            // of USPS Publication 28 (appendix C1), common British and Australian street types
            // and the common abbreviations; then perhaps a
            // direction and a unit (`Apt. 222`, `Suite 247`, `#4`).
            Shape::Street => concat!(
                r"\b\d{1,6}[A-Z]? (?:(?:[A-Z][a-z]*(?:'?[A-Z][a-z]+)?|\d{1,3}(?:st|nd|rd|th))\.? ){1,4}(?:(?:",
                r"Alley|Avenue|Boulevard|Branch|Bridges?|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape",
                r"|Causeway|Centers?|Centre|Circles?|Cliffs?|Club|Commons?|Corners?|Course",
                r"|Courts?|Coves?|Creek|Crescent|Crest|Crossing|Crossroads?|Curve|Dale|Dam",
                r"|Divide|Drives?|Estates?|Expressway|Extensions?|Falls?|Ferry|Fields?|Flats?",
                r"|Fords?|Forest|Forges?|Forks?|Fort|Freeway|Gardens?|Gateway|Glens?|Greens?",
                r"|Groves?|Harbors?|Haven|Heights|Highway|Hills?|Hollow|Inlet|Islands?|Isle",
                r"|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Lights?|Loaf|Locks?|Lodge",
                r"|Loop|Mall|Manors?|Meadows?|Mews?|Mills?|Mission|Motorway|Mount|Mountains?",
                r"|Neck|Orchard|Oval|Overpass|Parks?|Parkways?|Pass|Passage|Path|Pike|Pines?",
                r"|Place|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?|Rest",
                r"|Ridges?|River|Roads?|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?",
                r"|Spurs?|Squares?|Station|Stravenue|Stream|Streets?|Summit|Terrace",
                r"|Throughway|Trace|Track|Trafficway|Trail|Tunnel|Turnpike|Underpass|Unions?",
                r"|Valleys?|Via|Viaduct|Views?|Villages?|Ville|Vista|Walks?|Wall|Ways?|Wells?",
                // British and Australian street types.
                r"|Bend|Chase|Circuit|Close|Distributor|Driveway|Edge|Esplanade|Gates?|Grange",
                r"|Intersection|Parade|Piazza|Promenade|Quadrangle|Quays?|Rise|Ring|Riviera",
                r"|Siding|Top|Towers?|Trunkway|Wharf|Yard",
                // The rest of Australia Post's street types, some of them everyday words
                // ("End", "Line", "Break"): after a house number and a capitalised name they
                // are an address far more often than not.
                r"|Access|Alleyway|Amble|Anchorage|Approach|Arcade|Artery|Basin|Beach|Block",
                r"|Brace|Brae|Break|Broadway|Brow|Byway|Centreway|Circlet|Circus|Colonnade",
                r"|Concourse|Copse|Corso|Courtyard|Cross|Crossway|Cruiseway|Cul-de-sac|Cutting",
                r"|Dell|Deviation|Dip|Elbow|End|Entrance|Fairway|Firetrail|Follow|Footway",
                r"|Foreshore|Formation|Front|Frontage|Gap|Glade|Ground|Gully|Highroad",
                r"|Interchange|Laneway|Lees|Line|Link|Little|Lookout|Lower|Meander|Nook",
                r"|Outlook|Parklands|Part|Pathway|Plateau|Pocket|Quad|Quadrant|Ramble|Range",
                r"|Reach|Reserve|Retreat|Ride|Ridgeway|Riverway|Roadside|Roadway|Ronde",
                r"|Rosebowl|Rotary|Round|Slope|Sound|Stairs|Steps|Strand|Strip|Subway|Tarn",
                r"|Thoroughfare|Tollway|Tor|Trailer|Triangle|Turn|Upper|Vale|Villas|Wade",
                r"|Walkway|Wynd",
                r")\b|(?:St|Ave|Av|Blvd|Rd|Dr|Ln|Ct|Pl|Plz|Hwy|Pkwy|Cir|Ter|Sq|Trl|Pt|Xing|Expy",
                r"|Fwy|Tpke|Cres|Rte)\b\.?)",
                r"(?: (?:N|S|E|W|NE|NW|SE|SW)\b)?",
                r"(?:,? (?:(?:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Fl|Floor)\.? ?#?|#)",
                r"[A-Za-z0-9-]{0,5}[A-Za-z0-9]\b)?"
            ),
            // Digits with single separators, at least six digits (fewer is everyday prose:
            // years, room numbers), or a short date such as 3/5/84.
            // May end in `x` and a phone extension (`310-555-0123x204`): the classifier reads it.
            Shape::Numeric => {
                r"\b(?:\d(?:[ ./-]?\d){5,}(?:\b|x)|\d{1,2}[./-]\d{1,2}[./-]\d{2}\b)"
            }
            // A VIN in any case: 17 letters and digits without I, O and Q.
            Shape::Vin => r"\b(?i:[a-hj-npr-z0-9]){17}\b",
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
