//! The extracted text, bounded by `Limits::max_text`.

use crate::Unreadable;

/// Collects extracted text, refusing to grow past its bound, and keeps the structure
/// markers (newline, tab) from piling up.
pub(crate) struct Sink {
    text: String,
    max: usize,
}

impl Sink {
    pub(crate) fn new(max: usize) -> Self {
        Sink { text: String::new(), max }
    }

    /// Appends text; past the bound, `Err(Limits)`.
    pub(crate) fn push(&mut self, s: &str) -> Result<(), Unreadable> {
        if self.text.len().saturating_add(s.len()) > self.max {
            return Err(Unreadable::Limits);
        }
        self.text.push_str(s);
        Ok(())
    }

    /// Appends one character.
    pub(crate) fn push_char(&mut self, c: char) -> Result<(), Unreadable> {
        if self.text.len().saturating_add(c.len_utf8()) > self.max {
            return Err(Unreadable::Limits);
        }
        self.text.push(c);
        Ok(())
    }

    /// Ends a line (a paragraph, a row, a page): one newline, never a run of them, and
    /// none at the very start.
    pub(crate) fn newline(&mut self) -> Result<(), Unreadable> {
        while self.text.ends_with([' ', '\t']) {
            self.text.pop();
        }
        if self.text.is_empty() || self.text.ends_with('\n') {
            return Ok(());
        }
        self.push_char('\n')
    }

    /// Ends a table cell: a tab, unless the line is empty so far or ends in one.
    pub(crate) fn tab(&mut self) -> Result<(), Unreadable> {
        if self.text.is_empty() || self.text.ends_with(['\n', '\t']) {
            return Ok(());
        }
        self.push_char('\t')
    }

    /// A separating space, unless there is one already.
    pub(crate) fn space(&mut self) -> Result<(), Unreadable> {
        if self.text.is_empty() || self.text.ends_with([' ', '\t', '\n']) {
            return Ok(());
        }
        self.push_char(' ')
    }

    /// How many more bytes fit.
    pub(crate) fn room(&self) -> usize {
        self.max.saturating_sub(self.text.len())
    }

    pub(crate) fn is_empty_or_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    pub(crate) fn into_string(mut self) -> String {
        while self.text.ends_with([' ', '\t', '\n', '\r']) {
            self.text.pop();
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_tidy() {
        let mut s = Sink::new(8);
        assert!(s.newline().is_ok());
        assert!(s.push("abc").is_ok());
        assert!(s.tab().is_ok());
        assert!(s.newline().is_ok());
        assert!(s.newline().is_ok());
        assert!(s.push("de").is_ok());
        assert_eq!(s.push("fgh"), Err(Unreadable::Limits));
        assert_eq!(s.into_string(), "abc\nde\n");
    }
}
