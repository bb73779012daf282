//! Extraction throughput on a ~10 MB PDF and a ~10 MB DOCX, built here in the style of the
//! fixtures (tests/fixtures/make.py): the PDF's pages are Flate-compressed content streams in
//! standard Helvetica (and a photo), the DOCX is the python-docx fixture with its body replaced by
//! paragraphs of several runs. The words are drawn pseudo-randomly from a vocabulary, so the
//! files compress like prose rather than like one repeated line. Reported as MB/s of file;
//! the text each yields is printed too (25 to 28 MB from each).

use std::hint::black_box;
use std::io::{Cursor, Read, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifeguard_extract::{Format, Limits, extract};
use lopdf::{Document, Object, Stream, dictionary};

const TARGET: usize = 10 << 20;
const WORDS: &[&str] = &[
    "the", "city", "council", "employee", "record", "department", "public", "works", "permit", "inspection", "budget", "fiscal", "year", "report", "resident", "service", "request", "water", "street", "parks",
    "library", "police", "fire", "planning", "zoning", "meeting", "agenda", "minutes", "contract", "vendor", "invoice", "payment", "approved", "pending", "review", "manager", "director", "clerk", "office", "hall",
];

/// xorshift64: reproducible bytes and words, no dependency.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `n` bytes of noise: a picture's, which holds no text.
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 32) as u8).collect()
    }
}

/// A stream of pseudo-random sentences, with an SSN every 97th line.
struct Prose(Xorshift, usize);

impl Prose {
    fn new(seed: u64) -> Prose {
        Prose(Xorshift(seed), 0)
    }

    fn line(&mut self) -> String {
        self.1 += 1;
        let mut s = String::new();
        for _ in 0..12 {
            s.push_str(WORDS[(self.0.next() % WORDS.len() as u64) as usize]);
            s.push(' ');
        }
        s.push_str(&format!("{}.", if self.1.is_multiple_of(97) { "SSN 123-45-6789".to_string() } else { format!("no {}", self.0 .0 % 10_000) }));
        s
    }
}

fn big_pdf() -> Vec<u8> {
    let mut prose = Prose::new(0x9e37_79b9_7f4a_7c15);
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding" });
    // A photo on the first page, as most large PDFs have (JPEG data is not inflated).
    let photo = Xorshift(0x1234_5678_9abc_def1).bytes(TARGET / 4);
    let photo_id = doc.add_object(Stream::new(dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 1600, "Height" => 1200, "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode" }, photo));
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id }, "XObject" => dictionary! { "Im1" => photo_id } });
    let mut kids = Vec::new();
    let mut compressed = TARGET / 4;
    while compressed < TARGET {
        let mut content = String::from(if kids.is_empty() { "q 160 0 0 120 36 600 cm /Im1 Do Q\n" } else { "" });
        content.push_str("BT /F1 9 Tf 11 TL 36 750 Td\n");
        for _ in 0..64 {
            content.push_str(&format!("({}) Tj T*\n", prose.line()));
        }
        content.push_str("ET\n");
        let mut stream = Stream::new(dictionary! {}, content.into_bytes());
        let _ = stream.compress();
        compressed += stream.content.len() + 160;
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()] });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

fn big_docx() -> Vec<u8> {
    let fixture = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/split-runs.docx")).expect("fixture");
    let mut src = zip::ZipArchive::new(Cursor::new(fixture)).expect("zip");
    let mut prose = Prose::new(0x2545_f491_4f6c_dd1d);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..src.len() {
        let mut f = src.by_index(i).expect("entry");
        let name = f.name().expect("name").into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read");
        if name == "word/document.xml" {
            let xml = String::from_utf8(data).expect("utf8");
            let body_end = xml.rfind("<w:sectPr").expect("sectPr");
            let mut doc = xml[..body_end].to_string();
            // ~6x compression for this prose: 45 MB of XML, 7.5 MB deflated, 28 MB of text
            // (under the 32 MiB text limit).
            while doc.len() < TARGET * 6 - (2 << 20) {
                let line = prose.line();
                let (a, b) = line.split_at(line.len() / 2);
                doc.push_str(&format!(r#"<w:p><w:r><w:t xml:space="preserve">{a}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{b}</w:t></w:r></w:p>"#));
            }
            doc.push_str(&xml[body_end..]);
            data = doc.into_bytes();
        }
        out.start_file(name, deflate).expect("start");
        out.write_all(&data).expect("write");
    }
    // The rest of the 10 MB is a picture, as in most large documents (its bytes are not
    // inflated or parsed, as they hold no text).
    let written = out.get_ref().map(|c| c.get_ref().len()).unwrap_or(0);
    let picture = Xorshift(0x1234_5678_9abc_def1).bytes(TARGET.saturating_sub(written));
    out.start_file("word/media/image1.png", zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).expect("start");
    out.write_all(b"\x89PNG\r\n\x1a\n").expect("write");
    out.write_all(&picture).expect("write");
    out.finish().expect("finish").into_inner()
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    for (name, bytes, format) in [("pdf_10mb", big_pdf(), Format::Pdf), ("docx_10mb", big_docx(), Format::Docx)] {
        // The same files for measuring elsewhere (the extension in Chromium, the wasm module
        // in Node): LIFEGUARD_BENCH_OUT=dir cargo bench -p lifeguard-extract.
        if let Some(dir) = std::env::var_os("LIFEGUARD_BENCH_OUT") {
            let ext = if format == Format::Pdf { "pdf" } else { "docx" };
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.{ext}")), &bytes).expect("write");
        }
        let got = extract(&bytes, name, "", &limits).expect("readable");
        assert_eq!(got.format, format);
        assert!(got.text.contains("SSN 123-45-6789"));
        eprintln!("{name}: {} bytes of file, {} bytes of text", bytes.len(), got.text.len());
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| b.iter(|| extract(black_box(&bytes), name, "", &limits).map(|e| e.text.len())));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
