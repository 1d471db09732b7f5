//! OTLP's protobuf messages, written field by field with prost's wire
//! primitives.
//!
//! Records are encoded on the logging thread straight from borrowed values,
//! so no owned message tree is built per record: each nested message's
//! length is computed first (`*_len`), then the message is written after
//! its length prefix. Field numbers are those of
//! opentelemetry-proto's `common/v1/common.proto` and `logs/v1/logs.proto`.
//!
//! Varints are stored byte by byte here rather than through prost's
//! `encode_varint`, which goes through `BufMut` and copies each byte as a
//! one-byte slice: a record has some sixty keys and lengths, nearly all one
//! byte long, and that copying was a tenth of a log call's cost. A record
//! is written through a `Cursor` into room of its computed length.

use prost::encoding::{encoded_len_varint, key_len, WireType};

/// `AnyValue`, as an attribute or a body holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyValue {
    /// No value set: what OpenTelemetry's SDK sends for None.
    Empty,
    Str(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    Array(Vec<AnyValue>),
    KvList(Vec<(String, AnyValue)>),
    Bytes(Vec<u8>),
}

/// A borrowed scalar `AnyValue`: what the fast path reads from a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Empty,
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
}

// AnyValue's fields.
const STRING_VALUE: u32 = 1;
const BOOL_VALUE: u32 = 2;
const INT_VALUE: u32 = 3;
const DOUBLE_VALUE: u32 = 4;
const ARRAY_VALUE: u32 = 5;
const KVLIST_VALUE: u32 = 6;
const BYTES_VALUE: u32 = 7;
// KeyValue's, and ArrayValue's/KeyValueList's `values`.
const KEY: u32 = 1;
const VALUE: u32 = 2;
const VALUES: u32 = 1;

/// Bytes of a length-delimited field `tag` whose content is `len` bytes.
pub fn delimited_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// Where encoded bytes go: a growing `Vec`, or a `Cursor` over room whose
/// size was computed first.
pub trait Out {
    fn byte(&mut self, byte: u8);
    fn bytes(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    #[inline]
    fn byte(&mut self, byte: u8) {
        self.push(byte);
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes into room of a known size. A record's encoding computes its exact
/// length first, so the bytes are stored without growing or checking a
/// `Vec`'s capacity one by one. Bytes past the end are counted, not stored:
/// `filled` then says the length was wrong, and nothing panics.
pub struct Cursor<'a> {
    room: &'a mut [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(room: &'a mut [u8]) -> Cursor<'a> {
        Cursor { room, at: 0 }
    }

    /// Whether exactly the whole room was written.
    pub fn filled(&self) -> bool {
        self.at == self.room.len()
    }
}

