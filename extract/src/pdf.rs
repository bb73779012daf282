//! PDF: the text of every page, in content-stream order, through lopdf (which parses the
//! objects, decrypts with the empty user password when there is one, inflates streams under
//! a per-stream bound, and maps fonts' ToUnicode CMaps and standard encodings such as
//! WinAnsi). Text-showing operators are read here (content streams tokenized by `pdflex`)
//! rather than with lopdf's `extract_text`, so that all streams share one decompression
//! budget, each font's encoding is built once per document rather than once per page, text
//! in form XObjects is read, a damaged stream still gives the text before the damage, and
//! line breaks come from where the text is placed.

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Document, Encoding, LoadOptions, ObjectId};

use crate::pdflex::{Lexer, Operand};

use crate::{Limits, Sink, Unreadable};

/// Appends the text of a PDF's pages to `sink`; `Image` when they hold none.
pub(crate) fn extract(bytes: &[u8], limits: &Limits, inflated: &mut u64, sink: &mut Sink) -> Result<(), Unreadable> {
    let per_stream = usize::try_from(*inflated).unwrap_or(usize::MAX);
    let options = LoadOptions { max_decompressed_size: Some(per_stream), ..LoadOptions::default() };
    let doc = Document::load_mem_with_options(bytes, options).map_err(load_error)?;
    // lopdf tries the empty user password; a document it could not open that way stays
    // encrypted (its streams are ciphertext).
    if doc.trailer.get(b"Encrypt").is_ok() && doc.encryption_state.is_none() {
        return Err(Unreadable::Encrypted);
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(Unreadable::Malformed);
    }
    let mut reader = PageReader { doc: &doc, budget: *inflated, max_depth: limits.max_depth, encodings: HashMap::new(), forms: HashSet::new() };
    let start = sink.room();
    let mut seen = HashSet::new();
    let result = pages.values().filter(|id| seen.insert(**id)).try_for_each(|page_id| {
        reader.page(*page_id, sink)?;
        sink.newline()
    });
    *inflated = reader.budget;
    result?;
    if start == sink.room() || sink.is_empty_or_blank() {
        // Pages but no text: a scan, or text drawn as shapes.
        return Err(Unreadable::Image);
    }
    Ok(())
}

fn load_error(e: lopdf::Error) -> Unreadable {
    match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword | lopdf::Error::AlreadyEncrypted => Unreadable::Encrypted,
        e if is_bomb(&e) => Unreadable::Limits,
        _ => Unreadable::Malformed,
    }
}

/// A stream that would inflate past its bound (other decoding errors are damage).
fn is_bomb(e: &lopdf::Error) -> bool {
    matches!(e, lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. } | lopdf::DecompressError::TooManyFilters { .. }))
}

struct PageReader<'a> {
    doc: &'a Document,
    /// Bytes still allowed to be decompressed (content streams, all pages together).
    budget: u64,
    max_depth: usize,
    /// Each font's encoding, by the font dictionary's address in `doc`.
    encodings: HashMap<usize, Option<Encoding<'a>>>,
    /// The form XObjects read so far (by address): each is read once per document, however
    /// often it is drawn, so forms drawing forms cannot multiply the work.
    forms: HashSet<usize>,
}

/// What reading a page or a form costs at least, against the budget, so that a million empty
/// pages or forms are bounded like a million bytes of content.
const MIN_COST: usize = 1024;

/// Where text is being placed: the text line matrix's translation, enough to tell a new
/// line from more text on the same one.
#[derive(Clone, Copy, Default)]
struct Pos {
    /// Text line matrix [a b c d e f].
    line: [f64; 6],
    /// The baseline (f) and x (e) of the text last shown, if any.
    last: Option<(f64, f64)>,
}

impl Pos {
    fn reset(&mut self) {
        self.line = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    }
    fn translate(&mut self, tx: f64, ty: f64) {
        let [a, b, c, d, e, f] = self.line;
        self.line = [a, b, c, d, tx * a + ty * c + e, tx * b + ty * d + f];
    }
}

