//! Sensitive-data detectors: find identifiers, health and criminal-justice data and
//! secrets in pasted text.
//!
//! The [`Scanner`] is compiled once. A scan makes one pass over the text with a single
//! multi-pattern automaton that finds candidate tokens by *shape*; each candidate is then
//! confirmed by its detector's validator (checksums, number-range rules) and, where the
//! shape alone is ambiguous, by context words near it. Findings carry byte offsets into
//! the scanned UTF-8 text. Before all that, `normalize` folds the Unicode spellings of
//! digits and separators (from Word, PDFs, web pages) to ASCII, mapping offsets back.
//!
//! The pieces, in the order a candidate meets them:
//! - `shapes`: the patterns, one per shape of token, in priority order;
//! - `classify`: one function per shape that decides which detector, if any, a
//!   candidate is, and where the search resumes;
//! - `validators`: checksums and range rules (Luhn, ABA, SSN, VIN, NPI, DEA, MBI);
//! - `context`: the words near a candidate that disambiguate bare numbers;
//! - `secrets`: placeholder rules for keys and passwords, PEM blocks.
//!
//! Overlaps are resolved by construction: shapes that can be the same token are one
//! pattern, so the automaton's leftmost-first choice never hides a detector; findings
//! never overlap.

use std::fmt;
use std::str::FromStr;

use regex_automata::Input;
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use serde::{Deserialize, Serialize};

mod classify;
mod context;
mod normalize;
mod secrets;
mod shapes;
mod validators;

use classify::{Scan, Sink};
use shapes::Shape;

/// How sensitive a kind of data is. Content rules act on severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Contact details and similar low-risk personal data.
    Low,
    /// Personal data that identifies someone indirectly.
    Medium,
    /// Financial, health and credential data.
    High,
    /// Data whose disclosure is an incident on its own (SSN, CJI, private keys).
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: &'static [Severity] = &[Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
}

macro_rules! detectors {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $label:literal, $placeholder:literal, $severity:ident; )*) => {
        /// A detector: one kind of sensitive data. The string identifiers are stable: policies,
        /// reports and the CLI use them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Detector {
            $( $(#[$doc])* $variant, )*
        }

        impl Detector {
            /// Every detector, in a fixed order.
            pub const ALL: &'static [Detector] = &[$(Detector::$variant,)*];

            /// The stable identifier, e.g. `us_ssn`.
            pub fn as_str(self) -> &'static str {
                match self { $(Detector::$variant => $id,)* }
            }

            /// What it is called in words staff understand, e.g. `Social Security number`
            /// (notices, the console).
            pub fn label(self) -> &'static str {
                match self { $(Detector::$variant => $label,)* }
            }

            /// The typed placeholder that replaces a finding on redaction, e.g. `[SSN]`.
            pub fn placeholder(self) -> &'static str {
                match self { $(Detector::$variant => $placeholder,)* }
            }

            /// The severity of a finding of this kind.
            pub fn severity(self) -> Severity {
                match self { $(Detector::$variant => Severity::$severity,)* }
            }
        }

        impl FromStr for Detector {
            type Err = UnknownDetector;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($id => Ok(Detector::$variant),)*
                    _ => Err(UnknownDetector),
                }
            }
        }
    };
}

