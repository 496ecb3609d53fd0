//! Example events of FC's triggers, in the shape the platform sends them (`bootstrap
//! invoke --event-example NAME`), so a handler can be tried against each before it is
//! deployed. The shapes follow FC's documentation of trigger events and the `events`
//! package of FC's Go runtime SDK (`aliyun/fc-runtime-go-sdk`); values are examples.

/// A trigger whose example event `fcwasm invoke` can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Trigger {
    /// An OSS trigger: an object was created (`{"events": [...]}`).
    Oss,
    /// A timer trigger (`triggerTime`, `triggerName`, `payload`).
    Timer,
    /// An MNS topic trigger, JSON format (`TopicOwner`, `Message`, …).
    Mns,
    /// A Simple Log Service trigger (the shard's cursors, not the logs).
    Sls,
    /// A Kafka trigger (through EventBridge): a batch of CloudEvents.
    Kafka,
    /// An HTTP trigger in FC 3.0's event format (`rawPath`, `headers`, `body`, …).
    Http,
}

impl Trigger {
    /// The example event, as JSON text.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Trigger::Oss => include_str!("events/oss.json"),
            Trigger::Timer => include_str!("events/timer.json"),
            Trigger::Mns => include_str!("events/mns.json"),
            Trigger::Sls => include_str!("events/sls.json"),
            Trigger::Kafka => include_str!("events/kafka.json"),
            Trigger::Http => include_str!("events/http.json"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum as _;

    #[test]
    fn every_example_is_json_of_its_trigger() {
        for trigger in Trigger::value_variants() {
            let event: serde_json::Value = serde_json::from_str(trigger.example())
                .unwrap_or_else(|e| panic!("{trigger:?}: {e}"));
            let key = match trigger {
                Trigger::Oss => event["events"][0]["eventSource"].clone(),
                Trigger::Timer => event["triggerName"].clone(),
                Trigger::Mns => event["TopicName"].clone(),
                Trigger::Sls => event["source"]["projectName"].clone(),
                Trigger::Kafka => event[0]["source"].clone(),
                Trigger::Http => event["requestContext"]["http"]["method"].clone(),
            };
            assert!(key.is_string(), "{trigger:?}: {event}");
        }
    }
}
