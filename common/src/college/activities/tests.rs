//! In PostgreSQL: the records filter selects exactly the users the plain reading of its tree
//! selects (seeded check-ins, the seed's filter, hand-picked ones and random trees), pages
//! newest first with the right total, and ignores cancelled enrollments, other activities and
//! check-ins without an enrollment; the schema refuses what its constraints say it refuses.

use std::collections::{BTreeSet, HashMap};

use rand::Rng;
use sqlx::PgPool;

use super::filter::fuzz;
use super::filter::{Filter, Labels};
use super::{items, records};
use crate::testing::database;

async fn insert_activity(pool: &PgPool, title: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO activities (title, starts_at, ends_at, enroll_from, enroll_until)
         VALUES ($1, now(), now() + interval '2 hours', now() - interval '1 day', now() + interval '1 hour') RETURNING id",
    )
    .bind(title)
    .fetch_one(pool)
    .await
    .expect("activity")
}

async fn insert_item(pool: &PgPool, activity: i64, label: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO activity_clockin_items (activity_id, label, opens_at, closes_at) VALUES ($1, $2, now(), now() + interval '1 hour') RETURNING id")
        .bind(activity)
        .bind(label)
        .fetch_one(pool)
        .await
        .expect("item")
}

async fn insert_users(pool: &PgPool, n: i32) -> Vec<i64> {
    sqlx::query_scalar("INSERT INTO users (username) SELECT 'activity-user-' || g FROM generate_series(1, $1) g ORDER BY g RETURNING id")
        .bind(n)
        .fetch_all(pool)
        .await
        .expect("users")
}

/// Enrolls `user`, `minutes_ago` minutes ago (cancelled at once when `cancelled`).
async fn enroll(pool: &PgPool, activity: i64, user: i64, minutes_ago: i32, cancelled: bool) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO activity_enrollments (activity_id, user_id, answers, created_at, cancelled_at)
         VALUES ($1, $2, jsonb_build_object('name', $2::text), now() - make_interval(mins => $3),
                 CASE WHEN $4 THEN now() END) RETURNING id",
    )
    .bind(activity)
    .bind(user)
    .bind(minutes_ago)
    .bind(cancelled)
    .fetch_one(pool)
    .await
    .expect("enrollment")
}

async fn check_in(pool: &PgPool, activity: i64, item: i64, user: i64) {
    sqlx::query("INSERT INTO activity_clockins (activity_id, item_id, user_id) VALUES ($1, $2, $3)")
        .bind(activity)
        .bind(item)
        .bind(user)
        .execute(pool)
        .await
        .expect("check-in");
}

/// An activity with 签到, 签退 and 签到二; 40 users enrolled a minute apart, each checked in to a
/// random subset; decoys that no filter may select.
struct Seeded {
    activity: i64,
    labels: Labels,
    items: Vec<i64>,
    /// Live enrollments, newest first: (enrollment id, user id, items checked in to).
    enrolled: Vec<(i64, i64, BTreeSet<i64>)>,
}

async fn seed(pool: &PgPool, rng: &mut impl Rng) -> Seeded {
    let activity = insert_activity(pool, "迎新晚会").await;
    let other = insert_activity(pool, "运动会").await;
    let items = vec![insert_item(pool, activity, "签到").await, insert_item(pool, activity, "签退").await, insert_item(pool, activity, "签到二").await];
    let other_item = insert_item(pool, other, "签到").await;
    let users = insert_users(pool, 43).await;
    let mut enrolled = Vec::new();
    for (i, &user) in users[..40].iter().enumerate() {
        let id = enroll(pool, activity, user, i32::try_from(i).expect("small"), false).await;
        let mut checked = BTreeSet::new();
        for &item in &items {
            if rng.gen_bool(0.5) {
                check_in(pool, activity, item, user).await;
                checked.insert(item);
            }
        }
        // Another activity's 签到, which this activity's 签到 must not see.
        if rng.gen_bool(0.5) {
            enroll(pool, other, user, 0, false).await;
            check_in(pool, other, other_item, user).await;
        }
        enrolled.push((id, user, checked));
    }
    // Decoys: a cancelled enrollment and a user never enrolled, both checked in to everything.
    let (cancelled, stranger) = (users[40], users[41]);
    enroll(pool, activity, cancelled, 0, true).await;
    for &item in &items {
        check_in(pool, activity, item, cancelled).await;
        check_in(pool, activity, item, stranger).await;
    }
    let loaded = items::of_activity(&mut pool.acquire().await.expect("conn"), activity).await.expect("items");
    assert_eq!(loaded.iter().map(|i| i.id).collect::<Vec<_>>(), items);
    Seeded { activity, labels: Labels::of_items(&loaded), items, enrolled }
}

