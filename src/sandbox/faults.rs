//! Fault injection: what the sandbox does wrong on purpose, for tests and demos.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The faults in force. Set in-process (`Sandbox::set_faults`) or with
/// `POST /sandbox/faults` and this struct as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Every API call's round trip: the answer leaves this long after the request arrived,
    /// the call carried out meanwhile (a `delay` fault waits this plus its delay first).
    pub latency_ms: u64,
    /// Checked in order; the first matching rule with `times` left fires.
    pub rules: Vec<FaultRule>,
    /// Logistics order ids whose `print_html` comes back as invalid base64.
    pub bad_base64_orders: BTreeSet<String>,
    /// After this many more successful API calls the current access_token expires (42001).
    pub expire_token_after_calls: Option<u32>,
}

/// One fault, fired for calls whose path contains `path_contains`, `times` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    pub path_contains: String,
    pub fault: Fault,
    pub times: u32,
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer HTTP 200 with this errcode instead of doing the call.
    Errcode { errcode: i64, errmsg: String },
    /// Answer this HTTP status instead of doing the call.
    HttpStatus { status: u16 },
    /// Answer HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// Wait this long before answering (to trip client timeouts).
    Delay { ms: u64 },
    /// Do the call (state changes), then answer this HTTP status: a lost answer.
    ApplyThenHttpStatus { status: u16 },
}

impl FaultRule {
    /// A rule for `times` calls whose path contains `path_contains`.
    pub fn new(path_contains: &str, fault: Fault, times: u32) -> Self {
        FaultRule {
            path_contains: path_contains.to_string(),
            fault,
            times,
        }
    }
}

impl Faults {
    /// Faults made of one rule: `fault` for `times` calls whose path contains `path_contains`.
    pub fn one(path_contains: &str, fault: Fault, times: u32) -> Self {
        Faults {
            rules: vec![FaultRule::new(path_contains, fault, times)],
            ..Faults::default()
        }
    }

    /// Takes the fault that applies to this call, if any, counting it down.
    pub(crate) fn take(&mut self, path: &str) -> Option<Fault> {
        let rule = self
            .rules
            .iter_mut()
            .find(|r| r.times > 0 && path.contains(&r.path_contains))?;
        rule.times -= 1;
        Some(rule.fault.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_count_down_and_match_by_path() {
        let mut f = Faults {
            rules: vec![FaultRule::new("batchget", Fault::MalformedJson, 2)],
            ..Faults::default()
        };
        assert_eq!(f.take("/cgi-bin/express/business/order/get"), None);
        assert_eq!(f.take("/x/batchget"), Some(Fault::MalformedJson));
        assert_eq!(f.take("/x/batchget"), Some(Fault::MalformedJson));
        assert_eq!(f.take("/x/batchget"), None);
    }

    #[test]
    fn faults_round_trip_as_json() {
        let f = Faults {
            latency_ms: 5,
            rules: vec![FaultRule::new(
                "delivery/send",
                Fault::Errcode {
                    errcode: 45011,
                    errmsg: "freq".into(),
                },
                1,
            )],
            ..Faults::default()
        };
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<Faults>(&json).unwrap(), f);
    }
}
