//! `scripts/bench filter`: 100,000 live enrollments of one activity, about 70% checked in to 签到
//! and 40% to 签退, filtered with the seed's "签到了但未签退" through [`records::list`] (the first
//! page of 20 and the total). Prints `filter_100k_ms=` (the median of five runs after a warm-up),
//! `filter_100k_selected=`, and as the same run's baseline `baseline_unfiltered_100k_ms=` (the same
//! page and total without a filter). Ignored in the test suite: it measures, it does not judge.

use std::time::Instant;

use super::filter::{Filter, Labels};
use super::{items, records};
use crate::testing::database;

#[tokio::test]
#[ignore = "a benchmark: scripts/bench filter"]
async fn filter_100k() {
    let pool = database().await;
    let activity: i64 = sqlx::query_scalar(
        "INSERT INTO activities (title, starts_at, ends_at, enroll_from, enroll_until)
         VALUES ('基准', now(), now() + interval '2 hours', now() - interval '1 day', now()) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("activity");
    for label in ["签到", "签退"] {
        sqlx::query("INSERT INTO activity_clockin_items (activity_id, label, opens_at, closes_at) VALUES ($1, $2, now(), now() + interval '1 hour')")
            .bind(activity)
            .bind(label)
            .execute(&pool)
            .await
            .expect("item");
    }
    sqlx::query("INSERT INTO users (username) SELECT 'bench-' || g FROM generate_series(1, 100000) g").execute(&pool).await.expect("users");
    // Consecutive ids: each last digit occurs 10,000 times.
    let seed = [
        "INSERT INTO activity_enrollments (activity_id, user_id, answers, created_at)
         SELECT $1, u.id, jsonb_build_object('name', u.username), now() - make_interval(secs => u.id)
           FROM users u WHERE u.username LIKE 'bench-%'",
        "INSERT INTO activity_clockins (activity_id, item_id, user_id)
         SELECT $1, i.id, u.id FROM users u JOIN activity_clockin_items i ON i.activity_id = $1
          WHERE u.username LIKE 'bench-%' AND ((i.label = '签到' AND u.id % 10 < 7) OR (i.label = '签退' AND u.id % 10 < 4))",
    ];
    for sql in seed {
        sqlx::query(sql).bind(activity).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // As autovacuum would have by the time anyone filters.
    sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
    let mut conn = pool.acquire().await.expect("conn");
    let labels = Labels::of_items(&items::of_activity(&mut conn, activity).await.expect("items"));
    let filter = Filter::parse("签到了但未签退", &labels).expect("filter");

    let (filtered_ms, selected) = median_ms(&mut conn, activity, Some(&filter)).await;
    assert_eq!(selected, 30_000, "ids ending in 4, 5 or 6 checked in to 签到 only");
    let (unfiltered_ms, all) = median_ms(&mut conn, activity, None).await;
    assert_eq!(all, 100_000);
    eprintln!("filter_100k_ms={filtered_ms:.1}");
    eprintln!("filter_100k_selected={selected}");
    eprintln!("baseline_unfiltered_100k_ms={unfiltered_ms:.1}");
}

/// The median time of five `records::list` calls (a page of 20 and the total) after a warm-up,
/// with the total they found.
async fn median_ms(conn: &mut sqlx::PgConnection, activity: i64, filter: Option<&Filter>) -> (f64, i64) {
    let mut runs = Vec::new();
    let mut total = 0;
    for _ in 0..6 {
        let started = Instant::now();
        let (page, found) = records::list(conn, activity, filter, 20, 0).await.expect("list");
        runs.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(page.len(), 20);
        total = found;
    }
    runs.remove(0); // the warm-up
    runs.sort_by(f64::total_cmp);
    (runs[runs.len() / 2], total)
}
