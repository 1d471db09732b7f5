//! `OtlpSink`: the worker's side of an OTLP handler. It turns the journal
//! bytes the worker hands it into `ExportLogsServiceRequest`s of at most
//! `max_batch` records and POSTs them, retrying as OTLP/HTTP asks.
//!
//! Retries: on a connection error or timeout and on 429/502/503/504, after
//! `Retry-After` when the collector gives one, else an exponential backoff
//! (1 s, 2 s, 4 s, ... with jitter), until the export timeout is spent;
//! other statuses fail at once. Records of a request that failed for good
//! are counted (`failed`) and reported through the handler's reporter (the
//! first failure in full, then counted); a partial success's rejected count
//! is added to `rejected`. Nothing here waits on Python.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;

use super::log_record::frames;
use super::request::encode_request;
use crate::core::sink::{Adoption, Sink, WriteError};

/// Where and how a handler exports.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The full URL records are POSTed to (`.../v1/logs`).
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// One request's limit (`OTEL_EXPORTER_OTLP_TIMEOUT`).
    pub request_timeout: Duration,
    /// One batch's limit, retries included (`OTEL_BLRP_EXPORT_TIMEOUT`).
    pub export_timeout: Duration,
    pub gzip: bool,
    /// Records per request (`OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`).
    pub max_batch: usize,
    /// The encoded `Resource` message.
    pub resource: Vec<u8>,
    pub user_agent: String,
}

/// Counters of one handler's exports, readable from Python.
#[derive(Debug, Default)]
pub struct ExportStats {
    /// Records in the journal not yet exported (or given up on); the
    /// worker's gathering reads it too.
    pub queued: Arc<AtomicUsize>,
    pub exported: AtomicU64,
    /// Records of requests that failed for good.
    pub failed: AtomicU64,
    /// Records the collector rejected in a partial success.
    pub rejected: AtomicU64,
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

impl ExportStats {
    pub fn queued_counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.queued)
    }
}

/// How one attempt at a request ended.
enum Attempt {
    Done {
        rejected: i64,
    },
    /// Worth trying again, after `after` if the collector said so.
    Retry {
        why: String,
        after: Option<Duration>,
    },
    Failed(String),
}

#[derive(Clone, PartialEq, prost::Message)]
struct ExportLogsServiceResponse {
    #[prost(message, optional, tag = "1")]
    partial_success: Option<ExportLogsPartialSuccess>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ExportLogsPartialSuccess {
    #[prost(int64, tag = "1")]
    rejected_log_records: i64,
    #[prost(string, tag = "2")]
    error_message: String,
}

pub struct OtlpSink {
    options: Arc<ExportOptions>,
    stats: Arc<ExportStats>,
    agent: ureq::Agent,
    /// Bytes of a range that wrapped around the journal's end, joined.
    joined: Vec<u8>,
    jitter: u64,
}

fn agent(options: &ExportOptions) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(options.request_timeout))
        .user_agent(options.user_agent.as_str())
        .tls_config(tls)
        .build()
        .into()
}

