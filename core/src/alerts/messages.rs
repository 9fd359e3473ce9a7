//! The plaintexts inside envelopes (protocol §5): compact JSON with `"v":1` and a `"type"`.
//! Unknown fields are ignored (that is how v1 grows).

use serde::{Deserialize, Serialize};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlertCategory {
    /// A refill is due.
    RefillDue,
    /// The reservoir is low.
    ReservoirLow,
    /// The battery is low.
    BatteryLow,
    /// The pump needs replacing (ERI or EOS).
    BatteryReplacement,
    /// The pump raised an alarm.
    PumpAlarm,
    /// The link to the pump has been lost for a while.
    LinkLost,
    /// A refill's measured residual was far from the expected one (added in v1.1; an older
    /// app ignores it).
    RefillCheck,
}

impl AlertCategory {
    /// The protocol's name.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::RefillDue => "refill_due",
            Self::ReservoirLow => "reservoir_low",
            Self::BatteryLow => "battery_low",
            Self::BatteryReplacement => "battery_replacement",
            Self::PumpAlarm => "pump_alarm",
            Self::LinkLost => "link_lost",
            Self::RefillCheck => "refill_check",
        }
    }

    /// The category with this name.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::RefillDue,
            Self::ReservoirLow,
            Self::BatteryLow,
            Self::BatteryReplacement,
            Self::PumpAlarm,
            Self::LinkLost,
            Self::RefillCheck,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlertPriority {
    /// Can wait.
    Low,
    /// Soon.
    Medium,
    /// Now: never held by quiet hours, never snoozed.
    High,
}

impl AlertPriority {
    /// The protocol's name.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// The priority with this name.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Low, Self::Medium, Self::High]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// An alert, patient → caregiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertMessage {
    /// The alert's id (the same in every copy sent to each caregiver).
    pub alert_id: String,
    /// What it is about.
    pub category: AlertCategory,
    /// How urgent.
    pub priority: AlertPriority,
    /// When the condition was raised, Unix seconds.
    pub raised_at: i64,
    /// When this copy was sent, Unix seconds.
    pub sent_at: i64,
    /// A short title, in the patient's language.
    pub title: String,
    /// The text, in the patient's language.
    pub body: String,
    /// For escalation: the token that cancels the held copies (b64u).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_token: Option<String>,
    /// On an escalation copy: which step (1: the next caregiver in the rota, 2: everyone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationStep>,
    /// On a reminder: how many reminders of this alert this caregiver has had, this one
    /// included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder: Option<u32>,
}

/// The escalation step of a copy (protocol §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationStep {
    /// 1, 2, …
    pub step: u32,
}

/// How far a caregiver has got with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReceiptState {
    /// Stored on the caregiver's phone.
    Delivered,
    /// Shown to the caregiver.
    Seen,
    /// The caregiver said they are taking care of it.
    Acknowledged,
    /// The caregiver asked not to be reminded for a while (`until`), or while the condition
    /// holds (no `until`). An older app ignores it.
    Snoozed,
}

/// A receipt, caregiver → patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptMessage {
    /// The message ids it is about (b64u).
    #[serde(rename = "for")]
    pub for_ids: Vec<String>,
    /// How far.
    pub state: ReceiptState,
    /// When, Unix seconds.
    pub at: i64,
    /// With `snoozed`: no reminder before this time, Unix seconds; absent, none while the
    /// condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

/// Any plaintext this version reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// An alert.
    Alert(AlertMessage),
    /// A receipt.
    Receipt(ReceiptMessage),
    /// The end of a pairing.
    Revocation {},
}

impl Message {
    /// The compact JSON with `"v":1`.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        with_fields(serde_json::to_vec(self).unwrap_or_default(), r#""v":1"#)
    }

    /// Reads a plaintext; `None` for a type or version this version does not know.
    #[must_use]
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        if version(bytes)? != 1 {
            return None;
        }
        serde_json::from_slice(bytes).ok()
    }
}

/// The JSON object `json` with `fields` (`"v":1`, written as JSON) added first: how the
/// plaintexts carry their version without a second copy of every message as a JSON tree.
pub(crate) fn with_fields(json: Vec<u8>, fields: &str) -> Vec<u8> {
    match json.split_first() {
        Some((b'{', rest)) => {
            let mut out = Vec::with_capacity(json.len() + fields.len() + 1);
            out.push(b'{');
            out.extend_from_slice(fields.as_bytes());
            if rest.first() != Some(&b'}') {
                out.push(b',');
            }
            out.extend_from_slice(rest);
            out
        }
        _ => json,
    }
}

/// The `"v"` of a plaintext (a JSON object); `None` if it is not one or has none.
pub(crate) fn version(bytes: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Versioned {
        v: u64,
    }
    serde_json::from_slice::<Versioned>(bytes).ok().map(|v| v.v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_examples_plaintexts_read() {
        let v: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/vectors/alerts/alerts-protocol-v1.json"
        ))
        .unwrap();
        let alert = Message::parse(v["envelope"]["plaintext_utf8"].as_str().unwrap().as_bytes());
        let Some(Message::Alert(a)) = alert else {
            panic!("an alert: {alert:?}");
        };
        assert_eq!(a.category, AlertCategory::PumpAlarm);
        assert_eq!(a.priority, AlertPriority::High);
        assert!(a.cancel_token.is_some());
        let receipt = Message::parse(v["receipt"]["plaintext_utf8"].as_str().unwrap().as_bytes());
        let Some(Message::Receipt(r)) = receipt else {
            panic!("a receipt: {receipt:?}");
        };
        assert_eq!(r.state, ReceiptState::Acknowledged);
        assert_eq!(
            r.for_ids,
            vec![v["envelope"]["message_id_b64u"].as_str().unwrap()]
        );
    }

    #[test]
    fn messages_round_trip_and_unknown_ones_are_not_guessed() {
        let m = Message::Receipt(ReceiptMessage {
            for_ids: vec!["x".into()],
            state: ReceiptState::Seen,
            at: 5,
            until: None,
        });
        assert_eq!(Message::parse(&m.to_json()), Some(m));
        assert_eq!(Message::parse(br#"{"v":2,"type":"revocation"}"#), None);
        assert_eq!(Message::parse(br#"{"v":1,"type":"status_v9"}"#), None);
        assert_eq!(
            Message::parse(br#"{"v":1,"type":"revocation","extra":true}"#),
            Some(Message::Revocation {})
        );
        assert_eq!(
            AlertCategory::from_code("link_lost"),
            Some(AlertCategory::LinkLost)
        );
        assert_eq!(AlertPriority::from_code("urgent"), None);
    }
}
