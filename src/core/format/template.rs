//! Compiling a `%`-style format string once into literal text and field specs.
//!
//! A template is parsed when a formatter is built, never per record. The parser
//! follows the grammar of Python's `%` operator (`%(key)flags width.prec conv`,
//! `%%`), including nested parentheses inside a key, and reports the errors
//! Python reports for malformed strings.

use std::fmt;

use super::brace::{self, BraceSpec};
use super::field::Field;
use super::printf::{Conversion, Spec, MAX_NATIVE_WIDTH};

/// What a `%` spec refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// `%(name)s`: a record attribute or extra field.
    Named(Field),
    /// `%s`: the next positional argument.
    Positional(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Literal(String),
    /// A `%` spec, or a `$` placeholder (which prints `str(value)`).
    Field {
        key: Key,
        spec: Spec,
    },
    /// A `{field!s:spec}` replacement field.
    Brace {
        field: Field,
        str_first: bool,
        spec: BraceSpec,
    },
}

/// The three format styles of `logging.Formatter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Percent,
    Brace,
    Dollar,
}

/// A parsed format string.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// Why a format string could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// Python's `%` would raise ValueError with this message.
    Invalid(String),
    /// Valid for Python, but not something this engine renders natively.
    Unsupported(String),
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Invalid(message) | TemplateError::Unsupported(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for TemplateError {}

impl Template {
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        Parser::new(source).run()
    }

    /// Parses `source` in the given style.
    pub fn parse_style(source: &str, style: Style) -> Result<Template, TemplateError> {
        let pieces = match style {
            Style::Percent => return Template::parse(source),
            Style::Brace => brace::parse_brace(source)?,
            Style::Dollar => brace::parse_dollar(source)?,
        };
        Ok(Template {
            source: source.to_owned(),
            pieces,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// The named fields, in order of appearance.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.pieces.iter().filter_map(|piece| match piece {
            Piece::Field {
                key: Key::Named(field),
                ..
            }
            | Piece::Brace { field, .. } => Some(field),
            _ => None,
        })
    }

    pub fn positional_count(&self) -> usize {
        self.pieces
            .iter()
            .filter(|piece| {
                matches!(
                    piece,
                    Piece::Field {
                        key: Key::Positional(_),
                        ..
                    }
                )
            })
            .count()
    }
}

