//! What an event handler takes and answers: raw bytes, text or JSON.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// A JSON value: an event parsed from JSON, or an answer written as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// An event type: how the event's bytes become it.
pub trait FromEvent: Sized {
    /// Parses the event.
    fn from_event(event: Vec<u8>) -> Result<Self, Error>;
}

/// An answer type: how it becomes the response body.
pub trait IntoOutput {
    /// The response body.
    fn into_output(self) -> Result<Vec<u8>, Error>;
}

impl FromEvent for Vec<u8> {
    fn from_event(event: Vec<u8>) -> Result<Self, Error> {
        Ok(event)
    }
}

impl FromEvent for String {
    fn from_event(event: Vec<u8>) -> Result<Self, Error> {
        String::from_utf8(event).map_err(|e| Error::new("InvalidEvent", e.to_string()))
    }
}

impl<T: DeserializeOwned> FromEvent for Json<T> {
    fn from_event(event: Vec<u8>) -> Result<Self, Error> {
        serde_json::from_slice(&event).map(Json).map_err(|e| {
            Error::new(
                "InvalidEvent",
                format!("the event is not the JSON expected: {e}"),
            )
        })
    }
}

impl IntoOutput for Vec<u8> {
    fn into_output(self) -> Result<Vec<u8>, Error> {
        Ok(self)
    }
}

impl IntoOutput for String {
    fn into_output(self) -> Result<Vec<u8>, Error> {
        Ok(self.into_bytes())
    }
}

impl IntoOutput for &'static str {
    fn into_output(self) -> Result<Vec<u8>, Error> {
        Ok(self.as_bytes().to_vec())
    }
}

impl IntoOutput for () {
    fn into_output(self) -> Result<Vec<u8>, Error> {
        Ok(Vec::new())
    }
}

impl<T: Serialize> IntoOutput for Json<T> {
    fn into_output(self) -> Result<Vec<u8>, Error> {
        Ok(serde_json::to_vec(&self.0)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Order {
        id: u32,
    }

    #[test]
    fn events_parse_into_bytes_text_and_json() {
        assert_eq!(Vec::<u8>::from_event(b"x".to_vec()).unwrap(), b"x");
        assert_eq!(String::from_event(b"hi".to_vec()).unwrap(), "hi");
        let Json(order) = Json::<Order>::from_event(br#"{"id": 7}"#.to_vec()).unwrap();
        assert_eq!(order, Order { id: 7 });
        let bad = Json::<Order>::from_event(b"{".to_vec()).unwrap_err();
        assert_eq!(bad.error_type(), "InvalidEvent");
        assert_eq!(
            String::from_event(vec![0xff]).unwrap_err().error_type(),
            "InvalidEvent"
        );
    }

    #[test]
    fn answers_become_bodies() {
        assert_eq!(Json(Order { id: 1 }).into_output().unwrap(), br#"{"id":1}"#);
        assert_eq!("ok".into_output().unwrap(), b"ok");
        assert!(().into_output().unwrap().is_empty());
    }
}