impl Out for Cursor<'_> {
    #[inline]
    fn byte(&mut self, byte: u8) {
        if let Some(slot) = self.room.get_mut(self.at) {
            *slot = byte;
        }
        self.at += 1;
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) {
        let end = self.at + bytes.len();
        if let Some(slots) = self.room.get_mut(self.at..end) {
            slots.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

/// Appends `value` as a varint.
#[inline]
fn put_raw_varint<O: Out + ?Sized>(mut value: u64, out: &mut O) {
    while value >= 0x80 {
        out.byte(value as u8 | 0x80);
        value >>= 7;
    }
    out.byte(value as u8);
}

/// Appends a field's key: its number and wire type.
#[inline]
fn put_key<O: Out + ?Sized>(tag: u32, wire_type: WireType, out: &mut O) {
    put_raw_varint(u64::from(tag << 3 | wire_type as u32), out);
}

#[inline]
pub fn put_delimited_head<O: Out + ?Sized>(tag: u32, len: usize, out: &mut O) {
    put_key(tag, WireType::LengthDelimited, out);
    put_raw_varint(len as u64, out);
}

#[inline]
pub fn put_bytes<O: Out + ?Sized>(tag: u32, bytes: &[u8], out: &mut O) {
    put_delimited_head(tag, bytes.len(), out);
    out.bytes(bytes);
}

#[inline]
pub fn put_varint<O: Out + ?Sized>(tag: u32, value: u64, out: &mut O) {
    put_key(tag, WireType::Varint, out);
    put_raw_varint(value, out);
}

#[inline]
pub fn put_fixed64<O: Out + ?Sized>(tag: u32, value: u64, out: &mut O) {
    put_key(tag, WireType::SixtyFourBit, out);
    out.bytes(&value.to_le_bytes());
}

#[inline]
pub fn put_fixed32<O: Out + ?Sized>(tag: u32, value: u32, out: &mut O) {
    put_key(tag, WireType::ThirtyTwoBit, out);
    out.bytes(&value.to_le_bytes());
}

fn varint_field_len(tag: u32, value: u64) -> usize {
    key_len(tag) + encoded_len_varint(value)
}

impl Scalar<'_> {
    /// The `AnyValue` message's length.
    pub fn encoded_len(&self) -> usize {
        match self {
            Scalar::Empty => 0,
            Scalar::Str(text) => delimited_len(STRING_VALUE, text.len()),
            Scalar::Bool(_) => varint_field_len(BOOL_VALUE, 1),
            // int64 is written as its two's complement, as protobuf does.
            Scalar::Int(number) => varint_field_len(INT_VALUE, *number as u64),
            Scalar::Double(_) => key_len(DOUBLE_VALUE) + 8,
        }
    }

    /// The `AnyValue` message's content.
    #[inline]
    pub fn put<O: Out + ?Sized>(&self, out: &mut O) {
        match self {
            Scalar::Empty => {}
            Scalar::Str(text) => put_bytes(STRING_VALUE, text.as_bytes(), out),
            Scalar::Bool(value) => put_varint(BOOL_VALUE, u64::from(*value), out),
            Scalar::Int(number) => put_varint(INT_VALUE, *number as u64, out),
            Scalar::Double(number) => put_fixed64(DOUBLE_VALUE, number.to_bits(), out),
        }
    }
}

impl AnyValue {
    fn scalar(&self) -> Option<Scalar<'_>> {
        Some(match self {
            AnyValue::Empty => Scalar::Empty,
            AnyValue::Str(text) => Scalar::Str(text),
            AnyValue::Bool(value) => Scalar::Bool(*value),
            AnyValue::Int(number) => Scalar::Int(*number),
            AnyValue::Double(number) => Scalar::Double(*number),
            _ => return None,
        })
    }

    /// The `AnyValue` message's length.
    pub fn encoded_len(&self) -> usize {
        if let Some(scalar) = self.scalar() {
            return scalar.encoded_len();
        }
        match self {
            AnyValue::Array(items) => delimited_len(ARRAY_VALUE, array_len(items)),
            AnyValue::KvList(pairs) => delimited_len(KVLIST_VALUE, kvlist_len(pairs)),
            AnyValue::Bytes(bytes) => delimited_len(BYTES_VALUE, bytes.len()),
            _ => 0,
        }
    }

    /// The `AnyValue` message's content.
    pub fn put<O: Out + ?Sized>(&self, out: &mut O) {
        if let Some(scalar) = self.scalar() {
            return scalar.put(out);
        }
        match self {
            AnyValue::Array(items) => {
                put_delimited_head(ARRAY_VALUE, array_len(items), out);
                for item in items {
                    put_delimited_head(VALUES, item.encoded_len(), out);
                    item.put(out);
                }
            }
            AnyValue::KvList(pairs) => {
                put_delimited_head(KVLIST_VALUE, kvlist_len(pairs), out);
                for (key, value) in pairs {
                    put_key_value(VALUES, key, value, out);
                }
            }
            AnyValue::Bytes(bytes) => put_bytes(BYTES_VALUE, bytes, out),
            _ => {}
        }
    }
}

fn array_len(items: &[AnyValue]) -> usize {
    items
        .iter()
        .map(|item| delimited_len(VALUES, item.encoded_len()))
        .sum()
}

fn kvlist_len(pairs: &[(String, AnyValue)]) -> usize {
    pairs
        .iter()
        .map(|(key, value)| key_value_len(VALUES, key, value))
        .sum()
}

/// Something that can be an `AnyValue`: an owned tree or a borrowed scalar.
pub trait Value {
    /// Bytes of the message's content.
    fn encoded_len(&self) -> usize;
    fn put<O: Out + ?Sized>(&self, out: &mut O);
}

impl Value for AnyValue {
    fn encoded_len(&self) -> usize {
        AnyValue::encoded_len(self)
    }
    fn put<O: Out + ?Sized>(&self, out: &mut O) {
        AnyValue::put(self, out)
    }
}

impl Value for Scalar<'_> {
    #[inline]
    fn encoded_len(&self) -> usize {
        Scalar::encoded_len(self)
    }
    #[inline]
    fn put<O: Out + ?Sized>(&self, out: &mut O) {
        Scalar::put(self, out)
    }
}