impl<'a> PageReader<'a> {
    fn page(&mut self, page_id: ObjectId, sink: &mut Sink) -> Result<(), Unreadable> {
        self.spend(MIN_COST)?;
        let fonts = self.doc.get_page_fonts(page_id).unwrap_or_default();
        let content = self.content_of_page(page_id)?;
        // The page's resources, inline or by reference (inherited ones come after).
        let resources = self.doc.get_page_resources(page_id).ok().and_then(|(own, ids)| own.or_else(|| ids.first().and_then(|id| self.doc.get_dictionary(*id).ok())));
        self.run(&content, &fonts, resources, sink, 0)
    }

    /// A page's content streams, concatenated, inflated within the budget.
    fn content_of_page(&mut self, page_id: ObjectId) -> Result<Vec<u8>, Unreadable> {
        let limit = usize::try_from(self.budget).unwrap_or(usize::MAX);
        let data = self.doc.get_page_content_with_limit(page_id, limit).map_err(|e| if is_bomb(&e) { Unreadable::Limits } else { Unreadable::Malformed });
        // A page without content streams is a blank page.
        let data = match data {
            Ok(d) => d,
            Err(Unreadable::Limits) => return Err(Unreadable::Limits),
            Err(_) => Vec::new(),
        };
        self.spend(data.len())?;
        Ok(data)
    }

    fn spend(&mut self, n: usize) -> Result<(), Unreadable> {
        let n = n as u64;
        if n > self.budget {
            return Err(Unreadable::Limits);
        }
        self.budget -= n;
        Ok(())
    }