impl OtlpSink {
    pub fn new(options: Arc<ExportOptions>, stats: Arc<ExportStats>) -> OtlpSink {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |since| since.as_nanos() as u64)
            | 1;
        OtlpSink {
            agent: agent(&options),
            options,
            stats,
            joined: Vec::new(),
            jitter: seed,
        }
    }

    /// A factor in [0.5, 1.5) (xorshift: the jitter need not be strong).
    fn jitter(&mut self) -> f64 {
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        0.5 + (self.jitter % 1000) as f64 / 1000.0
    }

    /// Exports the frames in `bytes`, all of it within one export timeout:
    /// batches left when it is spent are given up without a request, so a
    /// close or an exit never waits longer for a collector that is down.
    fn export(&mut self, bytes: &[u8]) -> io::Result<()> {
        let deadline = Instant::now() + self.options.export_timeout;
        let mut all = frames(bytes).peekable();
        let mut failure = None;
        while all.peek().is_some() {
            let batch: Vec<_> = all.by_ref().take(self.options.max_batch.max(1)).collect();
            let count = batch.len();
            let outcome = if Instant::now() >= deadline {
                Err("export timeout spent on earlier batches".to_owned())
            } else {
                let body = encode_request(&self.options.resource, batch.into_iter());
                self.send_with_retries(&body, deadline)
            };
            self.stats.queued.fetch_sub(count, Ordering::AcqRel);
            match outcome {
                Ok(rejected) => {
                    let rejected = u64::try_from(rejected).unwrap_or(0).min(count as u64);
                    self.stats
                        .exported
                        .fetch_add(count as u64 - rejected, Ordering::Relaxed);
                    self.stats.rejected.fetch_add(rejected, Ordering::Relaxed);
                }
                Err(why) => {
                    self.stats.failed.fetch_add(count as u64, Ordering::Relaxed);
                    failure = Some(format!("{count} records not exported: {why}"));
                }
            }
        }
        match failure {
            Some(why) => Err(io::Error::other(why)),
            None => Ok(()),
        }
    }

    fn compressed(&self, body: &[u8]) -> io::Result<Vec<u8>> {
        let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
        encoder.write_all(body)?;
        encoder.finish()
    }

    /// Sends one request until it succeeds, fails for good or the export
    /// timeout is spent; the count the collector rejected on success.
    fn send_with_retries(&mut self, body: &[u8], deadline: Instant) -> Result<i64, String> {
        let compressed;
        let body = if self.options.gzip {
            compressed = self.compressed(body).map_err(|error| error.to_string())?;
            &compressed[..]
        } else {
            body
        };
        let mut backoff = Duration::from_secs(1);
        loop {
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout = self.options.request_timeout.min(left);
            if timeout.is_zero() {
                return Err("export timeout spent".to_owned());
            }
            let (why, after) = match self.attempt(body, timeout) {
                Attempt::Done { rejected } => return Ok(rejected),
                Attempt::Failed(why) => return Err(why),
                Attempt::Retry { why, after } => (why, after),
            };
            let wait = after.unwrap_or_else(|| backoff.mul_f64(self.jitter()));
            backoff = (backoff * 2).min(Duration::from_secs(32));
            let now = Instant::now();
            if now + wait >= deadline {
                return Err(format!("{why} (gave up: export timeout)"));
            }
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(wait);
        }
    }

    fn attempt(&self, body: &[u8], timeout: Duration) -> Attempt {
        let mut request = self
            .agent
            .post(self.options.url.as_str())
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", "application/x-protobuf");
        if self.options.gzip {
            request = request.header("Content-Encoding", "gzip");
        }
        for (name, value) in &self.options.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = match request.send(body) {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    why: format!("{} unreachable: {error}", self.options.url),
                    after: None,
                }
            }
        };
        let status = response.status().as_u16();
        let after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let payload = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .unwrap_or_default();
        match status {
            200..=299 => {
                let rejected = <ExportLogsServiceResponse as prost::Message>::decode(&payload[..])
                    .ok()
                    .and_then(|decoded| decoded.partial_success)
                    .map_or(0, |partial| partial.rejected_log_records);
                Attempt::Done { rejected }
            }
            429 | 502 | 503 | 504 => Attempt::Retry {
                why: format!("{} answered HTTP {status}", self.options.url),
                after,
            },
            _ => Attempt::Failed(format!("{} answered HTTP {status}", self.options.url)),
        }
    }
}

impl Sink for OtlpSink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.export(bytes)
    }

    fn writes_lines(&self) -> bool {
        false
    }

    fn write_two(&mut self, first: &[u8], second: &[u8]) -> Result<(), WriteError> {
        if second.is_empty() {
            return Ok(self.export(first)?);
        }
        // A frame may straddle the wrap: export the joined range.
        let mut joined = std::mem::take(&mut self.joined);
        joined.clear();
        joined.extend_from_slice(first);
        joined.extend_from_slice(second);
        let exported = self.export(&joined);
        self.joined = joined;
        Ok(exported?)
    }

    fn adoption(&self) -> Arc<dyn Adoption> {
        Arc::new(FreshExporter {
            options: Arc::clone(&self.options),
            stats: Arc::clone(&self.stats),
        })
    }
}

/// A forked child exports through its own connections.
struct FreshExporter {
    options: Arc<ExportOptions>,
    stats: Arc<ExportStats>,
}

impl Adoption for FreshExporter {
    fn adopt(&self) -> Box<dyn Sink> {
        Box::new(OtlpSink::new(
            Arc::clone(&self.options),
            Arc::clone(&self.stats),
        ))
    }
}