detectors! {
    /// US Social Security number (area/group/serial rules).
    UsSsn = "us_ssn", "Social Security number", "[SSN]", Critical;
    /// US Individual Taxpayer Identification Number.
    UsItin = "us_itin", "taxpayer ID (ITIN)", "[ITIN]", Critical;
    /// Payment card number (Luhn).
    CreditCard = "credit_card", "payment card number", "[CARD]", High;
    /// ABA routing transit number (checksum, with context).
    UsBankRouting = "us_bank_routing", "bank routing number", "[ROUTING]", High;
    /// Bank account number (with context).
    UsBankAccount = "us_bank_account", "bank account number", "[ACCOUNT]", High;
    /// US passport number (with context).
    UsPassport = "us_passport", "passport number", "[PASSPORT]", High;
    /// Driver's license number (with context).
    UsDriversLicense = "us_drivers_license", "driver's license number", "[DL]", High;
    /// E-mail address.
    Email = "email", "e-mail address", "[EMAIL]", Low;
    /// US phone number.
    PhoneUs = "phone_us", "phone number", "[PHONE]", Low;
    /// IPv4 or IPv6 address.
    IpAddress = "ip_address", "IP address", "[IP]", Low;
    /// Date of birth (a date with birth context).
    DateOfBirth = "date_of_birth", "date of birth", "[DOB]", Medium;
    /// US street address.
    StreetAddress = "street_address", "street address", "[ADDRESS]", Medium;
    /// Medicare Beneficiary Identifier (character classes).
    UsMbi = "us_mbi", "Medicare number (MBI)", "[MBI]", High;
    /// National Provider Identifier (Luhn with prefix 80840).
    UsNpi = "us_npi", "provider number (NPI)", "[NPI]", Medium;
    /// DEA registration number (checksum).
    UsDea = "us_dea", "DEA registration number", "[DEA]", High;
    /// ICD-10 diagnosis code (with medical context).
    Icd10 = "icd10", "diagnosis code (ICD-10)", "[ICD10]", High;
    /// Medical record number (with context).
    MedicalRecordNumber = "medical_record_number", "medical record number", "[MRN]", High;
    /// Vehicle identification number (check digit).
    Vin = "vin", "vehicle identification number", "[VIN]", Medium;
    /// Licence plate (with context).
    LicensePlate = "license_plate", "license plate", "[PLATE]", Medium;
    /// Criminal-justice case or incident number (with context).
    CjiCaseNumber = "cji_case_number", "criminal justice case number", "[CASE]", Critical;
    /// Criminal-justice identifiers: FBI/UCN, state ID (SID), NCIC terms.
    CjiIdentifier = "cji_identifier", "criminal justice identifier", "[CJI]", Critical;
    /// AWS access key id.
    AwsAccessKey = "aws_access_key", "AWS access key", "[AWS_KEY]", Critical;
    /// GitHub token.
    GithubToken = "github_token", "GitHub token", "[GITHUB_TOKEN]", Critical;
    /// Slack token.
    SlackToken = "slack_token", "Slack token", "[SLACK_TOKEN]", Critical;
    /// OpenAI API key.
    OpenaiApiKey = "openai_api_key", "OpenAI API key", "[OPENAI_KEY]", Critical;
    /// Google API key.
    GoogleApiKey = "google_api_key", "Google API key", "[GOOGLE_KEY]", Critical;
    /// PEM private key block.
    PrivateKey = "private_key", "private key", "[PRIVATE_KEY]", Critical;
    /// JSON Web Token.
    Jwt = "jwt", "access token (JWT)", "[JWT]", Critical;
    /// A password assigned in text or config (`password: hunter2`).
    PasswordAssignment = "password_assignment", "password", "[PASSWORD]", Critical;
}

/// The error for a detector identifier that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownDetector;

impl fmt::Display for UnknownDetector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown detector")
    }
}

impl std::error::Error for UnknownDetector {}

impl fmt::Display for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Detector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Detector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom(format_args!("unknown detector `{s}`")))
    }
}

/// One piece of sensitive data found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of data it is.
    pub detector: Detector,
    /// How sensitive it is.
    pub severity: Severity,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// The compiled detectors. Build once with [`Scanner::new`], share, and scan many texts.
#[derive(Debug)]
pub struct Scanner {
    /// Every shape's pattern in one automaton; pattern `i` is `Shape::ALL[i]`.
    shapes: Regex,
}

impl Scanner {
    /// Compiles every detector.
    pub fn new() -> Scanner {
        let patterns = Shape::ALL.map(Shape::pattern);
        // Unicode off: ASCII `\b`, `\d` and `(?i)` keep the lazy DFA small and let it run
        // on non-ASCII text instead of giving up (see `shapes`).
        let shapes = Regex::builder()
            .syntax(syntax::Config::new().unicode(false))
            // 18 shapes with counted repetitions make many lazy-DFA states: with the default
            // 2 MiB cache a 1 MB paste cleared it so often that the DFA gave up and the
            // search fell back to the PikeVM (39 MB/s in Chromium, 144 MB/s with 8 MiB).
            // The cache grows only as states are made; 8 MiB is its ceiling.
            .configure(Regex::config().hybrid_cache_capacity(8 << 20))
            .build_many(&patterns)
            .expect("detector patterns are constants and compile");
        Scanner { shapes }
    }

    /// Scans `text`, appending findings to `out` in order of their start offset. Findings
    /// do not overlap.
    ///
    /// The text is read as [`normalize`] folds it (Unicode spaces, dashes, invisible
    /// characters and digits of other scripts as ASCII); offsets are into `text` as given.
    pub fn scan_into(&self, text: &str, out: &mut Vec<Finding>) {
        let normalized = normalize::normalize(text);
        let before = out.len();
        self.scan_folded(normalized.as_str(), out);
        if normalized.folded() {
            for f in &mut out[before..] {
                (f.start, f.end) = normalized.original(text, f.start, f.end);
            }
        }
    }

    fn scan_folded(&self, text: &str, out: &mut Vec<Finding>) {
        let mut scan = Scan {
            text,
            sink: Sink::new(out),
            pem_ends: Default::default(),
            words: Default::default(),
        };
        let mut at = 0;
        while at < text.len() {
            let Some(m) = self.shapes.search(&Input::new(text).range(at..)) else {
                break;
            };
            let Some(shape) = Shape::from_index(m.pattern().as_usize()) else {
                break;
            };
            let resume = scan.candidate(shape, m.start(), m.end());
            // Always move forward, and only to a char boundary (every pattern matches
            // ASCII, so `m.end()` is one).
            at = if resume > m.start() && text.is_char_boundary(resume) {
                resume
            } else {
                m.end()
            };
        }
    }

    /// Scans `text` and returns its findings in order of their start offset.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_into(text, &mut out);
        out
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}
