//! Secrets: telling real credentials from the placeholders that documentation, templates
//! and tutorials are full of, finding a password's value, and finding the end of a PEM key.
//!
//! What counts as a placeholder (and is therefore not a finding):
//! - A token whose random part uses at most three distinct characters is a placeholder
//!   (`ghp_xxxx…`, `AKIAXXXXXXXXXXXXXXXX`, `sk-****…`, `password: ********`): real keys are
//!   random and never look like that.
//! - A password value that is a template (`<your-password>`, `${DB_PASSWORD}`,
//!   `{{ secret }}`, `%s`), a reference in code (`os.getenv(…)`, `config.password`), or a
//!   word that stands for "put the password here" (`changeme`, `password`, `secret`,
//!   `example`, `redacted`, `your_password…`) is not a finding. `changeme` is the default
//!   of many templates; flagging every pasted docker-compose file would teach people to
//!   ignore the warning, so it counts as a placeholder.
//! - Vendor documentation keys such as AWS's `AKIAIOSFODNN7EXAMPLE` *are* findings: their
//!   shape is real, and a key that merely ends in `EXAMPLE` may well be live.

/// True if `random` (the part of a token after its fixed prefix) uses at most three
/// distinct characters, ignoring the dashes and underscores that vendors use as spacers.
pub(crate) fn low_entropy(random: &[u8]) -> bool {
    let mut seen: u128 = 0;
    for &b in random {
        if b != b'-' && b != b'_' {
            seen |= 1u128 << (b & 0x7f);
        }
    }
    seen.count_ones() <= 3
}

/// Words that stand in for a password in templates and documentation (lower-case).
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"changeme",
    b"change_me",
    b"change-me",
    b"password",
    b"passwd",
    b"secret",
    b"example",
    b"placeholder",
    b"redacted",
    b"removed",
    b"hidden",
    b"none",
    b"null",
    b"nil",
    b"undefined",
    b"empty",
    b"required",
    b"optional",
    b"string",
    b"str",
    b"true",
    b"false",
];

/// True if a password value is a placeholder, template or code reference, not a password.
pub(crate) fn placeholder_password(value: &[u8]) -> bool {
    let Some(&first) = value.first() else {
        return true;
    };
    if matches!(first, b'<' | b'{' | b'[' | b'(' | b'$' | b'%') || low_entropy(value) {
        return true;
    }
    // Code, not a literal: `getpass()`, `os.getenv("PW")`, `Option<String>`.
    if value.iter().any(|&b| matches!(b, b'(' | b'<')) {
        return true;
    }
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| value.eq_ignore_ascii_case(w))
    {
        return true;
    }
    // `your_password_here`, `YourPassword`.
    if value.len() >= 4 && value[..4].eq_ignore_ascii_case(b"your") {
        return true;
    }
    // A reference to another variable or field: `user.password`, `cfg.db_passwd`,
    // `$this->pwd` (but `mysecretpassword` is a literal).
    [&b"password"[..], b"passwd", b"pwd"].iter().any(|key| {
        value.len() > key.len()
            && value[value.len() - key.len()..].eq_ignore_ascii_case(key)
            && matches!(
                value[value.len() - key.len() - 1],
                b'.' | b'_' | b'-' | b'>'
            )
    })
}

/// The longest password value read, in bytes. A longer run is data, not a password.
const MAX_VALUE: usize = 128;

/// Finds the value after a password key whose match (key, separator, optional opening
/// quote) ends at `at`. Returns the value's byte span, which is on char boundaries.
pub(crate) fn password_value(text: &str, at: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let quote = match at.checked_sub(1).map(|i| bytes[i]) {
        Some(q @ (b'"' | b'\'')) => Some(q),
        _ => None,
    };
    let limit = (at + MAX_VALUE).min(bytes.len());
    if let Some(q) = quote {
        // A quoted value may contain spaces; it ends at the closing quote on the same line.
        let end = (at..limit).find(|&i| bytes[i] == q || bytes[i] == b'\n')?;
        return (bytes[end] == q).then_some((at, end));
    }
    let mut end = at;
    while end < limit && !bytes[end].is_ascii_whitespace() && !matches!(bytes[end], b'"' | b'\'') {
        end += 1;
    }
    // Sentence or list punctuation after the value is not part of it.
    while end > at
        && matches!(
            bytes[end - 1],
            b'.' | b',' | b';' | b':' | b')' | b']' | b'}'
        )
    {
        end -= 1;
    }
    // Stopping at the length limit may cut a multi-byte character.
    let end = super::context::floor_char_boundary(text, end);
    (end > at).then_some((at, end))
}

/// Remembers where the next `-----END ` marker is, so that many BEGIN headers without an
/// END line cost one pass over the text rather than one pass each.
#[derive(Debug, Default)]
pub(crate) struct PemEnds {
    /// Where the last search started and what it found (`None`: no marker after it).
    cache: Option<(usize, Option<usize>)>,
}

/// How far after its header a PEM block's END line is looked for. Large enough for an
/// 8192-bit RSA key or a PGP key block; a header whose END is further is reported alone.
const PEM_MAX_BODY: usize = 64 * 1024;

const END_MARKER: &str = "-----END ";

impl PemEnds {
    /// Given a BEGIN header at `text[start..end]`, returns the end of its block: after
    /// the matching END line if it follows within [`PEM_MAX_BODY`], else `end`.
    pub(crate) fn block_end(&mut self, text: &str, start: usize, end: usize) -> usize {
        // "-----BEGIN " is 11 bytes and the header ends with "-----": the label between
        // ("RSA PRIVATE KEY") must be repeated in the END line.
        let label = text
            .as_bytes()
            .get(start + 11..end.saturating_sub(5))
            .unwrap_or_default();
        let Some(marker) = self.next_marker(text, end) else {
            return end;
        };
        if marker - end > PEM_MAX_BODY {
            return end;
        }
        let after = &text.as_bytes()[marker + END_MARKER.len()..];
        if after.starts_with(label) && after[label.len()..].starts_with(b"-----") {
            marker + END_MARKER.len() + label.len() + 5
        } else {
            end
        }
    }

    /// The position of the first END marker at or after `from`.
    fn next_marker(&mut self, text: &str, from: usize) -> Option<usize> {
        if let Some((searched_from, found)) = self.cache {
            if searched_from <= from && found.is_none_or(|f| f >= from) {
                return found;
            }
        }
        let found = text
            .get(from..)
            .and_then(|rest| rest.find(END_MARKER))
            .map(|i| from + i);
        self.cache = Some((from, found));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert!(low_entropy(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(low_entropy(b"XXXX-0000-xxxx"));
        assert!(!low_entropy(b"IOSFODNN7EXAMPLE"));
        for v in [
            "<your-password>",
            "${DB_PASSWORD}",
            "********",
            "changeme",
            "getpass()",
            "cfg.db_password",
        ] {
            assert!(placeholder_password(v.as_bytes()), "{v}");
        }
        for v in [
            "hunter2",
            "Tr0ub4dor&3",
            "correct horse",
            "mysecretpassword",
        ] {
            assert!(!placeholder_password(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn password_values() {
        let t = "password: hunter2.";
        assert_eq!(password_value(t, 10), Some((10, 17)));
        let t = "password: 'a b c d' x";
        assert_eq!(password_value(t, 11), Some((11, 18)));
        let t = "password: 'unterminated";
        assert_eq!(password_value(t, 11), None);
    }
}
