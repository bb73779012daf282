//! A PDF content-stream tokenizer for text extraction: operands and operators in one pass,
//! without building an object tree. It keeps what text operators need (numbers, strings,
//! names, arrays of those) and skips the rest (dictionaries, inline images, comments).
//! Damage never stops it: an unterminated string or array ends at the end of the stream, so
//! the text before the damage is still read. No recursion; time is linear in the stream.

use std::borrow::Cow;

/// An operand of a content-stream operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand<'a> {
    Num(f64),
    Str(Vec<u8>),
    Name(Cow<'a, [u8]>),
    Array(Vec<Operand<'a>>),
    /// A dictionary, boolean or null: present, not needed.
    Other,
}

impl Operand<'_> {
    pub(crate) fn num(&self) -> f64 {
        match self {
            Operand::Num(n) => *n,
            _ => 0.0,
        }
    }
}

/// Arrays nested deeper than this are read as `Other` (text arrays are flat).
const MAX_NESTING: usize = 32;

pub(crate) struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delim(c: u8) -> bool {
    matches!(c, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(c: u8) -> bool {
    !is_space(c) && !is_delim(c)
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Lexer { b, i: 0 }
    }

    /// The next operator, with its operands in `operands` (cleared first); `None` at the end.
    pub(crate) fn next_op(&mut self, operands: &mut Vec<Operand<'a>>) -> Option<&'a [u8]> {
        operands.clear();
        // Open arrays (outermost first), and how many more are open past MAX_NESTING.
        let mut arrays: Vec<Vec<Operand<'a>>> = Vec::new();
        let mut too_deep = 0usize;
        // Open dictionaries: their contents are skipped.
        let mut dicts = 0usize;
        loop {
            let c = *self.b.get(self.i)?;
            let value = match c {
                c if is_space(c) => {
                    self.i += 1;
                    continue;
                }
                b'%' => {
                    while self.i < self.b.len() && !matches!(self.b[self.i], b'\r' | b'\n') {
                        self.i += 1;
                    }
                    continue;
                }
                b'(' => Operand::Str(self.literal()),
                b'<' if self.b.get(self.i + 1) == Some(&b'<') => {
                    self.i += 2;
                    dicts += 1;
                    continue;
                }
                b'>' if self.b.get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    if dicts == 0 {
                        continue;
                    }
                    dicts -= 1;
                    if dicts > 0 {
                        continue;
                    }
                    Operand::Other
                }
                b'<' => Operand::Str(self.hex_string()),
                b'/' => Operand::Name(self.name()),
                b'[' => {
                    self.i += 1;
                    if dicts == 0 {
                        if arrays.len() < MAX_NESTING {
                            arrays.push(Vec::new());
                        } else {
                            too_deep += 1;
                        }
                    }
                    continue;
                }
                b']' => {
                    self.i += 1;
                    if dicts > 0 {
                        continue;
                    }
                    if too_deep > 0 {
                        too_deep -= 1;
                        Operand::Other
                    } else if let Some(done) = arrays.pop() {
                        Operand::Array(done)
                    } else {
                        continue;
                    }
                }
                c if is_regular(c) => {
                    let start = self.i;
                    while self.i < self.b.len() && is_regular(self.b[self.i]) {
                        self.i += 1;
                    }
                    let word = &self.b[start..self.i];
                    if let Some(n) = number(word) {
                        Operand::Num(n)
                    } else if matches!(word, b"true" | b"false" | b"null") || dicts > 0 {
                        Operand::Other
                    } else if !arrays.is_empty() || too_deep > 0 {
                        // A keyword inside an array is damage: skip it.
                        continue;
                    } else {
                        if word == b"BI" {
                            self.skip_inline_image();
                        }
                        return Some(word);
                    }
                }
                _ => {
                    // A stray delimiter: ')', '>', '{', '}'.
                    self.i += 1;
                    continue;
                }
            };
            if dicts > 0 {
                continue;
            }
            if too_deep > 0 {
                continue;
            }
            match arrays.last_mut() {
                Some(a) => a.push(value),
                None => operands.push(value),
            }
        }
    }

    /// A literal string `( … )` with balanced parentheses and escapes; `self.i` is at `(`.
    fn literal(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        self.i += 1;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' if depth == 0 => break,
                b')' => {
                    depth -= 1;
                    out.push(c);
                }
                b'\\' => {
                    let Some(&e) = self.b.get(self.i) else { break };
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.b.get(self.i) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        // A line continuation.
                        b'\r' => {
                            if self.b.get(self.i) == Some(&b'\n') {
                                self.i += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        out
    }

    /// A hex string `< … >`; `self.i` is at `<`. An odd last digit is followed by 0.
    fn hex_string(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        self.i += 1;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            if c == b'>' {
                break;
            }
            if let Some(v) = hex(c) {
                match high.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => high = Some(v),
                }
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }

    /// A name after `/`, with `#xx` escapes decoded.
    fn name(&mut self) -> Cow<'a, [u8]> {
        self.i += 1;
        let start = self.i;
        while self.i < self.b.len() && is_regular(self.b[self.i]) {
            self.i += 1;
        }
        let raw = &self.b[start..self.i];
        if !raw.contains(&b'#') {
            return Cow::Borrowed(raw);
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut k = 0;
        while k < raw.len() {
            if raw[k] == b'#' {
                if let (Some(h), Some(l)) = (raw.get(k + 1).copied().and_then(hex), raw.get(k + 2).copied().and_then(hex)) {
                    out.push(h << 4 | l);
                    k += 3;
                    continue;
                }
            }
            out.push(raw[k]);
            k += 1;
        }
        Cow::Owned(out)
    }

    /// After `BI`: the image's parameters up to `ID`, then its data up to `EI` standing alone.
    fn skip_inline_image(&mut self) {
        // Parameters: skip to the keyword ID.
        loop {
            while self.i < self.b.len() && !is_regular(self.b[self.i]) {
                self.i += 1;
            }
            let start = self.i;
            while self.i < self.b.len() && is_regular(self.b[self.i]) {
                self.i += 1;
            }
            if self.i >= self.b.len() {
                return;
            }
            if &self.b[start..self.i] == b"ID" {
                break;
            }
        }
        // One white-space byte, then binary data ended by white space, "EI", white space/end.
        self.i += 1;
        while self.i + 2 <= self.b.len() {
            if &self.b[self.i..self.i + 2] == b"EI" && self.i > 0 && is_space(self.b[self.i - 1]) && self.b.get(self.i + 2).is_none_or(|&c| is_space(c) || is_delim(c)) {
                self.i += 2;
                return;
            }
            self.i += 1;
        }
        self.i = self.b.len();
    }
}

/// A PDF number: `[+-]` digits with at most one `.`.
fn number(w: &[u8]) -> Option<f64> {
    let body = w.strip_prefix(b"+").or_else(|| w.strip_prefix(b"-")).unwrap_or(w);
    if body.is_empty() || body == b"." || !body.iter().all(|&c| c.is_ascii_digit() || c == b'.') || body.iter().filter(|&&c| c == b'.').count() > 1 {
        return None;
    }
    std::str::from_utf8(w).ok()?.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(s: &[u8]) -> Vec<(String, Vec<Operand<'_>>)> {
        let mut lx = Lexer::new(s);
        let mut operands = Vec::new();
        let mut out = Vec::new();
        while let Some(op) = lx.next_op(&mut operands) {
            out.push((String::from_utf8_lossy(op).into_owned(), operands.clone()));
        }
        out
    }

    #[test]
    fn tokens() {
        let got = ops(b"BT /F#31 12 Tf 1 0 0 1 72.5 -.5 Tm (a\\(b\\)\\101\\\ncd (x)) Tj [(A) -250 <4142 4>] TJ /P <</MCID 0 /Sub <</A [1 2]>> >> BDC % comment\nET");
        assert_eq!(got[0], ("BT".into(), vec![]));
        assert_eq!(got[1], ("Tf".into(), vec![Operand::Name(Cow::Borrowed(b"F1".as_slice())), Operand::Num(12.0)]));
        assert_eq!(got[2].1[4..], [Operand::Num(72.5), Operand::Num(-0.5)]);
        assert_eq!(got[3], ("Tj".into(), vec![Operand::Str(b"a(b)Acd (x)".to_vec())]));
        assert_eq!(got[4], ("TJ".into(), vec![Operand::Array(vec![Operand::Str(b"A".to_vec()), Operand::Num(-250.0), Operand::Str(b"AB@".to_vec())])]));
        assert_eq!(got[5], ("BDC".into(), vec![Operand::Name(Cow::Borrowed(b"P".as_slice())), Operand::Other]));
        assert_eq!(got[6], ("ET".into(), vec![]));
        assert_eq!(got.len(), 7);
    }

    #[test]
    fn inline_images_and_damage() {
        let got = ops(b"BI /W 2 /H 2 /BPC 8 ID \x01EIx\xff\n EI Q (unterminated");
        assert_eq!(got.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(), ["BI", "Q"]);
        let deep = [b"[".repeat(100_000), b"(x) Tj".to_vec()].concat();
        assert!(ops(&deep).is_empty());
        assert_eq!(ops(b"(x) Tj ]]]) >> } 1 2 re").len(), 2);
    }
}
