//! Rich Text Format: the text of the document's groups, with `\'hh` (Windows-1252), `\uN`
//! (and its `\ucN` fallback characters skipped), paragraph, line, cell and row breaks, and
//! without the destinations that hold no document text (font, colour and style tables,
//! document info, pictures, objects, field instructions and every `\*` destination).
//! One pass over the bytes with an explicit stack of groups: time is linear, memory bounded.

use crate::text::cp1252;
use crate::{Limits, Sink, Unreadable};

/// Destinations whose contents are not document text.
const SKIPPED: &[&[u8]] = &[
    b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"objdata", b"object", b"fldinst", b"listtable", b"listoverridetable", b"revtbl", b"rsidtbl", b"generator", b"xmlnstbl", b"themedata", b"colorschememapping", b"datastore", b"latentstyles", b"filetbl", b"pgdsctbl", b"mmathPr", b"nonshppict", b"bkmkstart", b"bkmkend", b"xe", b"tc", b"template", b"userprops", b"operator", b"author", b"title", b"subject", b"keywords", b"comment", b"doccomm", b"company", b"falt", b"panose", b"listpicture", b"shppict", b"blipuid", b"protusertbl", b"wgrffmtfilter", b"passwordhash",
];

/// The deepest group nesting followed (Word writes a few dozen at most).
const MAX_GROUPS: usize = 1024;

#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    /// How many fallback characters follow a `\uN`.
    uc: usize,
}

/// Appends the text of an RTF document to `sink`.
pub(crate) fn extract(b: &[u8], _limits: &Limits, sink: &mut Sink) -> Result<(), Unreadable> {
    let mut stack: Vec<Group> = Vec::new();
    let mut cur = Group { skip: false, uc: 1 };
    // Fallback characters still to drop after a `\uN`.
    let mut fallback = 0usize;
    // A `{\*` was just seen: the next control word names an unknown destination to skip.
    let mut starred = false;
    // The first control word of a group names its destination.
    let mut group_start = false;
    let mut high_surrogate: Option<u16> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'{' => {
                if stack.len() >= MAX_GROUPS {
                    return Err(Unreadable::Limits);
                }
                stack.push(cur);
                group_start = true;
                starred = false;
                fallback = 0;
                i += 1;
            }
            b'}' => {
                cur = stack.pop().unwrap_or(Group { skip: false, uc: 1 });
                group_start = false;
                starred = false;
                fallback = 0;
                i += 1;
            }
            b'\\' => {
                i += 1;
                let Some(&n) = b.get(i) else { break };
                if n.is_ascii_alphabetic() {
                    let start = i;
                    while i < b.len() && b[i].is_ascii_alphabetic() && i - start < 32 {
                        i += 1;
                    }
                    let word = &b[start..i];
                    let mut param: Option<i64> = None;
                    let neg = b.get(i) == Some(&b'-');
                    if neg {
                        i += 1;
                    }
                    let pstart = i;
                    while i < b.len() && b[i].is_ascii_digit() && i - pstart < 10 {
                        i += 1;
                    }
                    if i > pstart {
                        let v: i64 = std::str::from_utf8(&b[pstart..i]).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
                        param = Some(if neg { -v } else { v });
                    }
                    if b.get(i) == Some(&b' ') {
                        i += 1;
                    }
                    let first = group_start;
                    group_start = false;
                    if first && (starred || SKIPPED.contains(&word)) {
                        cur.skip = true;
                    }
                    starred = false;
                    if word == b"bin" {
                        // Binary data: skip its bytes whatever the group.
                        let n = usize::try_from(param.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
                        i = i.saturating_add(n).min(b.len());
                        continue;
                    }
                    if cur.skip {
                        continue;
                    }
                    if word == b"u" {
                        let v = param.unwrap_or(0);
                        let unit = if v < 0 { (v + 65_536) as u16 } else { v as u16 };
                        push_unit(unit, &mut high_surrogate, sink)?;
                        fallback = cur.uc;
                        continue;
                    }
                    if word == b"uc" {
                        cur.uc = usize::try_from(param.unwrap_or(1).clamp(0, 16)).unwrap_or(1);
                        continue;
                    }
                    if fallback > 0 {
                        // A control word stands for one fallback character only when it is
                        // a character itself; others do not count.
                        if word_char(word).is_some() {
                            fallback -= 1;
                            continue;
                        }
                    }
                    match word {
                        b"par" | b"line" | b"sect" | b"page" | b"row" => sink.newline()?,
                        b"tab" | b"cell" | b"nestcell" => sink.tab()?,
                        _ => {
                            if let Some(ch) = word_char(word) {
                                sink.push_char(ch)?;
                            }
                        }
                    }
                } else if n == b'\'' {
                    let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                    i += 1 + if hex.is_some() { 2 } else { 0 };
                    group_start = false;
                    if cur.skip {
                        continue;
                    }
                    if fallback > 0 {
                        fallback -= 1;
                        continue;
                    }
                    if let Some(byte) = hex {
                        flush_surrogate(&mut high_surrogate, sink)?;
                        sink.push_char(cp1252(byte))?;
                    }
                } else {
                    i += 1;
                    if n == b'*' {
                        starred = group_start;
                        continue;
                    }
                    group_start = false;
                    if cur.skip {
                        continue;
                    }
                    let ch = match n {
                        b'\\' | b'{' | b'}' => Some(char::from(n)),
                        b'~' => Some('\u{a0}'),
                        b'_' => Some('\u{2011}'),
                        b'\n' | b'\r' => {
                            sink.newline()?;
                            None
                        }
                        _ => None,
                    };
                    if let Some(ch) = ch {
                        if fallback > 0 {
                            fallback -= 1;
                        } else {
                            flush_surrogate(&mut high_surrogate, sink)?;
                            sink.push_char(ch)?;
                        }
                    }
                }
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                group_start = false;
                i += 1;
                if cur.skip {
                    continue;
                }
                if fallback > 0 {
                    fallback -= 1;
                    continue;
                }
                flush_surrogate(&mut high_surrogate, sink)?;
                sink.push_char(cp1252(c))?;
            }
        }
    }
    flush_surrogate(&mut high_surrogate, sink)?;
    Ok(())
}

