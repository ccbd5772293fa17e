//! Answers per kind: what each accepts and stores, and the message each refusal gives.

use serde_json::{json, Map, Value};

use super::*;

fn field(id: &str, kind: FieldKind, required: bool) -> FormField {
    let options = if kind.has_options() { vec!["周六".into(), "周日".into(), "都行".into()] } else { vec![] };
    FormField { id: id.into(), kind, label: id.into(), help: String::new(), required, min: None, max: None, options }
}

fn form() -> Vec<FormField> {
    let mut age = field("age", FieldKind::Number, false);
    age.min = Some(18.0);
    age.max = Some(70.0);
    let mut days = field("days", FieldKind::MultipleChoice, false);
    days.min = Some(1.0);
    days.max = Some(2.0);
    vec![
        field("name", FieldKind::Text, true),
        field("intro", FieldKind::LongText, false),
        age,
        field("size", FieldKind::SingleChoice, false),
        days,
        field("birthday", FieldKind::Date, false),
        field("phone", FieldKind::Phone, false),
        field("email", FieldKind::Email, false),
    ]
}

fn answers(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

#[test]
fn good_answers_are_stored_trimmed_and_unanswered_optional_fields_left_out() {
    let given = json!({
        "name": "  张三 ", "intro": "", "age": "30", "size": "周日", "days": ["周六", "都行"],
        "birthday": "1990-02-28", "phone": "13800138000", "email": null
    });
    let stored = check(&form(), &answers(given)).expect("valid");
    assert_eq!(
        Value::Object(stored),
        json!({"name": "张三", "age": 30, "size": "周日", "days": ["周六", "都行"], "birthday": "1990-02-28", "phone": "13800138000"})
    );
    let landline = check(&form(), &answers(json!({"name": "李四", "phone": "025-83787000", "age": 18.5, "email": "li@hhu.edu.cn"})));
    assert!(landline.is_ok(), "{landline:?}");
}

#[test]
fn each_bad_answer_is_named_by_its_field_id() {
    let given = json!({
        "intro": "长".repeat(MAX_LONG_TEXT + 1), "age": 71, "size": "周一", "days": ["周六", "周日", "都行"],
        "birthday": "2027-02-30", "phone": "1380013800", "email": "not-an-address", "nickname": "x"
    });
    let problems = check(&form(), &answers(given)).expect_err("invalid");
    let want = [
        ("age", "must be at most 70"),
        ("birthday", "must be a date like 2027-03-01"),
        ("days", "pick at most 2"),
        ("email", "must be an e-mail address"),
        ("intro", "must be at most 5000 characters"),
        ("name", "is required"),
        ("nickname", "is not a field of this form"),
        ("phone", "must be a mobile number (11 digits) or a landline like 025-83787000"),
        ("size", "must be one of the choices"),
    ];
    let got: Vec<(&str, &str)> = problems.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, want);
}

#[test]
fn shapes_and_limits_per_kind() {
    let one = |id: &str, value: Value| {
        let mut given = answers(json!({"name": "张三"}));
        given.insert(id.to_owned(), value);
        check(&form(), &given).err().and_then(|p| p.get(id).cloned())
    };
    assert_eq!(one("name", json!("长".repeat(MAX_TEXT + 1))).as_deref(), Some("must be at most 200 characters"));
    assert_eq!(one("name", json!(5)).as_deref(), Some("must be text"));
    assert_eq!(one("name", json!("a\u{0}b")).as_deref(), Some("must not contain NUL characters"));
    assert_eq!(one("age", json!(17)).as_deref(), Some("must be at least 18"));
    assert_eq!(one("age", json!("thirty")).as_deref(), Some("must be a number"));
    assert_eq!(one("age", json!([1])).as_deref(), Some("must be a number"));
    assert_eq!(one("days", json!("周六")).as_deref(), Some("must be a list of choices"));
    assert_eq!(one("days", json!(["周六", "周六"])).as_deref(), Some("picks a choice more than once"));
    assert_eq!(one("days", json!(["周一"])).as_deref(), Some("`周一` is not one of the choices"));
    assert_eq!(one("days", json!([1])).as_deref(), Some("each pick must be one of the choices"));
    assert_eq!(one("birthday", json!("2027-3-1")).as_deref(), Some("must be a date like 2027-03-01"));
    assert_eq!(one("birthday", json!("2027-03-01")), None);
    for bad in ["12345", "138-0013-8000a", "0258--3787000", "23800138000x", "138001380001", "-02583787000"] {
        assert!(one("phone", json!(bad)).is_some(), "{bad}");
    }
    for good in ["13800138000", "025-83787000", "83787000", "0086-25-83787000"] {
        assert_eq!(one("phone", json!(good)), None, "{good}");
    }
    for bad in ["a@b", "@b.cn", "a b@c.cn", "a@.cn", "a@b.cn."] {
        assert!(one("email", json!(bad)).is_some(), "{bad}");
    }
}

#[test]
fn a_required_multiple_choice_needs_a_pick() {
    let mut form = form();
    form[4].required = true;
    form[4].min = None;
    let problems = check(&form, &answers(json!({"name": "张三", "days": []}))).expect_err("required");
    assert_eq!(problems.get("days").map(String::as_str), Some("is required"));
}
