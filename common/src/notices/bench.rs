//! `scripts/bench notices`: planning one notice to 10,000 students (20 classes, every student
//! bound, 30% following only another category) in one transaction through [`send::send`] — the
//! notice, 10,000 frozen recipients and a template message (row, outbox entry) for each of the
//! 7,000 reachable. Prints `notice_plan_10k_ms=` (the median of three, each rolled back so every
//! run starts alike), `notice_plan_10k_sends=`, and as the same run's baseline
//! `baseline_freeze_only_10k_ms=` (the same notice when nobody is bound: recipients only, no
//! messages). Ignored in the test suite: it measures, it does not judge.

use std::time::Instant;

use super::audience::Audience;
use super::send::{self, NewNotice, Template, Urgency};
use super::Scope;
use crate::testing::database;

#[tokio::test]
#[ignore = "a benchmark: scripts/bench notices"]
async fn plan_10k() {
    let pool = database().await;
    let seed = [
        "INSERT INTO users (username) VALUES ('bench-author')",
        "INSERT INTO notice_categories (name) VALUES ('就业信息'), ('奖助学金')",
        "INSERT INTO school_classes (name, grade, major) SELECT '班级' || g, '2024', '计算机' FROM generate_series(1, 20) g",
        "INSERT INTO students (student_no, name, class_id)
         SELECT 'S' || lpad(g::text, 6, '0'), '学生' || g, (SELECT id FROM school_classes ORDER BY id OFFSET (g % 20) LIMIT 1)
           FROM generate_series(1, 10000) g",
        "INSERT INTO student_notice_settings (student_id, category_ids)
         SELECT id, ARRAY[(SELECT max(id) FROM notice_categories)] FROM students WHERE id % 10 < 3",
        "ANALYZE",
    ];
    for sql in seed {
        sqlx::query(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let author: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'bench-author'").fetch_one(&pool).await.expect("author");
    let category: i64 = sqlx::query_scalar("SELECT min(id) FROM notice_categories").fetch_one(&pool).await.expect("category");
    let notice = NewNotice {
        title: "基准通知".into(),
        body: "全体同学".into(),
        category_id: category,
        urgency: Urgency::Normal,
        require_confirm: false,
        audience: Audience::Everyone,
        author_id: author,
        mass: None,
    };
    let template = Template::only("模板ID5", Some("https://h5.example/notices/{id}"));

    let (freeze_ms, _) = median_ms(&pool, &notice, template).await;
    sqlx::query("INSERT INTO student_bindings (student_id, appid, openid) SELECT id, 'wxbench', 'o-bench-' || id FROM students")
        .execute(&pool)
        .await
        .expect("bindings");
    sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
    let (plan_ms, sends) = median_ms(&pool, &notice, template).await;
    assert_eq!(sends, 7_000, "every bound student but the 30% who follow another category");
    eprintln!("notice_plan_10k_ms={plan_ms:.1}");
    eprintln!("notice_plan_10k_sends={sends}");
    eprintln!("baseline_freeze_only_10k_ms={freeze_ms:.1}");
}

/// The median of three plannings, each in a transaction rolled back afterwards; and the
/// messages one planned.
async fn median_ms(pool: &sqlx::PgPool, notice: &NewNotice, template: Template<'_>) -> (f64, usize) {
    let mut times = Vec::new();
    let mut sends = 0;
    for _ in 0..3 {
        let mut tx = pool.begin().await.expect("tx");
        let started = Instant::now();
        let sent = send::send(&mut tx, Scope::All, notice, template).await.expect("send");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(sent.recipients, 10_000);
        sends = sent.outbox.len();
        tx.rollback().await.expect("rollback");
    }
    times.sort_by(f64::total_cmp);
    (times[1], sends)
}
