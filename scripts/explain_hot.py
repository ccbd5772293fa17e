#!/usr/bin/env python3
"""`scripts/bench explain`: EXPLAIN (ANALYZE, BUFFERS) of the hot statements of a booking, a
subscribe send and the 20:00 reminder planning, against a day of 100,000 appointments.

Each statement's text is taken from `.sqlx/` (sqlx's offline data, the exact text the code
prepares, `.sql` files included), found by a piece of it, with its parameter types from there
too, so this script cannot drift from the code: a statement it cannot find fails the run. Each
runs once to warm the caches (undone), then once explained, inside a transaction that is rolled
back.
Prints Markdown (docs/hot-queries.md is one run's output). Needs DATABASE_URL (migrated, empty)
and PSQL (the psql binary)."""

import glob
import json
import os
import subprocess
import sys

DB = os.environ["DATABASE_URL"]
PSQL = os.environ.get("PSQL", "psql")

SQLX_TYPES = {
    "Int2": "smallint", "Int4": "integer", "Int8": "bigint", "Float8": "double precision",
    "Text": "text", "Bool": "boolean", "Date": "date", "Time": "time", "Timestamptz": "timestamptz",
    "Jsonb": "jsonb", "Int8Array": "bigint[]", "Int4Array": "integer[]", "TextArray": "text[]",
}

SEED = """
INSERT INTO hospitals (name) VALUES ('计划医院');
INSERT INTO departments (hospital_id, name) SELECT id, '内科' FROM hospitals;
INSERT INTO schedules (hospital_id, department_id, date, period, start_time, end_time, capacity, fee_cents)
SELECT h.id, d.id, (now() AT TIME ZONE 'Asia/Shanghai')::date + 1, '时段' || g, '08:00', '12:00', 10000, 0
  FROM hospitals h, departments d, generate_series(1, 100) g;
INSERT INTO users (username, name, roles) SELECT 'remind' || g, '患者' || g, '{patient}' FROM generate_series(1, 1000) g;
INSERT INTO wechat_identities (user_id, appid, openid) SELECT id, 'wxsimmini', 'o' || id FROM users;
WITH u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users),
     s AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM schedules),
     p AS (INSERT INTO patients (user_id, name, phone)
           SELECT u.id, '患者' || g, '13800000000' FROM generate_series(0, 99999) g JOIN u ON u.k = g % 1000
           RETURNING id, user_id)
INSERT INTO appointments (order_no, schedule_id, patient_id, user_id, queue_number, payment_status, pay_amount_cents)
SELECT 'RB' || p.id, s.id, p.id, p.user_id, p.id, 'free', 0 FROM p JOIN s ON s.k = p.id % 100;
INSERT INTO subscribe_grants (user_id, template_id, decision, scene)
SELECT user_id, '模板ID2', 'accept', 'bench' FROM appointments;
-- Half the day planned as the 20:00 run plans it, so a send row exists for the send's statements.
INSERT INTO subscribe_sends (idempotency_key, kind, user_id, appointment_id, template_id)
SELECT 'visit_reminder:appointment:' || id || ':seeded', 'visit_reminder', user_id, id, '模板ID2'
  FROM appointments WHERE id % 2 = 0;
ANALYZE;
"""


def psql(sql):
    run = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", DB], input=sql, text=True, capture_output=True)
    if run.returncode != 0:
        sys.exit(f"psql failed: {run.stderr}")
    return run.stdout.strip()


def statement(piece):
    """The text and parameter types of the one compile-checked statement containing `piece`."""
    found = []
    for path in glob.glob(".sqlx/query-*.json"):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if piece in data["query"]:
            found.append(data)
    if len(found) != 1:
        sys.exit(f"{len(found)} statements in .sqlx/ contain {piece!r}; want exactly one")
    params = found[0]["describe"]["parameters"].get("Left", [])
    return found[0]["query"], [SQLX_TYPES[p] for p in params]


def explain(title, why, piece, args, setup=""):
    text, types = statement(piece)
    values = ", ".join(args)
    prepared = f"PREPARE hot ({', '.join(types)}) AS {text};" if types else f"PREPARE hot AS {text};"
    run = f"EXECUTE hot ({values})" if types else "EXECUTE hot"
    # The warm-up's effects are undone (a savepoint), so the explained run does the same work.
    out = psql(
        f"BEGIN;\n{setup}\n{prepared}\n\\o /dev/null\nSAVEPOINT warm;\n{run};\nROLLBACK TO warm;\n\\o\n"
        f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON) {run};\nROLLBACK;"
    )
    plan = "\n".join(line for line in out.splitlines() if line)
    first = text.strip().splitlines()[0]
    print(f"### {title}\n\n{why}\n\nStatement (first line): `{first[:110]}`\n\n```\n{plan}\n```\n")