/// The character a symbol control word stands for.
fn word_char(word: &[u8]) -> Option<char> {
    Some(match word {
        b"emdash" => '\u{2014}',
        b"endash" => '\u{2013}',
        b"emspace" => '\u{2003}',
        b"enspace" => '\u{2002}',
        b"qmspace" => '\u{2005}',
        b"bullet" => '\u{2022}',
        b"lquote" => '\u{2018}',
        b"rquote" => '\u{2019}',
        b"ldblquote" => '\u{201c}',
        b"rdblquote" => '\u{201d}',
        b"zwj" => '\u{200d}',
        b"zwnj" => '\u{200c}',
        _ => return None,
    })
}

/// One UTF-16 unit of a `\uN`, pairing surrogates (Word writes astral characters as two).
fn push_unit(unit: u16, high: &mut Option<u16>, sink: &mut Sink) -> Result<(), Unreadable> {
    if (0xd800..0xdc00).contains(&unit) {
        flush_surrogate(high, sink)?;
        *high = Some(unit);
        return Ok(());
    }
    if (0xdc00..0xe000).contains(&unit) {
        if let Some(h) = high.take() {
            let c = char::decode_utf16([h, unit]).next().and_then(Result::ok).unwrap_or('\u{fffd}');
            return sink.push_char(c);
        }
        return sink.push_char('\u{fffd}');
    }
    flush_surrogate(high, sink)?;
    sink.push_char(char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}'))
}

fn flush_surrogate(high: &mut Option<u16>, sink: &mut Sink) -> Result<(), Unreadable> {
    if high.take().is_some() {
        sink.push_char('\u{fffd}')?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rtf: &str) -> String {
        let mut s = Sink::new(1 << 20);
        assert!(extract(rtf.as_bytes(), &Limits::default(), &mut s).is_ok());
        s.into_string()
    }

    #[test]
    fn text_of_rtf() {
        let doc = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Helvetica;}}{\colortbl;\red0\green0\blue0;}{\*\generator Test;}{\info{\title Secret title}}
\pard\plain SSN 123-45-{\b 6789}\par
Caf\'e9 \u8220?quoted\u8221?\par
{\*\unknowndest hidden}{\pict\pngblip 89504e47}Line\line two\tab x\cell y\row
\uc2 A\u8209 XXB\uc1\par
\u-10179?\u-8694?\par}";
        assert_eq!(text(doc), "SSN 123-45-6789\nCaf\u{e9} \u{201c}quoted\u{201d}\nLine\ntwo\tx\ty\nA\u{2011}B\n\u{1f60a}\n");
    }

    #[test]
    fn deep_groups_are_bounded() {
        let mut s = Sink::new(1 << 20);
        let deep = format!("{{\\rtf1 {}", "{".repeat(5000));
        assert_eq!(extract(deep.as_bytes(), &Limits::default(), &mut s), Err(Unreadable::Limits));
    }
}
