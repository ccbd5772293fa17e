//! A message's attachments, read from object storage when the message is sent. Their sizes are
//! checked (`HEAD`) before any is read, so a message over `MAIL_ATTACHMENT_MAX_BYTES` costs no
//! download; lettre builds a message in memory, so each attachment is read whole, within that limit.

use super::log::StoredAttachment;
use super::message::MailAttachment;
use crate::storage::{Storage, StorageError};

/// Why the attachments could not be had.
#[derive(Debug, PartialEq, Eq)]
pub enum AttachmentError {
    /// Never better on a retry: no storage configured, an object gone, over the limit.
    Permanent(String),
    /// The store failed (unreachable, refusing): try again later.
    Transient(String),
}

fn classify(key: &str, err: StorageError) -> AttachmentError {
    match err {
        StorageError::NotFound => AttachmentError::Permanent(format!("attachment `{key}` is not in storage")),
        other => AttachmentError::Transient(format!("attachment `{key}`: {other}")),
    }
}

/// Reads every attachment of a message, at most `limit` bytes in all.
pub async fn load(storage: Option<&Storage>, list: &[StoredAttachment], limit: usize) -> Result<Vec<MailAttachment>, AttachmentError> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let Some(storage) = storage else {
        return Err(AttachmentError::Permanent("attachments need object storage, which is not configured (STORAGE_URL)".into()));
    };
    let mut total = 0u64;
    for a in list {
        total += storage.head(&a.key).await.map_err(|e| classify(&a.key, e))?;
    }
    if total > limit as u64 {
        return Err(AttachmentError::Permanent(format!(
            "attachments are {total} bytes, more than the {limit} allowed (MAIL_ATTACHMENT_MAX_BYTES)"
        )));
    }
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let bytes = storage.read(&a.key).await.map_err(|e| classify(&a.key, e))?;
        out.push(MailAttachment { filename: a.filename.clone(), content_type: a.content_type.clone(), bytes: bytes.to_vec() });
    }
    Ok(out)
}
