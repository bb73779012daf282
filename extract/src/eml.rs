//! E-mail messages (RFC 5322 with MIME): Subject, From, To and Cc, then every text/plain and
//! text/html part (quoted-printable and base64 decoded, charsets converted by mail-parser),
//! attached messages, and attachments that are themselves extractable, one level deeper
//! each, up to `Limits::max_depth`.

use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};

use crate::{Limits, Sink, Unreadable};

/// Whether the start of a text file is a message's header block: it opens with a header
/// field, and among its first fields are at least two that every message has.
pub(crate) fn looks_like_mail(head: &str) -> bool {
    const KNOWN: &[&str] = &["from", "to", "subject", "date", "message-id", "mime-version", "received", "return-path", "content-type", "delivered-to", "reply-to", "cc", "x-mailer", "dkim-signature", "sender"];
    let mut known = 0;
    for (n, line) in head.lines().enumerate() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else { return false };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            // The mbox "From " separator line may come first.
            if n == 0 && line.starts_with("From ") {
                continue;
            }
            return false;
        }
        if KNOWN.contains(&name.to_ascii_lowercase().as_str()) {
            known += 1;
        }
        if known >= 2 {
            return true;
        }
    }
    false
}

/// Appends the text of a message to `sink`.
pub(crate) fn extract(bytes: &[u8], limits: &Limits, depth: usize, inflated: &mut u64, sink: &mut Sink) -> Result<(), Unreadable> {
    let message = MessageParser::default().parse(bytes).ok_or(Unreadable::Malformed)?;
    message_text(&message, limits, depth, inflated, sink)
}

fn address(label: &str, a: Option<&Address<'_>>, sink: &mut Sink) -> Result<(), Unreadable> {
    let Some(a) = a else { return Ok(()) };
    sink.push(label)?;
    for (i, addr) in a.iter().enumerate() {
        if i > 0 {
            sink.push(",")?;
        }
        if let Some(name) = addr.name() {
            sink.push(" ")?;
            sink.push(name)?;
        }
        if let Some(address) = addr.address() {
            sink.push(" <")?;
            sink.push(address)?;
            sink.push(">")?;
        }
    }
    sink.newline()
}

fn message_text(message: &Message<'_>, limits: &Limits, depth: usize, inflated: &mut u64, sink: &mut Sink) -> Result<(), Unreadable> {
    if depth > limits.max_depth {
        return Err(Unreadable::Limits);
    }
    check_part_depth(message, limits, depth)?;
    if let Some(subject) = message.subject() {
        sink.push("Subject: ")?;
        sink.push(subject)?;
        sink.newline()?;
    }
    address("From:", message.from(), sink)?;
    address("To:", message.to(), sink)?;
    address("Cc:", message.cc(), sink)?;
    sink.newline()?;
    for part in &message.parts {
        match &part.body {
            PartType::Text(text) => {
                sink.push(text)?;
                sink.newline()?;
            }
            PartType::Html(html) => {
                crate::html::extract(html, sink)?;
                sink.newline()?;
            }
            PartType::Message(inner) => message_text(inner, limits, depth + 1, inflated, sink)?,
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                let name = part.attachment_name().unwrap_or("");
                let mime = part.content_type().map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))).unwrap_or_default();
                // One budget for the whole message: many attachments are no way around it.
                match crate::extract_at(bytes, name, &mime, limits, depth + 1, inflated) {
                    Ok(got) => {
                        sink.push(&got.text)?;
                        sink.newline()?;
                    }
                    // Pictures in signatures and letterheads are everywhere, and a binary
                    // part (a calendar's data, a signature) is no document text.
                    Err(Unreadable::Image | Unreadable::Binary) => {}
                    // An attachment that cannot be read makes the message unreadable: its
                    // contents go wherever the message goes.
                    Err(why) => return Err(why),
                }
            }
            PartType::Multipart(_) => {}
        }
    }
    Ok(())
}

/// The multipart tree of one message (mail-parser flattens it into a list) may be no deeper
/// than the limit either.
fn check_part_depth(message: &Message<'_>, limits: &Limits, depth: usize) -> Result<(), Unreadable> {
    let mut stack = vec![(0u32, depth)];
    let mut seen = 0usize;
    while let Some((id, d)) = stack.pop() {
        if d > limits.max_depth {
            return Err(Unreadable::Limits);
        }
        seen += 1;
        if seen > message.parts.len() {
            break;
        }
        if let Some(PartType::Multipart(children)) = message.parts.get(id as usize).map(|p| &p.body) {
            stack.extend(children.iter().map(|&c| (c, d + 1)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like() {
        assert!(looks_like_mail("From: a@b.c\r\nTo: d@e.f\r\nSubject: x\r\n\r\nbody"));
        assert!(looks_like_mail("Received: from x\n\tby y\nFrom: a@b.c\n"));
        assert!(!looks_like_mail("From: a@b.c\n\nSubject: x"));
        assert!(!looks_like_mail("Dear Sir: hello\nTo: you"));
        assert!(!looks_like_mail("SSN 123-45-6789"));
    }
}
