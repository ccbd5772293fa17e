#!/usr/bin/env bash
# `scripts/bench search` (sourced by scripts/bench, with the stores running): seed 004's notice
# search (common/src/notices/search.sql, run as is) over N notices of Chinese text, as an admin
# sees them, a page of 20 by relevance: the median of five EXPLAIN ANALYZE execution times with the
# trigram indexes, and the same query with index scans turned off as the baseline.
bench_search_run() {
  local n=${1:-100000}
  local psql=("$(pg_bin)/psql" -q -X -v ON_ERROR_STOP=1 -d "$DATABASE_URL")
  for migration in migrations/*.sql; do "${psql[@]}" -f "$migration" >/dev/null; done
  log "seeding $n notices"
  "${psql[@]}" <<SQL
INSERT INTO notice_categories (name) VALUES ('教务'), ('奖助学金'), ('就业信息');
WITH words AS (SELECT ARRAY['奖学金','助学金','选课','考试','就业','招聘会','讲座','宿舍','体检','图书馆','实习','毕业','论文','答辩',
                            '报名','截止','材料','学费','军训','竞赛','社团','志愿者','安全','疫苗','假期','返校','成绩','补考','评优','党课'] AS w)
INSERT INTO notices (title, body, category_id, urgency, audience, sent_at)
SELECT w[1 + (g * 7) % 30] || '关于' || w[1 + (g * 13) % 30] || '的通知' || g,
       repeat(w[1 + (g * 3) % 30] || '相关事项请同学们注意，' || w[1 + (g * 11) % 30] || '安排如下。', 8),
       1 + g % 3, 'normal', '{"kind":"everyone"}', now() - make_interval(mins => g)
  FROM generate_series(1, $n) g, words;
ANALYZE notices;
SQL
  local sql; sql=$(grep -v '^--' common/src/notices/search.sql | sed -E 's/ AS "([a-z_]+)[!?]?(: [A-Za-z]+)?"/ AS \1/g')
  run() { # $1: extra settings, $2: the term
    for _ in 1 2 3 4 5; do
      "${psql[@]}" -At -c "$1" -c "PREPARE s AS $sql" \
        -c "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE s('%$2%', NULL, true, NULL, NULL, '$2', 'relevance', 20, 0)" |
        python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[0]["Execution Time"])'
    done | sort -n | sed -n 3p
  }
  echo "notices=$n"
  # A common word (in a tenth of the notices) and a rare one (one notice's number).
  local name q matched
  for name in common rare; do
    if [ "$name" = common ]; then q=奖学金; else q="通知$((n / 2 + 7))"; fi
    matched=$("${psql[@]}" -At -c "SELECT count(*) FROM notices WHERE lower(title) LIKE '%$q%' OR lower(body) LIKE '%$q%'")
    echo "search_${name}_term=$q search_${name}_matched=$matched"
    echo "notice_search_${name}_ms=$(run "SET enable_seqscan = on" "$q")"
    echo "baseline_no_index_${name}_ms=$(run "SET enable_bitmapscan = off" "$q")"
  done
}
