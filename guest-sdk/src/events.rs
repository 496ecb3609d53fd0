//! Typed events of FC's triggers, as the platform sends them (the JSON keys of FC's
//! documentation and of the `events` package of FC's Go runtime SDK). Use one as an
//! event function's `Event`:
//!
//! ```
//! use guest_sdk::events::OssEvent;
//! use guest_sdk::{Context, Error};
//!
//! fn handler(_ctx: &Context, event: OssEvent) -> Result<String, Error> {
//!     let keys: Vec<&str> = event.events.iter().map(|e| e.oss.object.key.as_str()).collect();
//!     Ok(keys.join(","))
//! }
//!
//! guest_sdk::start!(handler);
//! ```
//!
//! `fcwasm invoke --event-example <trigger>` sends an example of each.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::Error;
use crate::event::FromEvent;

/// Parses a trigger's event from its JSON.
macro_rules! json_event {
    ($($event:ty),+) => {$(
        impl FromEvent for $event {
            fn from_event(event: Vec<u8>) -> Result<Self, Error> {
                serde_json::from_slice(&event).map_err(|e| {
                    Error::new("InvalidEvent", format!(
                        "the event is not {}: {e}", stringify!($event)
                    ))
                })
            }
        }
    )+};
}

json_event!(
    OssEvent,
    TimerEvent,
    MnsTopicEvent,
    SlsEvent,
    KafkaEvent,
    HttpTriggerEvent
);

/// An OSS trigger's event: the records of what happened to objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OssEvent {
    /// The records, one per object event.
    pub events: Vec<OssEventRecord>,
}

/// One OSS event record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OssEventRecord {
    /// E.g. `ObjectCreated:PutObject`.
    pub event_name: String,
    /// `acs:oss`.
    pub event_source: String,
    /// ISO-8601 time of the event.
    pub event_time: String,
    /// `1.0`.
    pub event_version: String,
    /// The bucket and object.
    pub oss: Oss,
    /// The region.
    pub region: String,
    /// The request that caused the event.
    pub request_parameters: OssRequestParameters,
    /// OSS's answer to it.
    pub response_elements: OssResponseElements,
    /// Who made the request.
    pub user_identity: OssUserIdentity,
}

/// The bucket and object of an OSS event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct Oss {
    /// The bucket.
    pub bucket: OssBucket,
    /// The object.
    pub object: OssObject,
    /// `1.0`.
    pub oss_schema_version: String,
    /// The trigger's rule.
    pub rule_id: String,
}

/// An OSS bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OssBucket {
    /// `acs:oss:<region>:<uid>:<bucket>`.
    pub arn: String,
    /// The bucket's name.
    pub name: String,
    /// The owner's account id.
    pub owner_identity: String,
    /// The virtual bucket, when there is one.
    pub virtual_bucket: String,
}

/// An OSS object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OssObject {
    /// The change of size (negative or 0 for overwrites and deletes).
    pub delta_size: i64,
    /// The object's ETag.
    #[serde(rename = "eTag")]
    pub etag: String,
    /// The object's key.
    pub key: String,
    /// The object's size.
    pub size: i64,
    /// Its metadata, when sent.
    pub object_meta: Option<OssObjectMeta>,
}

/// An OSS object's metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OssObjectMeta {
    /// Its MIME type.
    pub mime_type: String,
    /// `x-oss-meta-*` values (FC 3.0).
    pub user_meta: BTreeMap<String, String>,
}

/// The request behind an OSS event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct OssRequestParameters {
    /// The requester's IP.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
}

/// OSS's answer to the request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OssResponseElements {
    /// OSS's request id.
    pub request_id: String,
}

/// Who made the request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OssUserIdentity {
    /// The principal's id.
    pub principal_id: String,
}

/// A timer trigger's event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct TimerEvent {
    /// When it fired, UTC (`2023-12-26T07:49:00Z`).
    pub trigger_time: String,
    /// The trigger's name.
    pub trigger_name: String,
    /// The trigger's message, always a string (parse it again if it holds JSON).
    pub payload: String,
}

/// An MNS topic trigger's event in the JSON format (keys are PascalCase; message
/// attributes, when there are any, are at the top level too and kept in `attributes`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
#[non_exhaustive]
pub struct MnsTopicEvent {
    /// The topic owner's account id.
    pub topic_owner: String,
    /// The message.
    pub message: String,
    /// The subscriber's account id.
    pub subscriber: String,
    /// When it was published, epoch milliseconds.
    #[serde(deserialize_with = "number_or_text")]
    pub publish_time: i64,
    /// The subscription.
    pub subscription_name: String,
    /// The message's MD5.
    #[serde(rename = "MessageMD5")]
    pub message_md5: String,
    /// The topic.
    pub topic_name: String,
    /// The message id.
    pub message_id: String,
    /// Everything else at the top level: the message's attributes.
    #[serde(flatten)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// A Simple Log Service trigger's event: where the new logs are (not the logs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SlsEvent {
    /// The trigger's own configuration (`{}` when none).
    pub parameter: serde_json::Value,
    /// The shard and cursors to read.
    pub source: SlsSource,
    /// The ETL job.
    pub job_name: String,
    /// The task.
    pub task_id: String,
    /// Unix seconds of the last log in the batch.
    pub cursor_time: i64,
}

/// Where an SLS event's logs are: read `[begin_cursor, end_cursor)` of the shard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SlsSource {
    /// The SLS endpoint.
    pub endpoint: String,
    /// The project.
    pub project_name: String,
    /// The logstore.
    pub logstore_name: String,
    /// The shard.
    pub shard_id: i64,
    /// The first cursor.
    pub begin_cursor: String,
    /// The cursor past the last.
    pub end_cursor: String,
}