    fn encoding(&mut self, font: &'a Dictionary) -> Result<Option<&Encoding<'a>>, Unreadable> {
        let key = font as *const Dictionary as usize;
        if !self.encodings.contains_key(&key) {
            // A ToUnicode CMap is inflated by lopdf when the encoding is built; inflate it
            // here first to charge it to the budget.
            let limit = usize::try_from(self.budget).unwrap_or(usize::MAX);
            if let Some(cmap) = font.get(b"ToUnicode").ok().and_then(|o| self.doc.dereference(o).ok()).and_then(|(_, o)| o.as_stream().ok()) {
                match cmap.decompressed_content_with_limit(limit) {
                    Ok(d) => self.spend(d.len())?,
                    Err(e) if is_bomb(&e) => return Err(Unreadable::Limits),
                    Err(_) => self.spend(cmap.content.len())?,
                }
            }
            let limit = usize::try_from(self.budget).unwrap_or(usize::MAX);
            let encoding = font.get_font_encoding_with_limit(self.doc, limit).ok();
            self.encodings.insert(key, encoding);
        }
        Ok(self.encodings.get(&key).and_then(Option::as_ref))
    }

    /// Runs a content stream's text operators. `resources` is the dictionary its form
    /// XObjects are looked up in; `depth` counts forms inside forms.
    fn run(&mut self, data: &[u8], fonts: &std::collections::BTreeMap<Vec<u8>, &'a Dictionary>, resources: Option<&'a Dictionary>, sink: &mut Sink, depth: usize) -> Result<(), Unreadable> {
        if depth > self.max_depth {
            return Err(Unreadable::Limits);
        }
        let mut font: Option<&'a Dictionary> = None;
        let mut pos = Pos::default();
        pos.reset();
        let mut leading = 0.0;
        let mut scratch = String::new();
        let mut lexer = Lexer::new(data);
        let mut operands = Vec::new();
        while let Some(operator) = lexer.next_op(&mut operands) {
            match operator {
                b"BT" => pos.reset(),
                b"Tf" => font = operands.first().and_then(|n| if let Operand::Name(n) = n { fonts.get(n.as_ref()).copied() } else { None }),
                b"TL" => leading = operands.first().map(Operand::num).unwrap_or(0.0),
                b"Td" | b"TD" => {
                    let (tx, ty) = (operands.first().map(Operand::num).unwrap_or(0.0), operands.get(1).map(Operand::num).unwrap_or(0.0));
                    if operator == b"TD" {
                        leading = -ty;
                    }
                    pos.translate(tx, ty);
                }
                b"Tm" if operands.len() == 6 => {
                    let m: Vec<f64> = operands.iter().map(Operand::num).collect();
                    pos.line = [m[0], m[1], m[2], m[3], m[4], m[5]];
                }
                b"T*" => pos.translate(0.0, -leading),
                b"Tj" | b"TJ" | b"'" | b"\"" => {
                    if operator != b"Tj" && operator != b"TJ" {
                        pos.translate(0.0, -leading);
                    }
                    let shown = match operator {
                        b"\"" => operands.get(2..).unwrap_or_default(),
                        _ => operands.as_slice(),
                    };
                    let Some(f) = font else { continue };
                    scratch.clear();
                    if let Some(enc) = self.encoding(f)? {
                        collect(enc, shown, &mut scratch);
                    }
                    if scratch.is_empty() {
                        continue;
                    }
                    let (x, y) = (pos.line[4], pos.line[5]);
                    match pos.last {
                        Some((ly, _)) if (ly - y).abs() > 0.5 => sink.newline()?,
                        // Placed again on the same line, further right: a gap between words.
                        Some((_, lx)) if x > lx + 0.5 && !scratch.starts_with(' ') => sink.space()?,
                        _ => {}
                    }
                    pos.last = Some((y, x));
                    sink.push(&scratch)?;
                }
                b"Do" => {
                    let Some(Operand::Name(name)) = operands.first() else { continue };
                    let Some(form) = resources.and_then(|r| self.form(r, name.as_ref())) else { continue };
                    if !self.forms.insert(form as *const lopdf::Stream as usize) {
                        continue;
                    }
                    self.spend(MIN_COST)?;
                    let data = match form.decompressed_content_with_limit(usize::try_from(self.budget).unwrap_or(usize::MAX)) {
                        Ok(d) => d,
                        Err(e) if is_bomb(&e) => return Err(Unreadable::Limits),
                        Err(_) => form.content.clone(),
                    };
                    self.spend(data.len())?;
                    let inner_res = form.dict.get(b"Resources").ok().and_then(|r| self.doc.dereference(r).ok()).and_then(|(_, o)| o.as_dict().ok());
                    let inner_fonts = inner_res.map(|r| self.fonts_of(r)).unwrap_or_else(|| fonts.clone());
                    sink.newline()?;
                    self.run(&data, &inner_fonts, inner_res.or(resources), sink, depth + 1)?;
                    sink.newline()?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The form XObject called `name` in a resource dictionary.
    fn form(&self, resources: &'a Dictionary, name: &[u8]) -> Option<&'a lopdf::Stream> {
        let xobjects = resources.get(b"XObject").ok().and_then(|x| self.doc.dereference(x).ok()).and_then(|(_, o)| o.as_dict().ok())?;
        let (_, obj) = self.doc.dereference(xobjects.get(name).ok()?).ok()?;
        let stream = obj.as_stream().ok()?;
        (stream.dict.get(b"Subtype").ok()?.as_name().ok()? == b"Form").then_some(stream)
    }

    /// The fonts of a resource dictionary, by name.
    fn fonts_of(&self, resources: &'a Dictionary) -> std::collections::BTreeMap<Vec<u8>, &'a Dictionary> {
        let mut out = std::collections::BTreeMap::new();
        let Some(fonts) = resources.get(b"Font").ok().and_then(|f| self.doc.dereference(f).ok()).and_then(|(_, o)| o.as_dict().ok()) else { return out };
        for (name, f) in fonts.iter() {
            if let Some(d) = self.doc.dereference(f).ok().and_then(|(_, o)| o.as_dict().ok()) {
                out.insert(name.clone(), d);
            }
        }
        out
    }
}

/// The text of a text-showing operator's operands: strings through the font's encoding,
/// and in a TJ array, a large negative adjustment (a word gap) as a space.
fn collect(enc: &Encoding<'_>, operands: &[Operand<'_>], out: &mut String) {
    for o in operands {
        match o {
            Operand::Str(bytes) => {
                let _ = enc.write_to_string(bytes, out);
            }
            Operand::Array(items) => {
                for item in items {
                    match item {
                        Operand::Str(bytes) => {
                            let _ = enc.write_to_string(bytes, out);
                        }
                        Operand::Num(n) if *n < -200.0 && !out.ends_with(' ') => out.push(' '),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}
