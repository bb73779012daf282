//! Zip-based office files: DOCX, XLSX, PPTX (Office Open XML) and ODT, ODS, ODP
//! (OpenDocument). Each part is inflated through `take()` against one budget for the whole
//! file and parsed as a stream of XML events (quick-xml, which expands no DTD entities), so
//! neither a zip bomb nor a huge part is ever held whole.

use std::io::{BufRead, BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;
use zip::result::ZipError;

use crate::{Format, Limits, Sink, Unreadable};

const ODF_MIME: &[(&str, Format)] = &[
    ("application/vnd.oasis.opendocument.text", Format::Odt),
    ("application/vnd.oasis.opendocument.spreadsheet", Format::Ods),
    ("application/vnd.oasis.opendocument.presentation", Format::Odp),
];

/// The number of entries a zip's end-of-central-directory record declares, read before the
/// zip crate indexes them all (a 64 MiB file could declare over a million).
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    let tail_start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_start..];
    let pos = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let eocd = &tail[pos..];
    if eocd.len() < 22 {
        return None;
    }
    let count = u64::from(u16::from_le_bytes([eocd[10], eocd[11]]));
    if count != 0xffff {
        return Some(count);
    }
    // Zip64: the locator just before the record points at the zip64 record.
    let abs = tail_start + pos;
    let loc = bytes.get(abs.checked_sub(20)?..abs)?;
    if &loc[..4] != b"PK\x06\x07" {
        return Some(count);
    }
    let off = usize::try_from(u64::from_le_bytes(loc[8..16].try_into().ok()?)).ok()?;
    let rec = bytes.get(off..off.checked_add(56)?)?;
    if &rec[..4] != b"PK\x06\x06" {
        return Some(count);
    }
    Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
}

fn open<'a>(bytes: &'a [u8], limits: &Limits) -> Result<ZipArchive<Cursor<&'a [u8]>>, Unreadable> {
    if let Some(n) = declared_entries(bytes) {
        if n > limits.max_entries as u64 {
            return Err(Unreadable::Limits);
        }
    }
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| Unreadable::Malformed)?;
    if zip.len() > limits.max_entries {
        return Err(Unreadable::Limits);
    }
    Ok(zip)
}

/// What kind of office file a zip is, by its parts; `None` for other zips.
pub(crate) fn sniff(bytes: &[u8], limits: &Limits) -> Option<Format> {
    let mut zip = open(bytes, limits).ok()?;
    if let Ok(mut f) = zip.by_name("mimetype") {
        let mut mime = String::new();
        if (&mut f).take(100).read_to_string(&mut mime).is_ok() {
            let mime = mime.trim();
            // Templates (…-template) hold the same content.xml.
            if let Some((_, format)) = ODF_MIME.iter().find(|(m, _)| mime.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest == "-template")) {
                return Some(*format);
            }
        }
    }
    zip.index_for_name("[Content_Types].xml")?;
    if zip.index_for_name("word/document.xml").is_some() {
        Some(Format::Docx)
    } else if zip.index_for_name("xl/workbook.xml").is_some() {
        Some(Format::Xlsx)
    } else if zip.index_for_name("ppt/presentation.xml").is_some() {
        Some(Format::Pptx)
    } else {
        None
    }
}

/// Why a zip that is no office file cannot be read: `Archive`, or `Encrypted` when its
/// entries are password-protected, or the bound it breaks.
pub(crate) fn unknown_zip(bytes: &[u8], limits: &Limits) -> Unreadable {
    match open(bytes, limits) {
        Err(why) => why,
        Ok(mut zip) => {
            let encrypted = (0..zip.len()).any(|i| matches!(zip.by_index_raw(i), Ok(f) if f.encrypted()));
            if encrypted { Unreadable::Encrypted } else { Unreadable::Archive }
        }
    }
}

/// What is left of the file's decompression budget.
struct Budget {
    left: u64,
}

/// Appends the text of an office file to `sink`.
pub(crate) fn extract(bytes: &[u8], format: Format, limits: &Limits, inflated: &mut u64, sink: &mut Sink) -> Result<(), Unreadable> {
    let mut zip = open(bytes, limits)?;
    let mut budget = Budget { left: *inflated };
    let result = parts(&mut zip, format, limits, &mut budget, sink);
    *inflated = budget.left;
    result
}