def main():
    psql(SEED)
    ids = psql(
        "SELECT (SELECT min(id) FROM schedules), (SELECT min(id) FROM users), "
        "(SELECT min(id) FROM subscribe_sends), (SELECT min(a.id) FROM appointments a), "
        "(SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + 1)"
    ).split("|")
    schedule, user, send, appointment, day = ids
    counts = psql("SELECT (SELECT count(*) FROM appointments), (SELECT count(*) FROM subscribe_grants), (SELECT count(*) FROM subscribe_sends)")
    a, g, s = counts.split("|")
    print(f"Data: {int(a):,} appointments of 1,000 users on 100 schedules of one day, {int(g):,} reminder grants, {int(s):,} send rows.\n")
    # A patient of the user with no appointment on the schedule: the booking's own.
    new_patient = "INSERT INTO patients (user_id, name, phone) VALUES (%s, '新患者', '13900000000');" % user

    print("## A booking (`POST /patient/appointments`)\n")
    explain("The place taken and the appointment written (`hospital/place.sql`)",
            "Duplicate check, counter, order number and insert in one statement, which also reads the schedule; its update "
            "takes the schedule's row lock, held to COMMIT: bookings of one schedule take turns.",
            "Takes one place on a schedule and writes its appointment",
            [schedule, "currval('patients_id_seq')", user, "'头痛'", "'booking'", "'20261206'", "NULL"], setup=new_patient)
    explain("The request's subscribe decisions recorded (`grants::record_decisions`)",
            "One grant per accepted template, unless the user already holds the cap of unspent ones.",
            "INSERT INTO subscribe_grants (user_id, template_id, decision, scene)\n         SELECT $1, t,",
            [user, """'{"模板ID2": "accept"}'""", "NULL", "20"])
    explain("The subscribe message planned (`subscribe/plan_send.sql`)", "A grant spent, the send row and its outbox row.",
            "Plans one subscribe message in one round trip",
            ["'bench:explain'", "'visit_reminder'", user, appointment, "NULL", "NULL", "'模板ID2'", "'wechat'", "'send_subscribe_message'", "10", "30"])

    print("## A subscribe send (`send_subscribe_message`)\n")
    explain("The claim, with the openid and the target's state (`SendLog::claim`)",
            "pending → sending; HOT when the page has room. One row's statement: its plan is cached (an array of ids would be planned "
            "anew on each call).",
            "claim_attempt = $2, updated_at = now()\n                WHERE id = $1 AND (status = 'pending'", [send, "1", "60", "'wxsimmini'"])
    explain("The appointment read as settled, with the message's facts (`render::appointment_facts_of`)",
            "FOR SHARE OF the appointment: a cancel or reschedule in flight commits first. Six tables joined by primary key.",
            "WHERE x.id = $1\n              FOR SHARE OF a", [send])
    explain("The send recorded (`SendLog::sent`)", "sending → sent, guarded by the claim.",
            "UPDATE subscribe_sends SET status = 'sent', openid = $3", [send, "now()", "'o1'", """'{"thing1": "患者"}'"""],
            setup=f"UPDATE subscribe_sends SET status = 'sending', claimed_at = now() WHERE id = {send};")

    chunk = psql("SELECT array_agg(id ORDER BY id)::TEXT FROM (SELECT id FROM subscribe_sends ORDER BY id LIMIT 50) t")
    round_ = psql("SELECT array_agg(id ORDER BY id)::TEXT FROM (SELECT id FROM subscribe_sends ORDER BY id LIMIT 10) t")
    print("## A chunk of the 20:00 reminders (`send_subscribe_batch`, 50 sends)\n")
    explain("The chunk's claim (`SendLog::claim_many`)",
            "The claim over the chunk's 50 ids, each with its run's attempt (single sends running at once share it too).",
            "WHERE id = ANY($1) AND (status = 'pending'", [f"'{chunk}'", "array_fill(1, ARRAY[50])", "60", "'wxsimmini'"])
    explain("A round's facts (`render::appointment_facts_many`)", "Ten sends' appointments, read FOR SHARE in id order.",
            "WHERE x.id = ANY($1)\n            ORDER BY a.id", [f"'{round_}'"])

    print("## The 20:00 planning (`plan_visit_reminders`), one batch\n")
    explain("1,000 reminders planned (`subscribe/plan_reminders.sql`)",
            "The next 1,000 appointments of the day: the grants spent, the send rows and one outbox row per 50 sends. Most of its time is "
            "the foreign-key checks of the rows it inserts (the trigger lines).",
            "Plans the visit reminders of one batch",
            [f"'{day}'", "0", "1000", "'模板ID2'", "'visit_reminder'", f"'reminder:{day}'", "'wechat'", "'send_subscribe_message'", "10", "30",
             "'send_subscribe_batch'", "50"])


if __name__ == "__main__":
    main()
