//! The optional subscribe fields of a business request, read leniently: a malformed value is
//! ignored (and logged), never an error, because it must not fail the business action (容错要求).

use serde::Deserialize;
use serde_json::Value;

use super::grants::Decision;

/// Most templates one request may report on; more are ignored.
const MAX_DECISIONS: usize = 20;
const MAX_CODE_LEN: usize = 128;
const MAX_TEMPLATE_LEN: usize = 128;

/// The three optional fields as the front end sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeInput {
    #[serde(default)]
    wx_code: Option<Value>,
    #[serde(default)]
    subscribe_auth_result: Option<Value>,
    #[serde(default)]
    subscribe_scene: Option<Value>,
}

impl SubscribeInput {
    /// The three fields as another seed names them (seed 002: `wx_code`, `subscribe_auth_result`,
    /// `subscribe_scene`), read as leniently.
    pub fn new(wx_code: Option<Value>, subscribe_auth_result: Option<Value>, subscribe_scene: Option<Value>) -> Self {
        Self { wx_code, subscribe_auth_result, subscribe_scene }
    }

    /// The `wx.login()` code, when it is a plausible one.
    pub fn wx_code(&self) -> Option<String> {
        let code = self.wx_code.as_ref()?.as_str()?.trim();
        let plausible = !code.is_empty() && code.len() <= MAX_CODE_LEN && code.chars().all(|c| c.is_ascii_graphic());
        if !plausible {
            tracing::info!("ignoring a malformed wxCode");
        }
        plausible.then(|| code.to_owned())
    }

    /// `(template id, decision)` pairs; control characters in ids are dropped, unknown decisions
    /// and malformed entries are skipped.
    pub fn decisions(&self) -> Vec<(String, Decision)> {
        let Some(Value::Object(map)) = &self.subscribe_auth_result else { return Vec::new() };
        map.iter()
            .map(|(template, v)| (without_controls(template), v))
            .filter(|(template, _)| !template.is_empty() && template.chars().count() <= MAX_TEMPLATE_LEN)
            .filter_map(|(template, v)| Some((template, v.as_str()?.parse().ok()?)))
            .take(MAX_DECISIONS)
            .collect()
    }

    pub fn scene(&self) -> Option<String> {
        let scene = without_controls(self.subscribe_scene.as_ref()?.as_str()?);
        (!scene.is_empty() && scene.chars().count() <= 64).then_some(scene)
    }
}

/// The text with control characters (NUL among them, which PostgreSQL cannot store) dropped.
fn without_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> SubscribeInput {
        serde_json::from_value(v).expect("input")
    }

    #[test]
    fn reads_the_seed_example() {
        let i = input(json!({"wxCode": "071aBcDe1f23g4", "subscribeAuthResult": {"模板ID1": "accept", "模板ID2": "reject"},
                             "subscribeScene": "appointment"}));
        assert_eq!(i.wx_code().as_deref(), Some("071aBcDe1f23g4"));
        let mut d = i.decisions();
        d.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(d, vec![("模板ID1".into(), Decision::Accept), ("模板ID2".into(), Decision::Reject)]);
        assert_eq!(i.scene().as_deref(), Some("appointment"));
    }

    #[test]
    fn malformed_values_are_ignored_not_errors() {
        let i = input(json!({"wxCode": 42, "subscribeAuthResult": ["x"], "subscribeScene": {"a": 1}}));
        assert_eq!(i.wx_code(), None);
        assert!(i.decisions().is_empty());
        assert_eq!(i.scene(), None);
        let i = input(json!({"wxCode": "has space", "subscribeAuthResult": {"t": "maybe", "u": 3, "v": "ban"}}));
        assert_eq!(i.wx_code(), None);
        assert_eq!(i.decisions(), vec![("v".into(), Decision::Ban)]);
        assert_eq!(input(json!({})).wx_code(), None);
    }

    #[test]
    fn control_characters_are_dropped() {
        let i = input(json!({"subscribeAuthResult": {"模板\0ID1": "accept", "\0": "accept"}, "subscribeScene": "appoint\0ment\n"}));
        assert_eq!(i.decisions(), vec![("模板ID1".into(), Decision::Accept)]);
        assert_eq!(i.scene().as_deref(), Some("appointment"));
    }
}