fn parts(zip: &mut ZipArchive<Cursor<&[u8]>>, format: Format, limits: &Limits, budget: &mut Budget, sink: &mut Sink) -> Result<(), Unreadable> {
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.into_owned())).collect();
    match format {
        Format::Docx => {
            read_part(zip, "word/document.xml", budget, true, |r| ooxml_text(r, sink, Flavor::Word))?;
            for prefix in ["word/header", "word/footer", "word/footnotes", "word/endnotes", "word/comments"] {
                for name in numbered(&names, prefix, ".xml") {
                    read_part(zip, &name, budget, false, |r| ooxml_text(r, sink, Flavor::Word))?;
                }
            }
        }
        Format::Pptx => {
            for prefix in ["ppt/slides/slide", "ppt/notesSlides/notesSlide", "ppt/comments/comment"] {
                for name in numbered(&names, prefix, ".xml") {
                    read_part(zip, &name, budget, false, |r| ooxml_text(r, sink, Flavor::Drawing))?;
                }
            }
        }
        Format::Xlsx => {
            let mut shared = Vec::new();
            read_part(zip, "xl/sharedStrings.xml", budget, false, |r| shared_strings(r, &mut shared, limits))?;
            for name in numbered(&names, "xl/worksheets/sheet", ".xml") {
                read_part(zip, &name, budget, false, |r| sheet_text(r, &shared, sink))?;
            }
            for name in numbered(&names, "xl/comments", ".xml") {
                read_part(zip, &name, budget, false, |r| ooxml_text(r, sink, Flavor::Drawing))?;
            }
        }
        Format::Odt | Format::Ods | Format::Odp => {
            read_part(zip, "content.xml", budget, true, |r| odf_text(r, sink, false))?;
            // Headers and footers live in the master pages of styles.xml.
            read_part(zip, "styles.xml", budget, false, |r| odf_text(r, sink, true))?;
        }
        _ => return Err(Unreadable::Malformed),
    }
    Ok(())
}

/// The parts named `prefix` + N + `suffix` (or `prefix` + `suffix`), in the order of N.
fn numbered(names: &[String], prefix: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|n| {
            let mid = n.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if mid.is_empty() {
                Some((0, n))
            } else if mid.bytes().all(|b| b.is_ascii_digit()) {
                Some((mid.parse().unwrap_or(u64::MAX), n))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n.clone()).collect()
}

/// Streams one part through `parse`, inflating at most what is left of the budget. A
/// missing part is an error only when `required`.
fn read_part<F>(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str, budget: &mut Budget, required: bool, parse: F) -> Result<(), Unreadable>
where
    F: FnOnce(&mut Reader<BufReader<&mut dyn Read>>) -> Result<(), Unreadable>,
{
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(ZipError::FileNotFound) if !required => return Ok(()),
        Err(ZipError::FileNotFound) => return Err(Unreadable::Malformed),
        Err(ZipError::UnsupportedArchive(msg)) if msg.contains("assword") => return Err(Unreadable::Encrypted),
        Err(_) => return Err(Unreadable::Malformed),
    };
    if file.encrypted() {
        return Err(Unreadable::Encrypted);
    }
    // A part that says it is bigger than what is left is refused before it is inflated; one
    // that understates its size is stopped by `take()` below.
    if file.size() > budget.left {
        return Err(Unreadable::Limits);
    }
    // One byte over the budget tells a part that reached it from one that ends there.
    let mut limited = Counted { inner: file.take(budget.left.saturating_add(1)), read: 0 };
    let result = {
        let dyn_read: &mut dyn Read = &mut limited;
        let mut reader = Reader::from_reader(BufReader::with_capacity(64 << 10, dyn_read));
        reader.config_mut().check_end_names = false;
        parse(&mut reader)
    };
    if limited.read > budget.left {
        return Err(Unreadable::Limits);
    }
    budget.left -= limited.read;
    result
}

/// Counts what is read through it.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// The next XML event, with a read error (including a damaged deflate stream, or the budget
/// cut short mid-element) as `Malformed`. Every event borrows `buf`, cleared here.
fn next<'b, R: BufRead>(reader: &mut Reader<R>, buf: &'b mut Vec<u8>) -> Result<Event<'b>, Unreadable> {
    buf.clear();
    reader.read_event_into(buf).map_err(|_| Unreadable::Malformed)
}

/// The text an entity or character reference stands for (`&amp;`, `&#x41;`).
fn reference(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_predefined_entity(name).map(str::to_owned)
}

fn local(name: &str) -> &[u8] {
    let name = name.as_bytes();
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn local_of<'a>(e: &'a BytesStart<'_>) -> &'a [u8] {
    local(e.name().into_inner())
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| local(a.key.into_inner()) == key).map(|a| a.value.into_owned())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// WordprocessingML: text in `w:t`, paragraphs `w:p`, cells `w:tc`.
    Word,
    /// DrawingML (slides, notes, comments): text in `a:t` / `t`, paragraphs `a:p`.
    Drawing,
}

