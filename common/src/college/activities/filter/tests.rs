//! The language by example: the seed's own filter, precedence, nesting, both widths of
//! parentheses, particles, labels that are prefixes of others or hold the language's words, and
//! each kind of mistake with its position and what was expected.

use super::*;

const IN: i64 = 1; // 签到
const OUT: i64 = 2; // 签退
const IN2: i64 = 3; // 签到二

fn labels() -> Labels {
    Labels::new([(IN, "签到"), (OUT, "签退"), (IN2, "签到二")])
}

fn parse(text: &str) -> Result<Filter, FilterError> {
    Filter::parse(text, &labels())
}

fn ok(text: &str) -> Filter {
    parse(text).unwrap_or_else(|e| panic!("{text:?}: {}", e.message()))
}

fn item(id: i64) -> Filter {
    Filter::CheckedIn(id)
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

/// The error's position, what was expected and what was found.
fn unexpected(text: &str) -> (usize, Expected, Found) {
    match parse(text) {
        Err(FilterError { position, kind: FilterErrorKind::Unexpected { expected, found } }) => (position, expected, found),
        other => panic!("{text:?}: {other:?}"),
    }
}

fn word(w: &str) -> Found {
    Found::Word(w.into())
}

#[test]
fn the_seeds_example_is_checked_in_and_not_checked_out() {
    assert_eq!(ok("签到了但未签退"), Filter::And(vec![item(IN), not(item(OUT))]));
    assert_eq!(ok("签到了但未签退").to_text(&labels()), "签到 且 未 签退");
}

#[test]
fn not_binds_tighter_than_and_tighter_than_or() {
    assert_eq!(ok("签到或签退且未签到"), Filter::Or(vec![item(IN), Filter::And(vec![item(OUT), not(item(IN))])]));
    assert_eq!(ok("未签到且签退或签到二"), Filter::Or(vec![Filter::And(vec![not(item(IN)), item(OUT)]), item(IN2)]));
    assert_eq!(ok("签到或签退或签到二"), Filter::Or(vec![item(IN), item(OUT), item(IN2)]));
}

#[test]
fn parentheses_of_either_width_group_and_nest() {
    assert_eq!(ok("未(签到或签退)"), not(Filter::Or(vec![item(IN), item(OUT)])));
    assert_eq!(ok("未（签到或签退）"), ok("未(签到或签退)"));
    assert_eq!(ok("（签到或签退)且签到二"), Filter::And(vec![Filter::Or(vec![item(IN), item(OUT)]), item(IN2)]));
    assert_eq!(ok("((（签到）))"), item(IN));
    assert_eq!(ok("签到且(签退或(签到二且未签退))"), Filter::And(vec![item(IN), Filter::Or(vec![item(OUT), Filter::And(vec![item(IN2), not(item(OUT))])])]));
    // A group keeps its shape: (a且b)且c is not flattened into a且b且c.
    assert_eq!(ok("(签到且签退)且签到二"), Filter::And(vec![Filter::And(vec![item(IN), item(OUT)]), item(IN2)]));
}

#[test]
fn particles_may_follow_a_label_only_once() {
    assert_eq!(ok("签到的且签退了"), Filter::And(vec![item(IN), item(OUT)]));
    assert_eq!(ok("未签退的"), not(item(OUT)));
    assert_eq!(unexpected("签到了了"), (3, Expected::ConnectiveOrEnd, word("了")));
    assert_eq!(unexpected("(签到)了"), (4, Expected::ConnectiveOrEnd, word("了")));
    assert_eq!(unexpected("了签到"), (0, Expected::Term, word("了")));
    assert_eq!(unexpected("签到且的"), (3, Expected::Term, word("的")));
}

#[test]
fn the_longest_label_wins_when_one_is_a_prefix_of_another() {
    assert_eq!(ok("签到二且签到"), Filter::And(vec![item(IN2), item(IN)]));
    assert_eq!(ok("签到二了"), item(IN2));
    assert_eq!(ok("未签到二"), not(item(IN2)));
}

#[test]
fn labels_holding_the_languages_words_are_found_first() {
    let labels = Labels::new([(4, "到达目的地"), (5, "未到"), (6, "到")]);
    assert_eq!(Filter::parse("到达目的地的", &labels), Ok(Filter::CheckedIn(4)));
    assert_eq!(Filter::parse("未到", &labels), Ok(Filter::CheckedIn(5)));
    assert_eq!(Filter::parse("未 到", &labels), Ok(Filter::Not(Box::new(Filter::CheckedIn(6)))));
    let printed = Filter::Not(Box::new(Filter::CheckedIn(6))).to_text(&labels);
    assert_eq!(Filter::parse(&printed, &labels), Ok(Filter::Not(Box::new(Filter::CheckedIn(6)))));
}

#[test]
fn double_negation_is_allowed() {
    assert_eq!(ok("未未签到"), not(not(item(IN))));
}

#[test]
fn whitespace_of_either_width_between_words_is_skipped() {
    assert_eq!(ok("  签到 了 但\t未 签退 "), ok("签到了但未签退"));
    assert_eq!(ok("签到　且　签退"), Filter::And(vec![item(IN), item(OUT)]));
    // It never joins a label: 签 到 is not 签到.
    assert_eq!(unexpected("签 到"), (0, Expected::Term, Found::Unknown("签".into())));
}

#[test]
fn empty_filters_and_empty_parentheses_want_a_term() {
    assert_eq!(unexpected(""), (0, Expected::Term, Found::End));
    assert_eq!(unexpected("   "), (0, Expected::Term, Found::End));
    assert_eq!(unexpected("()"), (1, Expected::Term, word(")")));
    assert_eq!(unexpected("签到且（）"), (4, Expected::Term, word("）")));
    assert!(parse("").map_err(|e| e.message()).expect_err("empty").contains("空的"));
}

#[test]
fn a_trailing_or_doubled_connective_wants_a_term() {
    assert_eq!(unexpected("签到且"), (3, Expected::Term, Found::End));
    assert_eq!(unexpected("签到或"), (3, Expected::Term, Found::End));
    assert_eq!(unexpected("签到且或签退"), (3, Expected::Term, word("或")));
    assert_eq!(unexpected("未"), (1, Expected::Term, Found::End));
    assert_eq!(unexpected("且签到"), (0, Expected::Term, word("且")));
}

#[test]
fn adjacent_terms_want_a_connective_between_them() {
    assert_eq!(unexpected("签到签退"), (2, Expected::ConnectiveOrEnd, word("签退")));
    assert_eq!(unexpected("签到 未签退"), (3, Expected::ConnectiveOrEnd, word("未")));
    assert_eq!(unexpected("(签到 签退)"), (4, Expected::ConnectiveOrClose, word("签退")));
    assert_eq!(unexpected("签到(签退)"), (2, Expected::ConnectiveOrEnd, word("(")));
    let message = parse("签到签退").map_err(|e| e.message()).expect_err("adjacent");
    assert_eq!(message, "第3个字“签退”前缺少“且”或“或”：这里应为“且”“但”“或”或结束");
}

#[test]
fn unbalanced_parentheses_say_where() {
    assert_eq!(unexpected("(签到"), (3, Expected::ConnectiveOrClose, Found::End));
    assert_eq!(unexpected("（签到或签退"), (6, Expected::ConnectiveOrClose, Found::End));
    assert_eq!(unexpected("签到)"), (2, Expected::ConnectiveOrEnd, word(")")));
}

#[test]
fn an_unknown_word_is_quoted_with_its_position() {
    assert_eq!(unexpected("签到且迟到"), (3, Expected::Term, Found::Unknown("迟到".into())));
    // The unknown run stops at a word of the language and at a label.
    assert_eq!(unexpected("签到且迟到了"), (3, Expected::Term, Found::Unknown("迟到".into())));
    assert_eq!(unexpected("迟签到"), (0, Expected::Term, Found::Unknown("迟".into())));
    assert_eq!(unexpected("签到 and 签退"), (3, Expected::ConnectiveOrEnd, Found::Unknown("and".into())));
    let error = parse("签到且迟到").expect_err("unknown");
    assert_eq!((error.code(), error.expected().map(Expected::code)), ("unexpected", Some("term")));
    assert_eq!(error.message(), "第4个字起的“迟到”不是本活动的打卡项，也不是筛选用词：这里应为打卡项名称、“未”或“（”");
    // Positions count characters, not bytes.
    assert_eq!(unexpected("签到或x").0, 3);
}

#[test]
fn long_and_deep_filters_are_refused() {
    let long = format!("签到{}", "或签到".repeat(66)); // 200 characters
    assert!(parse(&long).is_ok());
    let longer = format!("{long}了");
    assert_eq!(parse(&longer), Err(FilterError { position: MAX_CHARS, kind: FilterErrorKind::TooLong { max: MAX_CHARS, length: 201 } }));

    let deep = |n: usize| format!("{}签到{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(&deep(MAX_DEPTH)).is_ok());
    assert_eq!(parse(&deep(MAX_DEPTH + 1)), Err(FilterError { position: MAX_DEPTH, kind: FilterErrorKind::TooDeep { max: MAX_DEPTH } }));
    let nots = |n: usize| format!("{}签到", "未".repeat(n));
    assert!(parse(&nots(MAX_DEPTH)).is_ok());
    assert_eq!(parse(&nots(MAX_DEPTH + 1)).map_err(|e| e.code()), Err("too_deep"));
    // Depth is what is open at once, not how many groups there are.
    assert!(parse("(签到)且".repeat(30).trim_end_matches('且')).is_ok());
}
