//! The form's design checks and the additive rule after the first enrollment.

use super::*;

fn field(id: &str, kind: FieldKind) -> FormField {
    let options = if kind.has_options() { vec!["甲".into(), "乙".into(), "丙".into()] } else { vec![] };
    FormField { id: id.into(), kind, label: format!("问题 {id}"), help: String::new(), required: false, min: None, max: None, options }
}

fn paths(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn a_good_form_of_every_kind_passes() {
    let mut form: Vec<FormField> = FieldKind::ALL.iter().enumerate().map(|(i, k)| field(&format!("f{i}"), *k)).collect();
    form[2].min = Some(-1.5);
    form[2].max = Some(10.0);
    form[4].min = Some(1.0);
    form[4].max = Some(3.0);
    assert!(check_design(&form).is_empty(), "{:?}", check_design(&form));
    assert!(check_design(&[]).is_empty());
}

#[test]
fn each_design_problem_is_named_by_its_path() {
    let mut dup = field("a", FieldKind::Text);
    dup.label = " ".into();
    let mut choice = field("c", FieldKind::SingleChoice);
    choice.options.clear();
    let mut picks = field("m", FieldKind::MultipleChoice);
    picks.min = Some(3.0);
    picks.max = Some(2.0);
    let mut number = field("n", FieldKind::Number);
    number.min = Some(f64::NAN);
    let mut text = field("t", FieldKind::Text);
    text.max = Some(5.0);
    text.options = vec!["x".into()];
    let mut same = field("s", FieldKind::MultipleChoice);
    same.options = vec!["x".into(), " x ".into()];
    same.max = Some(4.0);
    let form = [field("a", FieldKind::Text), dup, field("bad id", FieldKind::Date), choice, picks, number, text, same];
    let problems = check_design(&form);
    assert_eq!(
        paths(&problems),
        [
            "form[1].id", "form[1].label", "form[2].id", "form[3].options", "form[4].max", "form[5].min", "form[6].options",
            "form[6].max", "form[7].options", "form[7].max"
        ],
        "{problems:?}"
    );
    let mut long = field("l", FieldKind::Email);
    long.label = "长".repeat(MAX_LABEL + 1);
    assert_eq!(paths(&check_design(&[long])), ["form[0].label"]);
    let mut nul = field("z", FieldKind::Phone);
    nul.help = "a\0b".into();
    assert_eq!(paths(&check_design(&[nul])), ["form[0].help"]);
    let many: Vec<FormField> = (0..=MAX_FIELDS).map(|i| field(&format!("f{i}"), FieldKind::Text)).collect();
    assert_eq!(paths(&check_design(&many)), ["form"]);
}

#[test]
fn after_enrollment_only_additive_changes_pass() {
    let mut picks = field("m", FieldKind::MultipleChoice);
    picks.min = Some(1.0);
    picks.max = Some(2.0);
    let mut name = field("name", FieldKind::Text);
    name.required = true;
    let old = vec![name.clone(), picks.clone()];

    // Allowed: reorder, relabel, new help, a choice appended, limits widened, required relaxed,
    // a new optional field.
    let mut wider = picks.clone();
    wider.options.push("丁".into());
    wider.min = None;
    wider.max = Some(4.0);
    wider.label = "新的问题".into();
    let mut relaxed = name.clone();
    relaxed.required = false;
    relaxed.help = "写全名".into();
    let ok = vec![wider, relaxed, field("extra", FieldKind::Date)];
    assert!(check_change(&old, &ok).is_empty(), "{:?}", check_change(&old, &ok));

    // Refused: a field removed, a kind changed, a choice renamed, a field made required,
    // limits narrowed, a new required field.
    let mut kind = name.clone();
    kind.kind = FieldKind::LongText;
    let mut renamed = picks.clone();
    renamed.options[1] = "乙二".into();
    renamed.min = Some(2.0);
    renamed.max = Some(1.0);
    let mut new_required = field("new", FieldKind::Text);
    new_required.required = true;
    let problems = check_change(&old, &[kind.clone(), renamed, new_required]);
    assert_eq!(paths(&problems), ["form[0].kind", "form[1].options", "form[1].min", "form[1].max", "form[2].required"], "{problems:?}");
    let problems = check_change(&old, &[name.clone()]);
    assert_eq!(problems, [("form".to_owned(), "field `m` cannot be removed after the first enrollment".to_owned())]);
    let mut made_required = field("x", FieldKind::Text);
    let old = vec![made_required.clone()];
    made_required.required = true;
    assert_eq!(paths(&check_change(&old, &[made_required])), ["form[0].required"]);
}
