//! Generated filters (stable Rust, seeded `rand`, as `wechat/callback/fuzz.rs` does; `FUZZ_SEED`
//! replays a run, `FUZZ_CASES` sets the cases per property, 3,000 by default). Properties:
//! parsing any string over the language's alphabet returns and never panics, an error points
//! inside the text, and what parses prints back to itself; a random well-formed tree, written
//! with random spacing, parenthesis widths, 但 for 且, particles and redundant parentheses,
//! parses back to the same tree, and so does the tree's [`Filter::to_text`].

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

pub(in crate::college::activities) fn run() -> (StdRng, usize, u64) {
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    (StdRng::seed_from_u64(seed), cases, seed)
}

/// Labels with prefixes of one another (签 ⊂ 签到 ⊂ 签到二) and none holding the language's words,
/// so that any tree can be written without spaces.
const LABELS: &[(i64, &str)] = &[(1, "签到"), (2, "签退"), (3, "签到二"), (4, "签"), (5, "到场")];

/// What random strings are made of: the words, label pieces, blanks and strangers.
const PIECES: &[&str] = &[
    "签到", "签退", "签到二", "签", "到", "场", "二", "退", "且", "但", "或", "未", "了", "的", "(", ")", "（", "）", " ", "　", "\t", "x", "迟", "😀", "\u{0}",
    "\u{301}",
];

#[test]
fn parsing_any_string_returns_and_what_parses_prints_back() {
    let (mut rng, cases, seed) = run();
    let labels = Labels::new(LABELS.iter().copied());
    for case in 0..cases {
        let text: String = (0..rng.gen_range(0..60)).map(|_| PIECES[rng.gen_range(0..PIECES.len())]).collect();
        let parsed = std::panic::catch_unwind(|| Filter::parse(&text, &labels))
            .unwrap_or_else(|_| panic!("FUZZ_SEED={seed} case {case}: a panic on {text:?}"));
        match parsed {
            Ok(filter) => {
                let printed = filter.to_text(&labels);
                assert_eq!(Filter::parse(&printed, &labels).as_ref(), Ok(&filter), "FUZZ_SEED={seed} case {case}: {text:?} printed as {printed:?}");
            }
            Err(e) => {
                assert!(e.position <= text.chars().count(), "FUZZ_SEED={seed} case {case}: {text:?} → {e:?}");
                assert!(!e.message().is_empty());
            }
        }
    }
}

/// A random tree over `items`, at most `depth` levels of connectives deep; And and Or have 2–4
/// parts. (The PostgreSQL test draws its filters here too.)
pub(in crate::college::activities) fn tree(rng: &mut StdRng, items: &[i64], depth: u32) -> Filter {
    if depth == 0 || rng.gen_bool(0.3) {
        return Filter::CheckedIn(items[rng.gen_range(0..items.len())]);
    }
    let parts = |rng: &mut StdRng| (0..rng.gen_range(2..5)).map(|_| tree(rng, items, depth - 1)).collect();
    match rng.gen_range(0..3) {
        0 => Filter::Not(Box::new(tree(rng, items, depth - 1))),
        1 => Filter::And(parts(rng)),
        _ => Filter::Or(parts(rng)),
    }
}

/// Writes `filter` the way a person might: any blanks between words, either parenthesis width,
/// 但 or 且, a particle after some labels, redundant parentheses now and then.
fn write(rng: &mut StdRng, filter: &Filter, out: &mut String) {
    let blank = |rng: &mut StdRng, out: &mut String| {
        let n = if rng.gen_bool(0.6) { 0 } else { rng.gen_range(1..3) };
        for _ in 0..n {
            out.push([' ', '　', '\t'][rng.gen_range(0..3)]);
        }
    };
    let group = |rng: &mut StdRng, f: &Filter, out: &mut String, needed: bool| {
        let grouped = needed || rng.gen_bool(0.05);
        if grouped {
            out.push(if rng.gen() { '(' } else { '（' });
            blank(rng, out);
        }
        write(rng, f, out);
        if grouped {
            blank(rng, out);
            out.push(if rng.gen() { ')' } else { '）' });
        }
    };
    match filter {
        Filter::CheckedIn(item) => {
            out.push_str(LABELS.iter().find(|(id, _)| id == item).map(|(_, l)| *l).unwrap_or("?"));
            if rng.gen_bool(0.3) {
                blank(rng, out);
                out.push(if rng.gen() { '了' } else { '的' });
            }
        }
        Filter::Not(inner) => {
            out.push('未');
            blank(rng, out);
            group(rng, inner, out, matches!(**inner, Filter::And(_) | Filter::Or(_)));
        }
        Filter::And(parts) | Filter::Or(parts) => {
            let or = matches!(filter, Filter::Or(_));
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    blank(rng, out);
                    out.push(if or { '或' } else if rng.gen() { '且' } else { '但' });
                    blank(rng, out);
                }
                let needed = if or { matches!(part, Filter::Or(_)) } else { matches!(part, Filter::And(_) | Filter::Or(_)) };
                group(rng, part, out, needed);
            }
        }
    }
}

#[test]
fn a_written_tree_parses_back_to_itself() {
    let (mut rng, cases, seed) = run();
    let labels = Labels::new(LABELS.iter().copied());
    let items: Vec<i64> = LABELS.iter().map(|(id, _)| *id).collect();
    let mut checked = 0;
    for case in 0..cases {
        let filter = tree(&mut rng, &items, 4);
        let mut text = String::new();
        write(&mut rng, &filter, &mut text);
        match Filter::parse(&text, &labels) {
            Ok(parsed) => {
                assert_eq!(parsed, filter, "FUZZ_SEED={seed} case {case}: {text:?}");
                // Spaced out, the printed form may pass the length limit where the written one did not.
                let printed = filter.to_text(&labels);
                match Filter::parse(&printed, &labels) {
                    Ok(reparsed) => assert_eq!(reparsed, filter, "FUZZ_SEED={seed} case {case}: printed as {printed:?}"),
                    Err(e) => assert!(matches!(e.kind, FilterErrorKind::TooLong { .. }), "FUZZ_SEED={seed} case {case}: {printed:?} → {e:?}"),
                }
                checked += 1;
            }
            // Only the limits may refuse a well-formed tree.
            Err(e) => assert!(matches!(e.kind, FilterErrorKind::TooLong { .. } | FilterErrorKind::TooDeep { .. }), "FUZZ_SEED={seed} case {case}: {text:?} → {e:?}"),
        }
    }
    assert!(checked >= cases / 2, "too few trees fit the limits: {checked} of {cases}");
}