/// Text of a WordprocessingML or DrawingML part: only the character data of text elements
/// counts; paragraphs and rows end lines, cells end in tabs.
fn ooxml_text<R: BufRead>(reader: &mut Reader<R>, sink: &mut Sink, flavor: Flavor) -> Result<(), Unreadable> {
    let mut buf = Vec::new();
    let mut in_text = false;
    // Inside a table cell a paragraph ends in a tab, so a row stays one line.
    let mut cells = 0usize;
    loop {
        match next(reader, &mut buf)? {
            Event::Start(e) => match local_of(&e) {
                b"t" | b"delText" => in_text = true,
                b"tc" => cells += 1,
                _ => {}
            },
            Event::Empty(e) => match local_of(&e) {
                // (DrawingML's `a:tab` is a tab stop, not a character.)
                b"tab" | b"ptab" if flavor == Flavor::Word => sink.push_char('\t')?,
                b"br" | b"cr" => sink.newline()?,
                // Word's own non-breaking and optional hyphens; the engine reads both.
                b"noBreakHyphen" => sink.push_char('\u{2011}')?,
                b"softHyphen" => sink.push_char('\u{ad}')?,
                b"p" => sink.newline()?,
                _ => {}
            },
            Event::End(e) => match local(e.name().into_inner()) {
                b"t" | b"delText" => in_text = false,
                b"p" if cells > 0 => sink.tab()?,
                b"p" | b"tr" => sink.newline()?,
                b"tc" => {
                    cells = cells.saturating_sub(1);
                    sink.tab()?;
                }
                _ => {}
            },
            Event::Text(t) if in_text => sink.push(&t)?,
            Event::CData(t) if in_text => sink.push(&t)?,
            Event::GeneralRef(r) if in_text => {
                if let Some(s) = reference(&r) {
                    sink.push(&s)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    sink.newline()
}

/// XLSX's shared strings, in order: each `si`'s text runs (not its phonetic guides).
fn shared_strings<R: BufRead>(reader: &mut Reader<R>, out: &mut Vec<String>, limits: &Limits) -> Result<(), Unreadable> {
    let mut buf = Vec::new();
    let mut cur = String::new();
    let mut in_text = false;
    let mut in_phonetic = false;
    let mut total = 0usize;
    loop {
        match next(reader, &mut buf)? {
            Event::Start(e) => match local_of(&e) {
                b"si" => cur.clear(),
                b"t" => in_text = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if local_of(&e) == b"si" => push_shared(out, String::new(), limits, &mut total)?,
            Event::End(e) => match local(e.name().into_inner()) {
                b"si" => push_shared(out, std::mem::take(&mut cur), limits, &mut total)?,
                b"t" => in_text = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if in_text && !in_phonetic => push_bounded(&mut cur, &t, limits, total)?,
            Event::CData(t) if in_text && !in_phonetic => push_bounded(&mut cur, &t, limits, total)?,
            Event::GeneralRef(r) if in_text && !in_phonetic => {
                if let Some(s) = reference(&r) {
                    push_bounded(&mut cur, &s, limits, total)?;
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// The table of shared strings is held in memory: bound it by the text limit as well.
fn push_bounded(cur: &mut String, s: &str, limits: &Limits, total: usize) -> Result<(), Unreadable> {
    if total.saturating_add(cur.len()).saturating_add(s.len()) > limits.max_text {
        return Err(Unreadable::Limits);
    }
    cur.push_str(s);
    Ok(())
}

fn push_shared(out: &mut Vec<String>, s: String, limits: &Limits, total: &mut usize) -> Result<(), Unreadable> {
    // Each entry costs its String as well as its text.
    *total = total.saturating_add(s.len() + 24);
    if *total > limits.max_text {
        return Err(Unreadable::Limits);
    }
    out.push(s);
    Ok(())
}

/// A worksheet's cells, a row a line and a tab after each cell: shared strings by index,
/// inline strings, formula results, numbers and booleans as stored.
fn sheet_text<R: BufRead>(reader: &mut Reader<R>, shared: &[String], sink: &mut Sink) -> Result<(), Unreadable> {
    let mut buf = Vec::new();
    let mut kind = String::new();
    let mut value = String::new();
    let mut in_value = false;
    let mut in_inline = false;
    loop {
        match next(reader, &mut buf)? {
            Event::Start(e) => match local_of(&e) {
                b"c" => {
                    kind = attr(&e, b"t").unwrap_or_default();
                    value.clear();
                }
                b"v" => in_value = true,
                b"is" => in_inline = true,
                b"t" if in_inline => in_value = true,
                _ => {}
            },
            Event::End(e) => match local(e.name().into_inner()) {
                b"v" | b"t" => in_value = false,
                b"is" => in_inline = false,
                b"c" => {
                    match kind.as_str() {
                        "s" => {
                            if let Some(s) = value.trim().parse::<usize>().ok().and_then(|i| shared.get(i)) {
                                sink.push(s)?;
                            }
                        }
                        "b" => sink.push(if value.trim() == "1" { "TRUE" } else { "FALSE" })?,
                        _ => sink.push(&value)?,
                    }
                    sink.push_char('\t')?;
                    value.clear();
                }
                b"row" => sink.newline()?,
                _ => {}
            },
            Event::Text(t) if in_value => push_cell(&mut value, &t, sink)?,
            Event::CData(t) if in_value => push_cell(&mut value, &t, sink)?,
            Event::GeneralRef(r) if in_value => {
                if let Some(s) = reference(&r) {
                    push_cell(&mut value, &s, sink)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    sink.newline()
}

/// A cell's value is bounded by the room left for text.
fn push_cell(value: &mut String, s: &str, sink: &Sink) -> Result<(), Unreadable> {
    if value.len().saturating_add(s.len()) > sink.room() {
        return Err(Unreadable::Limits);
    }
    value.push_str(s);
    Ok(())
}

/// OpenDocument text: all character data in `office:body` (or, with `masters`, in the header
/// and footer styles of master pages) is text; `text:p`/`text:h` and table rows end lines,
/// cells end in tabs, `text:s` is spaces, `text:tab` a tab, `text:line-break` a newline.
/// Embedded binary data is skipped.
fn odf_text<R: BufRead>(reader: &mut Reader<R>, sink: &mut Sink, masters: bool) -> Result<(), Unreadable> {
    let mut buf = Vec::new();
    // How deep inside the elements whose text counts (office:body, or style:header/footer).
    let mut inside = 0usize;
    let mut skip = 0usize;
    // Inside a table cell a paragraph ends in a tab, so a row stays one line.
    let mut cells = 0usize;
    let scope: &[&[u8]] = if masters { &[b"header", b"footer", b"header-left", b"footer-left", b"header-first", b"footer-first"] } else { &[b"body"] };
    loop {
        match next(reader, &mut buf)? {
            Event::Start(e) => {
                let name = local_of(&e);
                if inside == 0 {
                    if scope.contains(&name) {
                        inside = 1;
                    }
                    continue;
                }
                inside += 1;
                if skip > 0 || name == b"binary-data" {
                    skip += 1;
                    continue;
                }
                if matches!(name, b"table-cell" | b"covered-table-cell") {
                    cells += 1;
                }
                odf_empty(&e, sink)?;
            }
            Event::Empty(e) if inside > 0 && skip == 0 => match local_of(&e) {
                b"p" | b"h" if cells > 0 => sink.tab()?,
                b"p" | b"h" => sink.newline()?,
                _ => odf_empty(&e, sink)?,
            },
            Event::End(e) => {
                if inside == 0 {
                    continue;
                }
                inside -= 1;
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                match local(e.name().into_inner()) {
                    b"p" | b"h" if cells > 0 => sink.tab()?,
                    b"p" | b"h" | b"table-row" => sink.newline()?,
                    b"table-cell" | b"covered-table-cell" => {
                        cells = cells.saturating_sub(1);
                        sink.tab()?;
                    }
                    _ => {}
                }
            }
            Event::Text(t) if inside > 0 && skip == 0 => sink.push(&t)?,
            Event::CData(t) if inside > 0 && skip == 0 => sink.push(&t)?,
            Event::GeneralRef(r) if inside > 0 && skip == 0 => {
                if let Some(s) = reference(&r) {
                    sink.push(&s)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    sink.newline()
}

/// The elements that stand for characters (as `<x/>` or, rarely, `<x></x>`).
fn odf_empty(e: &BytesStart<'_>, sink: &mut Sink) -> Result<(), Unreadable> {
    match local_of(e) {
        b"s" => {
            // At most a line's worth: `c` is the writer's count, not a reason to allocate.
            let n = attr(e, b"c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1).clamp(1, 256);
            for _ in 0..n {
                sink.push_char(' ')?;
            }
        }
        b"tab" => sink.push_char('\t')?,
        b"line-break" => sink.newline()?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parts_in_order() {
        let names: Vec<String> = ["word/header10.xml", "word/header2.xml", "word/header.xml", "word/headerx.xml", "word/document.xml"].iter().map(|s| s.to_string()).collect();
        assert_eq!(numbered(&names, "word/header", ".xml"), vec!["word/header.xml", "word/header2.xml", "word/header10.xml"]);
    }

    #[test]
    fn references() {
        assert_eq!(reference("amp").as_deref(), Some("&"));
        assert_eq!(reference("#x2011").as_deref(), Some("\u{2011}"));
        assert_eq!(reference("#54").as_deref(), Some("6"));
        assert_eq!(reference("#xD800"), None);
        assert_eq!(reference("bogus"), None);
    }
}