struct Parser<'a> {
    source: &'a str,
    chars: Vec<(usize, char)>,
    at: usize,
    pieces: Vec<Piece>,
    literal: String,
    positional: usize,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Parser {
            source,
            chars: source.char_indices().collect(),
            at: 0,
            pieces: Vec::new(),
            literal: String::new(),
            positional: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|(_, c)| *c)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        self.at += 1;
        c
    }

    fn run(mut self) -> Result<Template, TemplateError> {
        while let Some(c) = self.bump() {
            if c != '%' {
                self.literal.push(c);
                continue;
            }
            self.spec()?;
        }
        if !self.literal.is_empty() {
            self.pieces
                .push(Piece::Literal(std::mem::take(&mut self.literal)));
        }
        Ok(Template {
            source: self.source.to_owned(),
            pieces: self.pieces,
        })
    }

    /// Parses one spec; the leading `%` is consumed.
    fn spec(&mut self) -> Result<(), TemplateError> {
        let key = if self.peek() == Some('(') {
            self.bump();
            Key::Named(Field::from_name(&self.key()?))
        } else {
            Key::Positional(self.positional)
        };
        let mut spec = Spec::plain(Conversion::Str);
        while let Some(flag) = self.peek() {
            match flag {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alternate = true,
                '0' => spec.zero = true,
                _ => break,
            }
            self.bump();
        }
        spec.width = self.number()?.unwrap_or(0);
        if self.peek() == Some('.') {
            self.bump();
            spec.precision = Some(self.number()?.unwrap_or(0));
        }
        while matches!(self.peek(), Some('h' | 'l' | 'L')) {
            self.bump();
        }
        let index = self.at;
        let conversion = match self.bump() {
            None => return Err(TemplateError::Invalid("incomplete format".into())),
            Some('%')
                if matches!(key, Key::Positional(_)) && spec == Spec::plain(Conversion::Str) =>
            {
                self.literal.push('%');
                return Ok(());
            }
            Some(c) => match Conversion::from_char(c) {
                Some(conversion) => conversion,
                None if c == 'c' || c == '%' => {
                    return Err(TemplateError::Unsupported(format!(
                        "the %{c} conversion is not rendered natively"
                    )))
                }
                None => {
                    return Err(TemplateError::Invalid(format!(
                        "unsupported format character '{c}' ({:#x}) at index {}",
                        c as u32, index
                    )))
                }
            },
        };
        spec.conversion = conversion;
        if let Key::Positional(_) = key {
            self.positional += 1;
        }
        if !self.literal.is_empty() {
            self.pieces
                .push(Piece::Literal(std::mem::take(&mut self.literal)));
        }
        self.pieces.push(Piece::Field { key, spec });
        Ok(())
    }

    /// Reads a key up to its matching `)`; parentheses nest, as in Python.
    fn key(&mut self) -> Result<String, TemplateError> {
        let mut depth = 1;
        let mut key = String::new();
        loop {
            match self.bump() {
                None => return Err(TemplateError::Invalid("incomplete format key".into())),
                Some('(') => depth += 1,
                Some(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(key);
                    }
                }
                Some(_) => {}
            }
            if let Some(c) = self.chars.get(self.at - 1).map(|(_, c)| *c) {
                key.push(c);
            }
        }
    }

    fn number(&mut self) -> Result<Option<usize>, TemplateError> {
        if self.peek() == Some('*') {
            return Err(TemplateError::Unsupported(
                "a '*' width or precision is not rendered natively".into(),
            ));
        }
        let mut value: Option<usize> = None;
        while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
            self.bump();
            value = Some(
                value
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(digit as usize))
                    .ok_or_else(|| TemplateError::Invalid("width too big".into()))?,
            );
        }
        if value.is_some_and(|value| value > MAX_NATIVE_WIDTH) {
            return Err(TemplateError::Unsupported(format!(
                "a width or precision above {MAX_NATIVE_WIDTH} is not rendered natively"
            )));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_literals() {
        let template = Template::parse("%(asctime)s %(levelname)-8s [%(name)s] %(message)s")
            .expect("valid template");
        let fields: Vec<&Field> = template.fields().collect();
        assert_eq!(
            fields,
            vec![
                &Field::Asctime,
                &Field::LevelName,
                &Field::Name,
                &Field::Message
            ]
        );
        match &template.pieces()[2] {
            Piece::Field { spec, .. } => {
                assert!(spec.left);
                assert_eq!(spec.width, 8);
            }
            other => panic!("expected a field, got {other:?}"),
        }
    }

    #[test]
    fn percent_percent_is_a_literal() {
        let template = Template::parse("100%% %(message)s").expect("valid template");
        assert_eq!(template.pieces()[0], Piece::Literal("100% ".into()));
    }

    #[test]
    fn nested_parentheses_belong_to_the_key() {
        let template = Template::parse("%(a(b))s").expect("valid template");
        assert_eq!(
            template.fields().collect::<Vec<_>>(),
            vec![&Field::Extra("a(b)".into())]
        );
    }

    #[test]
    fn positional_specs_are_numbered() {
        let template = Template::parse("%s,%03d").expect("valid template");
        assert_eq!(template.positional_count(), 2);
    }

    #[test]
    fn malformed_strings_get_pythons_messages() {
        assert_eq!(
            Template::parse("%(message)"),
            Err(TemplateError::Invalid("incomplete format".into()))
        );
        assert_eq!(
            Template::parse("%(message"),
            Err(TemplateError::Invalid("incomplete format key".into()))
        );
        assert_eq!(
            Template::parse("ab %(message)q"),
            Err(TemplateError::Invalid(
                "unsupported format character 'q' (0x71) at index 13".into()
            ))
        );
    }
}