impl<V: Value + ?Sized> Value for &V {
    #[inline]
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    #[inline]
    fn put<O: Out + ?Sized>(&self, out: &mut O) {
        (**self).put(out)
    }
}

/// Bytes of a `KeyValue` written as field `tag`.
pub fn key_value_len<V: Value + ?Sized>(tag: u32, key: &str, value: &V) -> usize {
    delimited_len(tag, key_value_content_len(key, value.encoded_len()))
}

fn key_value_content_len(key: &str, value_len: usize) -> usize {
    delimited_len(KEY, key.len()) + delimited_len(VALUE, value_len)
}

/// Writes a `KeyValue` as field `tag`.
#[inline]
pub fn put_key_value<V: Value + ?Sized, O: Out + ?Sized>(
    tag: u32,
    key: &str,
    value: &V,
    out: &mut O,
) {
    let value_len = value.encoded_len();
    put_delimited_head(tag, key_value_content_len(key, value_len), out);
    put_bytes(KEY, key.as_bytes(), out);
    put_delimited_head(VALUE, value_len, out);
    value.put(out);
}

/// Writes an `AnyValue` as field `tag`.
#[inline]
pub fn put_any_value<V: Value + ?Sized, O: Out + ?Sized>(tag: u32, value: &V, out: &mut O) {
    put_delimited_head(tag, value.encoded_len(), out);
    value.put(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_attribute_is_key_value_with_string_value() {
        let mut out = Vec::new();
        put_key_value(6, "k", &Scalar::Str("v"), &mut out);
        // field 6 (len 8): key "k", value AnyValue{string_value "v"}
        assert_eq!(out, [0x32, 8, 0x0a, 1, b'k', 0x12, 3, 0x0a, 1, b'v']);
        assert_eq!(out.len(), key_value_len(6, "k", &Scalar::Str("v")));
    }

    #[test]
    fn varints_and_keys_are_prosts() {
        let values = [
            0,
            1,
            0x7f,
            0x80,
            300,
            0x3fff,
            0x4000,
            u64::from(u32::MAX),
            u64::MAX,
        ];
        for value in values {
            let (mut ours, mut prosts) = (Vec::new(), Vec::new());
            put_raw_varint(value, &mut ours);
            prost::encoding::encode_varint(value, &mut prosts);
            assert_eq!(ours, prosts, "{value}");
        }
        for tag in [1, 15, 16, 2047, 2048, 1 << 20] {
            for wire_type in [WireType::Varint, WireType::LengthDelimited] {
                let (mut ours, mut prosts) = (Vec::new(), Vec::new());
                put_key(tag, wire_type, &mut ours);
                prost::encoding::encode_key(tag, wire_type, &mut prosts);
                assert_eq!(ours, prosts, "{tag}");
            }
        }
    }

    #[test]
    fn a_cursor_fills_its_room_or_says_it_did_not() {
        let value = Scalar::Str("value");
        let len = key_value_len(6, "key", &value);
        let mut vec = Vec::new();
        put_key_value(6, "key", &value, &mut vec);
        for room_len in [len - 1, len, len + 1] {
            let mut room = vec![0; room_len];
            let mut cursor = Cursor::new(&mut room);
            put_key_value(6, "key", &value, &mut cursor);
            assert_eq!(cursor.filled(), room_len == len, "room of {room_len}");
            if room_len == len {
                assert_eq!(room, vec);
            }
        }
    }

    #[test]
    fn negative_ints_take_ten_bytes_as_protobuf_writes_int64() {
        let value = Scalar::Int(-1);
        let mut out = Vec::new();
        value.put(&mut out);
        assert_eq!(out.len(), 11);
        assert_eq!(value.encoded_len(), 11);
    }

    #[test]
    fn nested_lengths_match_what_is_written() {
        let value = AnyValue::KvList(vec![
            (
                "a".into(),
                AnyValue::Array(vec![AnyValue::Int(1), AnyValue::Str("x".repeat(200))]),
            ),
            ("b".into(), AnyValue::Bytes(vec![0, 1, 2])),
            ("c".into(), AnyValue::Double(0.5)),
            ("d".into(), AnyValue::Bool(true)),
        ]);
        let mut out = Vec::new();
        value.put(&mut out);
        assert_eq!(out.len(), value.encoded_len());
    }
}
