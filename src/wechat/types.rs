//! Identifiers and small value types shared by every API area.

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A shop order id. The shop APIs send it as a JSON number that can exceed 2^53, the logistics
/// APIs as a decimal string; it is kept as `u64` here and never passes through `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId(pub u64);

impl OrderId {
    /// The id as the logistics APIs want it (a decimal string).
    pub fn logistics_id(self) -> String {
        self.0.to_string()
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for OrderId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u64>()
            .map(OrderId)
            .map_err(|_| format!("`{s}` is not an order id (digits only)"))
    }
}

impl Serialize for OrderId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for OrderId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_u64(d).map(OrderId)
    }
}

/// Reads a `u64` sent either as a JSON integer or as a string of digits. A float (which would
/// already have lost precision on the sender's side) is refused rather than rounded.
pub fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an unsigned integer or a string of digits")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("negative id {v}")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            v.trim()
                .parse()
                .map_err(|_| E::custom(format!("`{v}` is not a decimal id")))
        }
    }
    d.deserialize_any(V)
}

/// Like [`lenient_u64`] for a field that may be absent or empty.
pub fn lenient_u64_default<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(u64),
        Str(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(0),
        Some(Raw::Num(n)) => Ok(n),
        Some(Raw::Str(s)) if s.trim().is_empty() => Ok(0),
        Some(Raw::Str(s)) => s
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format!("`{s}` is not a decimal id"))),
    }
}

/// A courier company code from `getAllDelivery`, e.g. `SF`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeliveryId(pub String);

/// A waybill (tracking) number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WaybillId(pub String);

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for WaybillId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret (AppSecret, access_token) that never prints: `Debug` and `Display` show a mask.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Which label `getOrder` should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintType {
    /// 一联单 (`print_type` 1), 76x130 mm.
    OnePart,
    /// 二联单 (`print_type` 0, the API default), 100x180 mm.
    TwoPart,
}

impl PrintType {
    /// The value of the `print_type` field.
    pub fn wire_value(self) -> u8 {
        match self {
            PrintType::OnePart => 1,
            PrintType::TwoPart => 0,
        }
    }
}

/// One `{key, value}` entry of `waybill_data` (sorting codes and the like).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        id: OrderId,
    }

    #[test]
    fn order_id_above_2_pow_53_survives_number_and_string() {
        let big = 3_704_612_354_559_498_753_u64; // > 2^53, not representable in f64
        assert_ne!(big as f64 as u64, big);
        let from_num: Holder = serde_json::from_str(&format!(r#"{{"id":{big}}}"#)).unwrap();
        let from_str: Holder = serde_json::from_str(&format!(r#"{{"id":"{big}"}}"#)).unwrap();
        assert_eq!(from_num.id, OrderId(big));
        assert_eq!(from_str.id, OrderId(big));
        assert_eq!(
            serde_json::to_string(&OrderId(big)).unwrap(),
            big.to_string()
        );
        assert_eq!(OrderId(big).logistics_id(), big.to_string());
    }

    #[test]
    fn order_id_refuses_floats_and_negatives() {
        assert!(serde_json::from_str::<Holder>(r#"{"id":3.7e18}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"id":-5}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"id":"12a"}"#).is_err());
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("very-secret-value");
        assert!(!format!("{s:?} {s}").contains("very-secret"));
        assert_eq!(s.expose(), "very-secret-value");
    }
}
