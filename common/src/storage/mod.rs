//! Object storage over `object_store`: a local folder (`file:///…`) or any S3-compatible bucket
//! (`s3://bucket`), with generated keys, size limits counted while streaming, types sniffed from
//! magic bytes and presigned downloads on S3. Files the API hands out are recorded in
//! `stored_files` ([`files`]); the `store_avatar` job lives in `jobs/kinds/store_avatar.rs`.

mod config;
pub mod files;
mod sniff;
mod store;

pub use config::{Backend, S3Config, StorageConfig, DEFAULT_MAX_BYTES};
pub use sniff::{Accept, FileKind, SNIFF_LEN};
pub use store::{Download, Storage, StorageError, StoredObject};