/// The enrollments the tree selects, read plainly: (enrollment id, user id), newest first.
fn brute_force(seeded: &Seeded, filter: Option<&Filter>) -> Vec<(i64, i64)> {
    seeded
        .enrolled
        .iter()
        .filter(|(_, _, checked)| filter.is_none_or(|f| f.holds(&|item| checked.contains(&item))))
        .map(|(id, user, _)| (*id, *user))
        .collect()
}

async fn selected(pool: &PgPool, seeded: &Seeded, filter: Option<&Filter>, limit: i64, offset: i64) -> (Vec<(i64, i64)>, i64) {
    let mut conn = pool.acquire().await.expect("conn");
    let (rows, total) = records::list(&mut conn, seeded.activity, filter, limit, offset).await.expect("list");
    let checked: HashMap<i64, &BTreeSet<i64>> = seeded.enrolled.iter().map(|(id, _, c)| (*id, c)).collect();
    for row in &rows {
        let Some(&expected) = checked.get(&row.id) else {
            panic!("enrollment {} of user {} is not a live enrollment of the activity", row.id, row.user_id);
        };
        assert_eq!(row.checked_in.iter().copied().collect::<BTreeSet<_>>(), *expected, "check-ins of enrollment {}", row.id);
        assert_eq!(row.answers, serde_json::json!({ "name": row.user_id.to_string() }));
    }
    (rows.iter().map(|r| (r.id, r.user_id)).collect(), total)
}

#[tokio::test]
async fn the_filter_selects_exactly_the_users_its_tree_describes() {
    let pool = database().await;
    let (mut rng, cases, seed_value) = fuzz::run();
    let seeded = seed(&pool, &mut rng).await;

    let by_hand = ["签到了但未签退", "未签到", "签到或签退", "未（签到或签退）", "签到二且签到", "签退的或未签到二且签到", "未未签到", "(签到或签到二)但未签退了"];
    let mut filters: Vec<Filter> = by_hand
        .iter()
        .map(|text| Filter::parse(text, &seeded.labels).unwrap_or_else(|e| panic!("{text}: {}", e.message())))
        .collect();
    filters.extend((0..(cases / 60).max(20)).map(|_| fuzz::tree(&mut rng, &seeded.items, 3)));

    let everyone = brute_force(&seeded, None);
    assert_eq!(everyone.len(), 40);
    assert_eq!(selected(&pool, &seeded, None, 100, 0).await, (everyone.clone(), 40), "no filter: every live enrollment");
    for filter in &filters {
        let text = filter.to_text(&seeded.labels);
        let expected = brute_force(&seeded, Some(filter));
        let total = i64::try_from(expected.len()).expect("small");
        assert_eq!(selected(&pool, &seeded, Some(filter), 100, 0).await, (expected.clone(), total), "FUZZ_SEED={seed_value} {text}");
        let page: Vec<_> = expected.iter().skip(3).take(5).copied().collect();
        assert_eq!(selected(&pool, &seeded, Some(filter), 5, 3).await, (page, total), "FUZZ_SEED={seed_value} page of {text}");
    }
    // The seed's own example, spelled out: 签到 and not 签退.
    let example = Filter::parse("签到了但未签退", &seeded.labels).expect("example");
    let (checked_in, checked_out) = (seeded.items[0], seeded.items[1]);
    let spelled_out: Vec<_> =
        seeded.enrolled.iter().filter(|(_, _, c)| c.contains(&checked_in) && !c.contains(&checked_out)).map(|(id, u, _)| (*id, *u)).collect();
    assert_eq!(selected(&pool, &seeded, Some(&example), 100, 0).await.0, spelled_out);
}