/// A Kafka trigger's event: a batch of CloudEvents (delivered as objects or, in older
/// deliveries, as JSON-encoded strings; both are read).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct KafkaEvent {
    /// The messages.
    pub records: Vec<KafkaRecord>,
}

impl<'de> Deserialize<'de> for KafkaEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Entry {
            Object(Box<KafkaRecord>),
            Encoded(String),
        }
        let entries = Vec::<Entry>::deserialize(deserializer)?;
        let records = entries
            .into_iter()
            .map(|entry| match entry {
                Entry::Object(record) => Ok(*record),
                Entry::Encoded(text) => {
                    serde_json::from_str(&text).map_err(serde::de::Error::custom)
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(KafkaEvent { records })
    }
}

/// One Kafka message, as a CloudEvent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct KafkaRecord {
    /// The event id.
    pub id: String,
    /// `acs:alikafka`.
    pub source: String,
    /// `1.0`.
    pub specversion: String,
    /// `alikafka:Topic:Message`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The data's content type.
    pub datacontenttype: String,
    /// ISO-8601 time.
    pub time: String,
    /// `acs:alikafka:<instance>:topic:<topic>`.
    pub subject: String,
    /// The account id.
    pub aliyunaccountid: String,
    /// The message.
    pub data: KafkaData,
}

/// A Kafka message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct KafkaData {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i64,
    /// The offset.
    pub offset: i64,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// The message's key, when it has one.
    pub key: Option<String>,
    /// The message body (not necessarily JSON).
    pub value: String,
    /// The message's headers.
    pub headers: KafkaHeaders,
}

/// A Kafka message's headers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct KafkaHeaders {
    /// The headers.
    pub headers: Vec<serde_json::Value>,
    /// Whether they are read-only.
    pub is_read_only: bool,
}

/// An HTTP trigger's request in FC 3.0's event format (built-in runtimes; a custom
/// runtime like `bootstrap` gets the raw request instead, through an HTTP function).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpTriggerEvent {
    /// `v1`.
    pub version: String,
    /// The path, percent-encoded.
    pub raw_path: String,
    /// The body; base64 when `is_base64_encoded`.
    pub body: String,
    /// Whether the body is base64.
    pub is_base64_encoded: bool,
    /// The headers (repeated ones joined by commas).
    pub headers: BTreeMap<String, String>,
    /// The query (repeated keys joined by commas).
    pub query_parameters: BTreeMap<String, String>,
    /// About the request.
    pub request_context: HttpRequestContext,
}

/// About an HTTP trigger's request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpRequestContext {
    /// The account id.
    pub account_id: String,
    /// The trigger's domain.
    pub domain_name: String,
    /// Its first label.
    pub domain_prefix: String,
    /// The request line.
    pub http: HttpRequestLine,
    /// The request id.
    pub request_id: String,
    /// ISO-8601 time.
    pub time: String,
    /// Epoch milliseconds, as text.
    pub time_epoch: String,
}

/// An HTTP trigger's request line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct HttpRequestLine {
    /// The method.
    pub method: String,
    /// The path, decoded.
    pub path: String,
    /// `HTTP/1.1`.
    pub protocol: String,
    /// The caller's IP.
    pub source_ip: String,
    /// The caller's user agent.
    pub user_agent: String,
}

/// An integer sent as a number or as text.
fn number_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    match Either::deserialize(deserializer)? {
        Either::Number(n) => Ok(n),
        Either::Text(text) => text.trim().parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example events `fcwasm invoke --event-example` sends.
    fn example(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../cli/src/events/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    #[test]
    fn every_example_event_parses_into_its_type() {
        let oss = OssEvent::from_event(example("oss")).unwrap();
        assert!(!oss.events[0].oss.object.key.is_empty());
        assert_eq!(oss.events[0].event_source, "acs:oss");
        let timer = TimerEvent::from_event(example("timer")).unwrap();
        assert!(!timer.trigger_name.is_empty());
        let mns = MnsTopicEvent::from_event(example("mns")).unwrap();
        assert!(mns.publish_time > 0);
        assert!(!mns.topic_name.is_empty());
        let sls = SlsEvent::from_event(example("sls")).unwrap();
        assert!(!sls.source.logstore_name.is_empty());
        let kafka = KafkaEvent::from_event(example("kafka")).unwrap();
        assert_eq!(kafka.records[0].source, "acs:alikafka");
        let http = HttpTriggerEvent::from_event(example("http")).unwrap();
        assert!(!http.request_context.http.method.is_empty());
    }

    #[test]
    fn kafka_batches_of_encoded_strings_parse_too() {
        let record = r#"{"source":"acs:alikafka","data":{"topic":"t","value":"v"}}"#;
        let batch = serde_json::to_vec(&[record]).unwrap();
        let kafka = KafkaEvent::from_event(batch).unwrap();
        assert_eq!(kafka.records[0].data.topic, "t");
    }

    #[test]
    fn mns_publish_time_may_be_text_and_attributes_are_kept() {
        let event = br#"{"Message":"m","PublishTime":"1449556920975","Extend":"x"}"#.to_vec();
        let mns = MnsTopicEvent::from_event(event).unwrap();
        assert_eq!(mns.publish_time, 1_449_556_920_975);
        assert_eq!(mns.attributes["Extend"], "x");
    }
}
