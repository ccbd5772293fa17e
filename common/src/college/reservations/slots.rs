//! Free slots of a given length (seed 002 四.2 with `length`): inside a range, every start on the
//! grid (multiples of the grid since the Unix epoch, which for grids dividing an hour are the
//! local quarter hours too) where a room is free for the whole length.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;

use super::Period;
use crate::college::rooms::{Room, RoomSearch};

/// At most this many slots per room in one answer (the earliest ones).
pub const MAX_SLOTS_PER_ROOM: usize = 96;

/// A room with its free slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSlots {
    pub room: Room,
    pub slots: Vec<Period>,
}

/// The first grid point at or after `t`.
fn align_up(t: DateTime<Utc>, grid: TimeDelta) -> DateTime<Utc> {
    let step = grid.num_seconds().max(1);
    let secs = t.timestamp();
    let up = secs.div_euclid(step) * step + if secs.rem_euclid(step) == 0 && t.timestamp_subsec_nanos() == 0 { 0 } else { step };
    DateTime::from_timestamp(up, 0).unwrap_or(t)
}

/// The slots of `length` on the `grid` inside `range` that overlap none of `busy` (sorted by start
/// or not); at most `max`.
pub fn free_slots(range: Period, length: TimeDelta, grid: TimeDelta, busy: &[Period], max: usize) -> Vec<Period> {
    let mut slots = Vec::new();
    let mut start = align_up(range.from, grid);
    while start + length <= range.to && slots.len() < max {
        let slot = Period { from: start, to: start + length };
        match busy.iter().filter(|b| b.overlaps(slot)).map(|b| b.to).max() {
            // Jump past the reservation in the way rather than trying every grid point inside it.
            Some(end) => start = align_up(end.max(start + grid), grid),
            None => {
                slots.push(slot);
                start += grid;
            }
        }
    }
    slots
}

/// The rooms matching `search` (seats, label, building; bookable) with their free slots of
/// `length` inside the search's range, by building and name; rooms without a slot are left out.
pub async fn available(conn: &mut PgConnection, search: &RoomSearch, length: TimeDelta, grid: TimeDelta) -> sqlx::Result<Vec<RoomSlots>> {
    let rooms = sqlx::query_as!(
        Room,
        r#"SELECT r.id, r.name, r.location, r.labels, r.capacity, r.equipment, r.is_active FROM meeting_rooms r
            WHERE r.is_active AND r.capacity >= $1
              AND ($2::TEXT IS NULL OR $2 = ANY(r.labels)) AND ($3::TEXT IS NULL OR r.location = $3)
            ORDER BY r.location, r.name, r.id LIMIT 500"#,
        search.people,
        search.label,
        search.location,
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rooms.iter().map(|r| r.id).collect();
    let range = Period { from: search.from, to: search.to };
    let rows = sqlx::query!(
        "SELECT room_id, period FROM room_reservations WHERE status = 'confirmed' AND room_id = ANY($1) AND period && $2",
        &ids,
        range.range(),
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut busy: HashMap<i64, Vec<Period>> = HashMap::new();
    for row in rows {
        if let Some(p) = Period::of(&row.period) {
            busy.entry(row.room_id).or_default().push(p);
        }
    }
    Ok(rooms
        .into_iter()
        .filter_map(|room| {
            let slots = free_slots(range, length, grid, busy.get(&room.id).map_or(&[][..], Vec::as_slice), MAX_SLOTS_PER_ROOM);
            (!slots.is_empty()).then_some(RoomSlots { room, slots })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hm: &str) -> DateTime<Utc> {
        // 2026-12-04 in Shanghai (UTC+8): 09:00 local is 01:00 UTC.
        let (h, m) = hm.split_once(':').unwrap();
        DateTime::parse_from_rfc3339(&format!("2026-12-04T{h:0>2}:{m}:00+08:00")).unwrap().with_timezone(&Utc)
    }

    fn p(from: &str, to: &str) -> Period {
        Period { from: at(from), to: at(to) }
    }

    #[test]
    fn slots_start_on_the_grid_and_skip_what_is_taken() {
        let quarter = TimeDelta::minutes(15);
        let slots = free_slots(p("9:05", "11:00"), TimeDelta::minutes(30), quarter, &[p("9:40", "10:10")], 100);
        let starts: Vec<_> = slots.iter().map(|s| s.from).collect();
        // 9:15 and 9:30 would overlap 9:40; 10:10 rounds up to 10:15.
        assert_eq!(starts, vec![at("10:15"), at("10:30")]);
        assert!(slots.iter().all(|s| s.to - s.from == TimeDelta::minutes(30)));
        let earlier = free_slots(p("9:00", "10:00"), TimeDelta::minutes(30), quarter, &[], 100);
        assert_eq!(earlier.iter().map(|s| s.from).collect::<Vec<_>>(), vec![at("9:00"), at("9:15"), at("9:30")]);
    }

    #[test]
    fn back_to_back_is_free_and_the_count_is_capped() {
        let quarter = TimeDelta::minutes(15);
        let slots = free_slots(p("9:00", "10:00"), TimeDelta::minutes(30), quarter, &[p("8:00", "9:00"), p("10:00", "11:00")], 100);
        assert_eq!(slots.len(), 3);
        assert_eq!(free_slots(p("0:00", "23:45"), quarter, quarter, &[], 10).len(), 10);
        assert!(free_slots(p("9:00", "9:20"), TimeDelta::minutes(30), quarter, &[], 10).is_empty());
    }
}