/// Whether an activity starting now is refused; `ends` and `enroll_hours` count hours from now.
async fn activity_refused(pool: &PgPool, title: &str, ends: i32, enroll_hours: i32, capacity: Option<i32>, form: serde_json::Value) -> bool {
    sqlx::query(
        "INSERT INTO activities (title, starts_at, ends_at, enroll_from, enroll_until, capacity, form)
         VALUES ($1, now(), now() + make_interval(hours => $2), now(), now() + make_interval(hours => $3), $4, $5)",
    )
    .bind(title)
    .bind(ends)
    .bind(enroll_hours)
    .bind(capacity)
    .bind(form)
    .execute(pool)
    .await
    .is_err()
}

/// Whether a check-in item open for `hours` from now is refused.
async fn item_refused(pool: &PgPool, activity: i64, label: &str, hours: i32) -> bool {
    sqlx::query("INSERT INTO activity_clockin_items (activity_id, label, opens_at, closes_at) VALUES ($1, $2, now(), now() + make_interval(hours => $3))")
        .bind(activity)
        .bind(label)
        .bind(hours)
        .execute(pool)
        .await
        .is_err()
}

/// Whether a second enrollment or check-in is refused.
async fn refused(pool: &PgPool, sql: &str, binds: [i64; 3]) -> bool {
    sqlx::query(sql).bind(binds[0]).bind(binds[1]).bind(binds[2]).execute(pool).await.is_err()
}

#[tokio::test]
async fn the_schema_refuses_what_its_constraints_say() {
    let pool = database().await;
    let activity = insert_activity(&pool, "讲座").await;
    let other = insert_activity(&pool, "另一个讲座").await;
    let item = insert_item(&pool, activity, "签到").await;
    let user = insert_users(&pool, 1).await[0];
    let enrollment = "INSERT INTO activity_enrollments (activity_id, user_id, answers) VALUES ($1, $2, jsonb_build_object('n', $3))";
    let clockin = "INSERT INTO activity_clockins (activity_id, item_id, user_id) VALUES ($1, $2, $3)";

    assert!(!refused(&pool, enrollment, [activity, user, 0]).await, "a first enrollment");
    assert!(refused(&pool, enrollment, [activity, user, 1]).await, "a second live enrollment");
    sqlx::query("UPDATE activity_enrollments SET cancelled_at = now() WHERE activity_id = $1").bind(activity).execute(&pool).await.expect("cancel");
    assert!(!refused(&pool, enrollment, [activity, user, 2]).await, "enrolling again after cancelling");

    assert!(!refused(&pool, clockin, [activity, item, user]).await, "a first check-in");
    assert!(refused(&pool, clockin, [activity, item, user]).await, "a second check-in to one item");
    assert!(refused(&pool, clockin, [other, item, user]).await, "an item under another activity");

    for label in ["签退", "到达目的地", "未到"] {
        assert!(!item_refused(&pool, activity, label, 1).await, "label {label:?}");
    }
    for label in ["签到", "", "签 到", "签（到", "签到(", "签到\u{3000}", "一二三四五六七八九十一二三四五六七八九十一"] {
        assert!(item_refused(&pool, activity, label, 1).await, "label {label:?}");
    }
    assert!(item_refused(&pool, activity, "晚签到", 0).await, "an empty window");

    let list = || serde_json::json!([]);
    assert!(!activity_refused(&pool, "x", 1, 1, Some(1), list()).await, "a valid activity");
    assert!(activity_refused(&pool, "x", -1, 1, None, list()).await, "ends before it starts");
    assert!(activity_refused(&pool, "x", 1, 0, None, list()).await, "an empty enrollment window");
    assert!(activity_refused(&pool, "x", 1, 1, Some(0), list()).await, "no places");
    assert!(activity_refused(&pool, "x", 1, 1, None, serde_json::json!({})).await, "a form that is not a list");
    assert!(activity_refused(&pool, "", 1, 1, None, list()).await, "an empty title");
    let overfull = sqlx::query("UPDATE activities SET capacity = 1, enrolled = 2 WHERE id = $1").bind(activity).execute(&pool).await;
    assert!(overfull.is_err(), "more enrolled than places");
}
