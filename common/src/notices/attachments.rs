//! A notice's attachments (附件): files its author uploaded (`stored_files`), listed on the notice
//! in the order given, each downloaded under the name given. At most [`MAX_ATTACHMENTS`] per
//! notice and [`MAX_TOTAL_BYTES`] together; only the author's own uploads can be attached.

use sqlx::PgConnection;

pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_TOTAL_BYTES: i64 = 50 * 1024 * 1024;
pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub key: String,
}

/// An uploaded file its owner may attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedFile {
    pub id: String,
    pub size: i64,
    pub content_type: String,
    /// Its object's key in storage.
    pub key: String,
}

/// The uploaded files among `ids` that `owner_id` owns, in no order.
pub async fn owned_files(conn: &mut PgConnection, owner_id: i64, ids: &[String]) -> sqlx::Result<Vec<OwnedFile>> {
    sqlx::query_as!(OwnedFile, "SELECT id, size, content_type, key FROM stored_files WHERE id = ANY($1) AND owner_id = $2", ids, owner_id)
        .fetch_all(conn)
        .await
}

/// Attaches files (`(file id, name)`, in order) to a new notice, in the transaction that sends it.
pub async fn save(conn: &mut PgConnection, notice_id: i64, files: &[(String, String)]) -> sqlx::Result<()> {
    let ids: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    let names: Vec<String> = files.iter().map(|f| f.1.clone()).collect();
    sqlx::query!(
        "INSERT INTO notice_attachments (notice_id, position, file_id, name)
         SELECT $1, (f.n - 1)::smallint, f.id, f.name FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS f(id, name, n)",
        notice_id,
        &ids,
        &names
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The notice's attachments in order.
pub async fn of_notice(conn: &mut PgConnection, notice_id: i64) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query_as!(
        Attachment,
        "SELECT a.file_id, a.name, f.content_type, f.size, f.key FROM notice_attachments a JOIN stored_files f ON f.id = a.file_id
          WHERE a.notice_id = $1 ORDER BY a.position",
        notice_id
    )
    .fetch_all(conn)
    .await
}
