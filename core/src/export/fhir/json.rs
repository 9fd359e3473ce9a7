//! A small JSON writer for the bundle: keys and values appended in order to one string.
//!
//! The bundle is written straight into text rather than built as a `serde_json::Value` tree:
//! the tree's code (one map insertion and conversion per field, each with its unwinding path)
//! cost the phone library about 0.1 MB of its 4 MB budget; these few methods cost a fraction.
//! What it writes is checked by reading it back with serde_json (the tests, the import), and
//! by HAPI's validator and the R4 JSON schema in CI.

use std::fmt::Write as _;

/// The text being written, and whether the next member needs a comma before it.
#[derive(Debug, Default)]
pub(super) struct Json {
    out: String,
    comma: bool,
}

impl Json {
    /// The text written.
    pub(super) fn finish(self) -> String {
        self.out
    }

    /// Starts a member: the comma after the one before, then `"key":` unless `key` is empty
    /// (an element of a list).
    fn member(&mut self, key: &str) {
        if self.comma {
            self.out.push(',');
        }
        if !key.is_empty() {
            quote(&mut self.out, key);
            self.out.push(':');
        }
        self.comma = true;
    }

    /// Opens an object (a member `key`, or a list element when `key` is empty).
    pub(super) fn open(&mut self, key: &str) {
        self.member(key);
        self.out.push('{');
        self.comma = false;
    }

    /// Closes the object opened last.
    pub(super) fn close(&mut self) {
        self.out.push('}');
        self.comma = true;
    }

    /// Opens a list.
    pub(super) fn list(&mut self, key: &str) {
        self.member(key);
        self.out.push('[');
        self.comma = false;
    }

    /// Closes the list opened last.
    pub(super) fn end_list(&mut self) {
        self.out.push(']');
        self.comma = true;
    }

    /// A text value.
    pub(super) fn text(&mut self, key: &str, value: &str) {
        self.member(key);
        quote(&mut self.out, value);
    }

    /// A whole number.
    pub(super) fn int(&mut self, key: &str, value: i64) {
        self.member(key);
        let _ = write!(self.out, "{value}");
    }

    /// A decimal number, written in its shortest form that reads back to the same value, with
    /// a fraction always (`40.0`, as serde_json writes it). Values are checked finite before
    /// they are stored; one that is not is written as 0.
    pub(super) fn num(&mut self, key: &str, value: f64) {
        self.member(key);
        if value.is_finite() {
            let start = self.out.len();
            let _ = write!(self.out, "{value}");
            if !self.out[start..].contains(['.', 'e']) {
                self.out.push_str(".0");
            }
        } else {
            self.out.push('0');
        }
    }

    /// `true` or `false`.
    pub(super) fn boolean(&mut self, key: &str, value: bool) {
        self.member(key);
        self.out.push_str(if value { "true" } else { "false" });
    }
}

/// `s` as a JSON string.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_writes_is_json_that_reads_back_the_same() {
        let mut j = Json::default();
        j.open("");
        j.text(
            "text",
            "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀",
        );
        j.int("int", -42);
        j.num("num", 0.35);
        j.num("whole", 40.0);
        j.boolean("yes", true);
        j.list("list");
        j.open("");
        j.close();
        j.int("", 3);
        j.end_list();
        j.close();
        let v: serde_json::Value = serde_json::from_str(&j.finish()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "text": "quote \" backslash \\ newline \n tab \t bell \u{7} é 😀",
                "int": -42,
                "num": 0.35,
                "whole": 40.0,
                "yes": true,
                "list": [{}, 3],
            })
        );
    }
}
