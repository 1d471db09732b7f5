//! `ExportLogsServiceRequest` bodies, assembled on the worker from journal
//! frames: one `ResourceLogs` (the handler's resource), one `ScopeLogs` per
//! logger name in order of first appearance, the records' bytes as encoded.

use std::collections::HashMap;

use super::log_record::Frame;
use super::wire::{
    delimited_len, key_value_len, put_bytes, put_delimited_head, put_key_value, AnyValue,
};

// ExportLogsServiceRequest.resource_logs, ResourceLogs.resource and
// .scope_logs, Resource.attributes, ScopeLogs.scope and .log_records,
// InstrumentationScope.name.
const RESOURCE_LOGS: u32 = 1;
const RESOURCE: u32 = 1;
const SCOPE_LOGS: u32 = 2;
const RESOURCE_ATTRIBUTES: u32 = 1;
const SCOPE: u32 = 1;
const LOG_RECORDS: u32 = 2;
const SCOPE_NAME: u32 = 1;

/// The `Resource` message, encoded once per handler.
pub fn encode_resource(attributes: &[(String, AnyValue)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in attributes {
        put_key_value(RESOURCE_ATTRIBUTES, key, value, &mut out);
    }
    out
}

fn scope_logs_len(scope: &[u8], records: &[&[u8]]) -> usize {
    let scope_message = if scope.is_empty() {
        0
    } else {
        delimited_len(SCOPE_NAME, scope.len())
    };
    delimited_len(SCOPE, scope_message)
        + records
            .iter()
            .map(|record| delimited_len(LOG_RECORDS, record.len()))
            .sum::<usize>()
}

/// The request body for `frames` (at least one), with `resource`.
pub fn encode_request<'a>(resource: &[u8], frames: impl Iterator<Item = Frame<'a>>) -> Vec<u8> {
    let mut scopes: Vec<(&[u8], Vec<&[u8]>)> = Vec::new();
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    for frame in frames {
        let slot = *index.entry(frame.scope).or_insert_with(|| {
            scopes.push((frame.scope, Vec::new()));
            scopes.len() - 1
        });
        scopes[slot].1.push(frame.record);
    }
    let scope_lens: Vec<usize> = scopes
        .iter()
        .map(|(scope, records)| scope_logs_len(scope, records))
        .collect();
    let resource_logs_len = delimited_len(RESOURCE, resource.len())
        + scope_lens
            .iter()
            .map(|len| delimited_len(SCOPE_LOGS, *len))
            .sum::<usize>();
    let mut out = Vec::with_capacity(delimited_len(RESOURCE_LOGS, resource_logs_len));
    put_delimited_head(RESOURCE_LOGS, resource_logs_len, &mut out);
    put_bytes(RESOURCE, resource, &mut out);
    for ((scope, records), len) in scopes.iter().zip(scope_lens) {
        put_delimited_head(SCOPE_LOGS, len, &mut out);
        if scope.is_empty() {
            put_delimited_head(SCOPE, 0, &mut out);
        } else {
            put_delimited_head(SCOPE, delimited_len(SCOPE_NAME, scope.len()), &mut out);
            put_bytes(SCOPE_NAME, scope, &mut out);
        }
        for record in records {
            put_bytes(LOG_RECORDS, record, &mut out);
        }
    }
    out
}

/// Bytes a `KeyValue` resource attribute takes (for tests and sizing).
pub fn resource_attribute_len(key: &str, value: &AnyValue) -> usize {
    key_value_len(RESOURCE_ATTRIBUTES, key, value)
}

#[cfg(test)]
mod tests {
    use super::super::log_record::{encode_frame, frames, LogHead};
    use super::*;

    #[test]
    fn records_are_grouped_by_scope_in_order_of_first_appearance() {
        let mut journal = Vec::new();
        for scope in ["b", "a", "b"] {
            let head = LogHead {
                scope,
                time_unix_nano: 1,
                observed_time_unix_nano: 1,
                levelno: 20,
                levelname: "INFO",
                body: "payload",
                trace: None,
            };
            encode_frame::<AnyValue>(&head, &[], &mut journal).expect("fits");
        }
        let resource = encode_resource(&[("service.name".into(), AnyValue::Str("s".into()))]);
        assert_eq!(
            resource.len(),
            resource_attribute_len("service.name", &AnyValue::Str("s".into()))
        );
        let body = encode_request(&resource, frames(&journal));
        // The scope names appear once each, "b" first.
        let text = String::from_utf8_lossy(&body);
        let b = text.find("\n\u{1}b").expect("scope b");
        let a = text.find("\n\u{1}a").expect("scope a");
        assert!(b < a);
    }
}
