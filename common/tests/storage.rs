//! The `Storage` handle on both backends: a local folder and an S3 server no one here wrote (moto,
//! which `scripts/test` starts and names in `TEST_S3_ENDPOINT`). Each behaviour runs on both.

use std::time::Duration;

use bytes::Bytes;
use secrecy::SecretString;
use yizhan_common::storage::{Accept, Backend, FileKind, S3Config, Storage, StorageConfig, StorageError};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// A fresh local folder, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("yizhan-storage-{}", hex::encode(rand::random::<[u8; 8]>())));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn file_storage(dir: &TempDir, max_bytes: u64) -> Storage {
    let mut config = StorageConfig::file(&dir.0);
    config.max_bytes = max_bytes;
    Storage::new(config).expect("file storage")
}

/// A new bucket on the moto server.
async fn s3_storage(max_bytes: u64) -> Storage {
    let endpoint = std::env::var("TEST_S3_ENDPOINT").expect("TEST_S3_ENDPOINT must be set (scripts/test starts moto)");
    let bucket = format!("yz-{}", hex::encode(rand::random::<[u8; 6]>()));
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
    assert!(created.status().is_success(), "create bucket: {}", created.status());
    s3_storage_for(&endpoint, &bucket, max_bytes)
}

fn s3_storage_for(endpoint: &str, bucket: &str, max_bytes: u64) -> Storage {
    Storage::new(StorageConfig {
        backend: Backend::S3(S3Config {
            bucket: bucket.to_owned(),
            endpoint: Some(endpoint.to_owned()),
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: SecretString::from("testing"),
            virtual_hosted: false,
        }),
        max_bytes,
        public_base: None,
        presign_ttl: Duration::from_secs(60),
    })
    .expect("s3 storage")
}

fn png_of(len: usize) -> Vec<u8> {
    let mut body = PNG.to_vec();
    body.resize(len, 7);
    body
}

/// Put, head, get (whole and streamed), delete.
async fn round_trip(storage: &Storage) {
    let body = png_of(300_000);
    let stored = storage.put("uploads", body.clone(), Accept::Images).await.expect("put");
    assert_eq!((stored.kind, stored.size), (FileKind::Png, 300_000));
    assert!(stored.key.starts_with("uploads/") && stored.key.ends_with(".png"), "{}", stored.key);
    assert_eq!(storage.head(&stored.key).await.expect("head"), 300_000);
    assert_eq!(storage.read(&stored.key).await.expect("read"), Bytes::from(body.clone()));
    let download = storage.get(&stored.key).await.expect("get");
    assert_eq!(download.size, 300_000);
    let chunks: Vec<Bytes> = futures::TryStreamExt::try_collect(download.body).await.expect("stream");
    assert_eq!(chunks.concat(), body);
    // A second put of the same bytes is another object.
    let again = storage.put("uploads", body, Accept::Images).await.expect("put");
    assert_ne!(again.key, stored.key);
    storage.delete(&stored.key).await.expect("delete");
    assert!(matches!(storage.head(&stored.key).await, Err(StorageError::NotFound)));
    assert!(matches!(storage.read(&stored.key).await, Err(StorageError::NotFound)));
    storage.delete(&stored.key).await.expect("deleting twice is fine");
    assert!(matches!(storage.get("../../etc/passwd").await, Err(StorageError::NotFound)));
}

/// Over the limit, streamed in chunks: refused without reading it all, nothing written.
async fn size_limit(storage: &Storage, max: u64) {
    let exact = storage.put("uploads", png_of(max as usize), Accept::Images).await.expect("exactly the limit");
    assert_eq!(exact.size, max);
    let body = png_of(max as usize + 1);
    let err = storage.put("uploads", body.clone(), Accept::Images).await.expect_err("too large");
    assert!(matches!(err, StorageError::TooLarge { limit } if limit == max), "{err:?}");

    // A stream that would go on for ever stops being read once past the limit.
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = read.clone();
    let endless = futures::stream::repeat_with(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(png_of(1024)))
    });
    let err = storage.put_stream("uploads", endless, Accept::Images, None).await.expect_err("too large");
    assert!(matches!(err, StorageError::TooLarge { .. }), "{err:?}");
    assert!(read.load(std::sync::atomic::Ordering::SeqCst) <= max / 1024 + 2);

    // A smaller per-call limit wins; a larger one does not lift the store's.
    let err = storage.put_stream("uploads", futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(png_of(2048)))]), Accept::Images, Some(1024)).await;
    assert!(matches!(err, Err(StorageError::TooLarge { limit: 1024 })), "{err:?}");
    let err = storage.put_stream("uploads", futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]), Accept::Images, Some(max * 10)).await;
    assert!(matches!(err, Err(StorageError::TooLarge { limit }) if limit == max), "{err:?}");
}

