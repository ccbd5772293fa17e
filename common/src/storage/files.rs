//! `stored_files`: the objects we hand out, with their owner and type.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::store::StoredObject;

/// One recorded file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredFile {
    pub id: String,
    pub owner_id: Option<i64>,
    pub key: String,
    pub content_type: String,
    pub size: i64,
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

impl StoredFile {
    /// Records a stored object under a new random id.
    pub async fn record(conn: &mut PgConnection, object: &StoredObject, owner_id: Option<i64>, public: bool) -> sqlx::Result<Self> {
        sqlx::query_as!(
            StoredFile,
            "INSERT INTO stored_files (id, owner_id, key, content_type, size, public) VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, owner_id, key, content_type, size, public, created_at",
            hex::encode(rand::random::<[u8; 16]>()),
            owner_id,
            object.key,
            object.kind.mime(),
            i64::try_from(object.size).unwrap_or(i64::MAX),
            public
        )
        .fetch_one(conn)
        .await
    }

    pub async fn find(conn: &mut PgConnection, id: &str) -> sqlx::Result<Option<Self>> {
        sqlx::query_as!(StoredFile, "SELECT id, owner_id, key, content_type, size, public, created_at FROM stored_files WHERE id = $1", id)
            .fetch_optional(conn)
            .await
    }

    /// Makes the file anyone's to download (an activity's cover, shown to every user who sees
    /// the activity). Nothing happens to an unknown id.
    pub async fn publish(conn: &mut PgConnection, id: &str) -> sqlx::Result<()> {
        sqlx::query!("UPDATE stored_files SET public = true WHERE id = $1 AND NOT public", id).execute(conn).await?;
        Ok(())
    }

    /// The path the API serves it under.
    pub fn api_path(&self) -> String {
        format!("/api/files/{}", self.id)
    }
}
