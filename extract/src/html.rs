//! The text of HTML, as a reader sees it: character references decoded, script and style
//! skipped, block elements ending lines and table cells ending in tabs.

use html5gum::{DefaultEmitter, Token, Tokenizer};

use crate::{Sink, Unreadable};

/// Whether the start of a text file is HTML markup.
pub(crate) fn looks_like_html(head: &str) -> bool {
    let t = head.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let lower: String = t.chars().take(64).collect::<String>().to_ascii_lowercase();
    lower.starts_with("<!doctype html") || lower.starts_with("<html") || (lower.starts_with("<!--") && head.to_ascii_lowercase().contains("<html"))
}

/// Elements whose end (or start) breaks the line.
fn is_block(name: &[u8]) -> bool {
    matches!(
        name,
        b"p" | b"div" | b"br" | b"li" | b"ul" | b"ol" | b"tr" | b"table" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"pre" | b"blockquote" | b"section" | b"article" | b"header" | b"footer" | b"hr" | b"dt" | b"dd" | b"title" | b"address" | b"figcaption" | b"caption" | b"option" | b"textarea" | b"body" | b"head" | b"nav" | b"aside" | b"main" | b"form" | b"fieldset" | b"legend" | b"details" | b"summary"
    )
}

/// Elements whose contents are not text a reader sees.
fn is_hidden(name: &[u8]) -> bool {
    matches!(name, b"script" | b"style" | b"noembed" | b"template" | b"svg" | b"math" | b"object" | b"iframe")
}

/// Appends the text of `html` to `sink`.
pub(crate) fn extract(html: &str, sink: &mut Sink) -> Result<(), Unreadable> {
    let mut emitter = DefaultEmitter::default();
    // Script, style, textarea and title content is raw text, as in a browser.
    emitter.naively_switch_states(true);
    let mut hidden: Option<Vec<u8>> = None;
    let mut pre = 0usize;
    let mut kept = String::new();
    for token in Tokenizer::new_with_emitter(html, emitter) {
        let Ok(token) = token;
        match token {
            Token::StartTag(tag) => {
                let name = tag.name.0.to_ascii_lowercase();
                if hidden.is_some() {
                    continue;
                }
                if is_hidden(&name) && !tag.self_closing {
                    hidden = Some(name);
                    continue;
                }
                // A link's address and a title stay with the content an editor inserts: read
                // them too, after the text (a number hidden in a link is found).
                for attr in [b"href".as_slice(), b"title".as_slice()] {
                    if let Some(v) = tag.attributes.get(attr) {
                        if !v.is_empty() && !v.starts_with(b"javascript:") && kept.len() + v.len() < KEPT_MAX {
                            kept.push('\n');
                            kept.push_str(&String::from_utf8_lossy(v));
                        }
                    }
                }
                match name.as_slice() {
                    b"td" | b"th" => sink.tab()?,
                    b"pre" => pre += 1,
                    b"img" => {
                        if let Some(alt) = tag.attributes.get(b"alt".as_slice()) {
                            sink.space()?;
                            sink.push(&String::from_utf8_lossy(alt))?;
                            sink.space()?;
                        }
                    }
                    n if is_block(n) => sink.newline()?,
                    _ => {}
                }
            }
            Token::EndTag(tag) => {
                let name = tag.name.0.to_ascii_lowercase();
                if let Some(h) = &hidden {
                    if *h == name {
                        hidden = None;
                    }
                    continue;
                }
                match name.as_slice() {
                    b"td" | b"th" => sink.tab()?,
                    b"pre" => {
                        pre = pre.saturating_sub(1);
                        sink.newline()?;
                    }
                    n if is_block(n) => sink.newline()?,
                    _ => {}
                }
            }
            Token::String(s) if hidden.is_none() => {
                let s = String::from_utf8_lossy(&s.value);
                if pre > 0 {
                    sink.push(&s)?;
                } else {
                    push_collapsed(&s, sink)?;
                }
            }
            _ => {}
        }
    }
    if !kept.is_empty() {
        sink.newline()?;
        sink.push(&kept[1..])?;
    }
    Ok(())
}

/// At most this much of links' addresses and titles is read (the sink bounds the text too).
const KEPT_MAX: usize = 1 << 20;

/// White space collapsed as HTML renders it outside `<pre>`: runs of ASCII white space are
/// one space (no-break spaces are kept, the engine reads them).
fn push_collapsed(s: &str, sink: &mut Sink) -> Result<(), Unreadable> {
    let mut rest = s;
    while !rest.is_empty() {
        match rest.find([' ', '\t', '\n', '\r', '\x0c']) {
            None => return sink.push(rest),
            Some(i) => {
                sink.push(&rest[..i])?;
                sink.space()?;
                rest = rest[i..].trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        let mut s = Sink::new(1 << 20);
        assert!(extract(html, &mut s).is_ok());
        s.into_string()
    }

    #[test]
    fn text_of_html() {
        assert_eq!(
            text("<html><head><title>T</title><style>p{color:red}</style><script>if (a<b) { x = '<p>secret</p>' }</script></head><body><p>SSN&nbsp;123&#8209;45-6789</p><table><tr><td>Name</td><td>Jo &amp; Al</td></tr></table></body></html>"),
            "T\nSSN\u{a0}123\u{2011}45-6789\nName\tJo & Al\n"
        );
        assert_eq!(text("<p>SSN <b>123-45-</b><i>6789</i></p>"), "SSN 123-45-6789\n");
        assert_eq!(text(r#"<p>See the <a href="https://r.example/?ssn=123-45-6789" title="SSN 123-45-6789">record</a>.</p><a href="javascript:x()">y</a>"#), "See the record.\ny\nhttps://r.example/?ssn=123-45-6789\nSSN 123-45-6789\n");
    }
}
