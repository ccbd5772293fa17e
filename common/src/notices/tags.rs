//! Official Account tags kept in sync with classes and groups, for mass sends by tag: each class
//! and each group has a tag (`notice_tags`, created on WeChat by the `sync_notice_tags` job under
//! the name `c<id> <class>` / `g<id> <group>`, cut to WeChat's 30 characters: the view
//! `notice_tag_names`), and `notice_tag_members` records which openids WeChat has been told carry
//! it. The job renames a tag whose class or group was renamed ([`renames`]), then compares the
//! members with the active bindings of the class's students and of the group's members and tags
//! or untags the difference in batches of at most 50 (WeChat's limit), recording each step as it
//! lands, so a re-run does only what is left. Binding, unbinding (unfollow, re-follow),
//! membership changes and renames ask for a run ([`request_sync`], [`follow_rename`]).

use sqlx::PgConnection;

use crate::jobs::kinds::SyncNoticeTags;
use crate::outbox::Enqueue;

/// Enqueues a sync (run it in the transaction of the change that needs it).
pub async fn request_sync(conn: &mut PgConnection) -> sqlx::Result<Option<i64>> {
    SyncNoticeTags {}.enqueue(conn).await
}

/// A class or group was saved under `after`, named `before` until then: a rename asks for a sync,
/// which renames its WeChat tag (`None`: the name stayed).
pub async fn follow_rename(conn: &mut PgConnection, before: &str, after: &str) -> sqlx::Result<Option<i64>> {
    if before == after {
        return Ok(None);
    }
    request_sync(conn).await
}

/// Gives every class and group a tag row (not yet created on WeChat); a row not yet created takes
/// its class's or group's current name.
pub async fn ensure_rows(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO notice_tags (class_id, group_id, name)
           SELECT class_id, group_id, name FROM notice_tag_names
           ON CONFLICT DO NOTHING"#
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE notice_tags t SET name = w.name FROM notice_tag_names w
          WHERE t.wechat_tag_id IS NULL AND (t.class_id = w.class_id OR t.group_id = w.group_id) AND t.name <> w.name"
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A tag on WeChat whose class or group now goes by another name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub id: i64,
    pub wechat_tag_id: i64,
    /// The name it should carry.
    pub name: String,
}

/// The tags created on WeChat whose class or group was renamed since.
pub async fn renames(conn: &mut PgConnection) -> sqlx::Result<Vec<Rename>> {
    sqlx::query_as!(
        Rename,
        r#"SELECT t.id, t.wechat_tag_id AS "wechat_tag_id!", w.name AS "name!"
             FROM notice_tags t JOIN notice_tag_names w ON t.class_id = w.class_id OR t.group_id = w.group_id
            WHERE t.wechat_tag_id IS NOT NULL AND t.name <> w.name
            ORDER BY t.id"#
    )
    .fetch_all(conn)
    .await
}

/// Takes the rename for this run (the row locked until the transaction ends): `false` when the
/// tag is gone or carries that name already (a run at the same time renamed it).
pub async fn take_rename(conn: &mut PgConnection, r: &Rename) -> sqlx::Result<bool> {
    let current = sqlx::query_scalar!("SELECT name FROM notice_tags WHERE id = $1 AND wechat_tag_id = $2 FOR UPDATE", r.id, r.wechat_tag_id)
        .fetch_optional(conn)
        .await?;
    Ok(current.is_some_and(|name| name != r.name))
}

/// WeChat's tag of row `id` carries `name` now.
pub async fn renamed(conn: &mut PgConnection, id: i64, name: &str) -> sqlx::Result<()> {
    sqlx::query!("UPDATE notice_tags SET name = $2 WHERE id = $1", id, name).execute(conn).await?;
    Ok(())
}

/// A tag row not yet created on WeChat.
#[derive(Debug, Clone)]
pub struct Uncreated {
    pub id: i64,
    pub name: String,
}

pub async fn uncreated(conn: &mut PgConnection) -> sqlx::Result<Vec<Uncreated>> {
    sqlx::query_as!(Uncreated, "SELECT id, name FROM notice_tags WHERE wechat_tag_id IS NULL ORDER BY id").fetch_all(conn).await
}