/// The kind comes from the first bytes; images-only refuses PDF; unknown bytes are refused early.
async fn sniffing(storage: &Storage) {
    let pdf = storage.put("uploads", b"%PDF-1.7\n%...".to_vec(), Accept::Documents).await.expect("pdf");
    assert_eq!(pdf.kind, FileKind::Pdf);
    assert!(pdf.key.ends_with(".pdf"));
    let err = storage.put("uploads", b"%PDF-1.7\n%...".to_vec(), Accept::Images).await.expect_err("not an image");
    assert!(matches!(err, StorageError::UnknownType), "{err:?}");
    let err = storage.put("uploads", b"<html><script>alert(1)</script></html>".to_vec(), Accept::Documents).await.expect_err("html");
    assert!(matches!(err, StorageError::UnknownType), "{err:?}");
    let gif = storage.put("uploads", b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(), Accept::Images).await.expect("gif");
    assert_eq!(gif.kind, FileKind::Gif);
    // A body that breaks off is not stored.
    let broken = futures::stream::iter([Ok(Bytes::from_static(PNG)), Err(std::io::Error::other("reset"))]);
    let err = storage.put_stream("uploads", broken, Accept::Images, None).await.expect_err("broken");
    assert!(matches!(err, StorageError::Body(_)), "{err:?}");
}

#[tokio::test]
async fn local_folder_stores_reads_and_deletes() {
    let dir = TempDir::new();
    let storage = file_storage(&dir, 1024 * 1024);
    round_trip(&storage).await;
    assert!(storage.presigned_get("uploads/x.png").await.expect("no presign").is_none());
}

#[tokio::test]
async fn local_folder_enforces_the_size_limit_while_streaming() {
    let dir = TempDir::new();
    let storage = file_storage(&dir, 64 * 1024);
    size_limit(&storage, 64 * 1024).await;
    // Nothing but the one object of exactly the limit was written.
    let files = walk(&dir.0);
    assert_eq!(files.len(), 1, "{files:?}");
}

#[tokio::test]
async fn local_folder_sniffs_types() {
    let dir = TempDir::new();
    sniffing(&file_storage(&dir, 1024 * 1024)).await;
}

#[tokio::test]
async fn s3_stores_reads_and_deletes() {
    round_trip(&s3_storage(1024 * 1024).await).await;
}

#[tokio::test]
async fn s3_enforces_the_size_limit_while_streaming() {
    size_limit(&s3_storage(64 * 1024).await, 64 * 1024).await;
}

#[tokio::test]
async fn s3_sniffs_types() {
    sniffing(&s3_storage(1024 * 1024).await).await;
}

#[tokio::test]
async fn s3_presigned_urls_download_without_credentials() {
    let storage = s3_storage(1024 * 1024).await;
    let stored = storage.put("avatars", png_of(5000), Accept::Images).await.expect("put");
    let url = storage.presigned_get(&stored.key).await.expect("presign").expect("an S3 URL");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let res = reqwest::get(&url).await.expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    assert_eq!(res.bytes().await.expect("body").as_ref(), png_of(5000).as_slice());
}

#[tokio::test]
async fn s3_presigned_urls_carry_the_configured_lifetime() {
    // moto (server mode) checks neither signatures nor expiry: the lifetime is checked on the URL.
    let storage = s3_storage(1024).await;
    let stored = storage.put("avatars", png_of(100), Accept::Images).await.expect("put");
    let mut config = storage.config().clone();
    config.presign_ttl = Duration::from_secs(42);
    let url = Storage::new(config).expect("storage").presigned_get(&stored.key).await.expect("presign").expect("url");
    assert!(url.contains("X-Amz-Expires=42"), "{url}");
    assert!(url.contains(&stored.key), "{url}");
}

#[tokio::test]
async fn s3_without_its_bucket_is_a_backend_error() {
    let endpoint = std::env::var("TEST_S3_ENDPOINT").expect("TEST_S3_ENDPOINT must be set (scripts/test starts moto)");
    let storage = s3_storage_for(&endpoint, "no-such-bucket-here", 1024);
    let err = storage.put("uploads", PNG.to_vec(), Accept::Images).await.expect_err("no bucket");
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A 64 KiB tmpfs mounted on a fresh folder (the tests run as root, as `scripts/test` does in CI),
/// unmounted when dropped: a disk that fills up.
struct SmallDisk(TempDir);

impl SmallDisk {
    fn mount() -> Self {
        let dir = TempDir::new();
        std::fs::create_dir_all(&dir.0).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(&dir.0)
            .status()
            .expect("mount");
        assert!(status.success(), "mounting a 64 KiB tmpfs needs root (scripts/test runs as root in CI)");
        Self(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0 .0).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_a_backend_failure_worth_retrying_and_leaves_nothing_behind() {
    let disk = SmallDisk::mount();
    let storage = file_storage(&disk.0, 1024 * 1024);
    let mut big = PNG.to_vec();
    big.resize(200 * 1024, 0);
    let err = storage.put("avatars", big, Accept::Images).await.expect_err("the disk is full");
    assert!(matches!(err, StorageError::Backend(_)), "{err:?}");
    // Nothing half-written is left, so the space is there for what fits.
    let small = storage.put("avatars", PNG.to_vec(), Accept::Images).await.expect("a small file still fits");
    assert_eq!(storage.read(&small.key).await.expect("read"), Bytes::from_static(PNG));
    let files = walk(&disk.0 .0);
    assert_eq!(files.len(), 1, "{files:?}");
}