/// The tag row `id` is WeChat's tag `wechat_tag_id`.
pub async fn created(conn: &mut PgConnection, id: i64, wechat_tag_id: u64) -> sqlx::Result<()> {
    let wechat_tag_id = i64::try_from(wechat_tag_id).unwrap_or(i64::MAX);
    sqlx::query!("UPDATE notice_tags SET wechat_tag_id = $2 WHERE id = $1", id, wechat_tag_id).execute(conn).await?;
    Ok(())
}

/// WeChat no longer knows the tag (45159): created again at the next run, its members with it.
pub async fn forget(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM notice_tag_members WHERE tag_id = $1", id).execute(&mut *conn).await?;
    sqlx::query!("UPDATE notice_tags SET wechat_tag_id = NULL, synced_at = NULL WHERE id = $1", id).execute(conn).await?;
    Ok(())
}

/// One openid to tag (`add`) or untag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub tag_id: i64,
    pub wechat_tag_id: i64,
    pub openid: String,
    pub add: bool,
}

/// Up to `limit` differences between what WeChat has been told and the active bindings, by tag,
/// additions first.
pub async fn changes(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Change>> {
    sqlx::query_as!(
        Change,
        r#"WITH wanted AS (
               SELECT t.id AS tag_id, b.openid FROM notice_tags t
                 JOIN students s ON s.class_id = t.class_id
                 JOIN student_bindings b ON b.student_id = s.id AND b.active
               UNION
               SELECT t.id, b.openid FROM notice_tags t
                 JOIN student_group_members m ON m.group_id = t.group_id
                 JOIN student_bindings b ON b.student_id = m.student_id AND b.active
           ), diff AS (
               SELECT w.tag_id, w.openid, true AS add FROM wanted w
                WHERE NOT EXISTS (SELECT 1 FROM notice_tag_members m WHERE m.tag_id = w.tag_id AND m.openid = w.openid)
               UNION ALL
               SELECT m.tag_id, m.openid, false FROM notice_tag_members m
                WHERE NOT EXISTS (SELECT 1 FROM wanted w WHERE w.tag_id = m.tag_id AND w.openid = m.openid)
           )
           SELECT d.tag_id AS "tag_id!", t.wechat_tag_id AS "wechat_tag_id!", d.openid AS "openid!", d.add AS "add!"
             FROM diff d JOIN notice_tags t ON t.id = d.tag_id
            WHERE t.wechat_tag_id IS NOT NULL
            ORDER BY d.tag_id, d.add DESC, d.openid
            LIMIT $1"#,
        limit
    )
    .fetch_all(conn)
    .await
}

/// WeChat took a batch: records the openids as tagged (`add`) or untagged.
pub async fn applied(conn: &mut PgConnection, tag_id: i64, openids: &[String], add: bool) -> sqlx::Result<()> {
    if add {
        sqlx::query!(
            "INSERT INTO notice_tag_members (tag_id, openid) SELECT $1, o FROM unnest($2::text[]) o ON CONFLICT DO NOTHING",
            tag_id,
            openids
        )
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query!("DELETE FROM notice_tag_members WHERE tag_id = $1 AND openid = ANY($2)", tag_id, openids).execute(&mut *conn).await?;
    }
    sqlx::query!("UPDATE notice_tags SET synced_at = now() WHERE id = $1", tag_id).execute(conn).await?;
    Ok(())
}

/// The changes in WeChat's batches: consecutive changes of one tag and direction, at most `size`.
pub fn batches(changes: &[Change], size: usize) -> Vec<&[Change]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=changes.len() {
        let split = i == changes.len()
            || i - start == size
            || changes[i].tag_id != changes[start].tag_id
            || changes[i].add != changes[start].add;
        if split {
            out.push(&changes[start..i]);
            start = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(tag_id: i64, n: usize, add: bool) -> Vec<Change> {
        (0..n).map(|i| Change { tag_id, wechat_tag_id: 100 + tag_id, openid: format!("o{tag_id}-{i}"), add }).collect()
    }

    #[test]
    fn batches_hold_one_tag_and_direction_and_at_most_fifty() {
        let mut all = change(1, 120, true);
        all.extend(change(1, 3, false));
        all.extend(change(2, 50, true));
        let sizes: Vec<(i64, bool, usize)> = batches(&all, 50).iter().map(|b| (b[0].tag_id, b[0].add, b.len())).collect();
        assert_eq!(sizes, [(1, true, 50), (1, true, 50), (1, true, 20), (1, false, 3), (2, true, 50)]);
        assert!(batches(&[], 50).is_empty());
    }
}
