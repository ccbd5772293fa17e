//! The avatar fetcher's guard, on a server of the test's own on loopback: loopback is refused
//! unless `allow_private`, by IP literal and by name (the resolver), and a redirect to an address
//! never allowed (0.0.0.0 here: a local address, so a broken guard reaches only this machine) is
//! refused even with it. Nothing refused reaches the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use yizhan_common::avatar::{AvatarConfig, AvatarFetcher, FetchError, FetchFailure};
use yizhan_common::storage::{Storage, StorageConfig, StorageError};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

struct Server {
    port: u16,
    hits: Arc<AtomicU64>,
}

async fn image(State((hits, port)): State<(Arc<AtomicU64>, u16)>, Path(name): Path<String>) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    match name.as_str() {
        "to-unspecified" => (StatusCode::FOUND, [(header::LOCATION, format!("http://0.0.0.0:{port}/a.png"))]).into_response(),
        "to-file" => (StatusCode::FOUND, [(header::LOCATION, "file:///etc/passwd".to_owned())]).into_response(),
        "loop" => (StatusCode::FOUND, [(header::LOCATION, format!("http://127.0.0.1:{port}/loop"))]).into_response(),
        "gone" => StatusCode::NOT_FOUND.into_response(),
        "busy" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            PNG.into_response()
        }
        _ => ([(header::CONTENT_TYPE, "image/png")], PNG).into_response(),
    }
}

async fn serve() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicU64::new(0));
    let app = Router::new().route("/{name}", get(image)).with_state((hits.clone(), port));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { port, hits }
}

fn fetcher(allow_private: bool) -> AvatarFetcher {
    let config = AvatarConfig { allow_private, timeout: Duration::from_secs(1), max_bytes: 1024, max_redirects: 3 };
    AvatarFetcher::new(config).expect("fetcher")
}

fn storage() -> (Storage, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("yizhan-avatar-{}", hex::encode(rand::random::<[u8; 8]>())));
    (Storage::new(StorageConfig::file(&dir)).expect("storage"), dir)
}

#[tokio::test]
async fn loopback_is_refused_by_literal_and_by_name_unless_allowed() {
    let server = serve().await;
    let (storage, dir) = storage();
    for url in [format!("http://127.0.0.1:{}/a.png", server.port), format!("http://localhost:{}/a.png", server.port)] {
        let err = fetcher(false).fetch_into(&url, &storage).await.expect_err("private");
        assert!(matches!(err, FetchError::Private(_)), "{url}: {err:?}");
        assert_eq!(err.failure(), FetchFailure::Permanent);
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 0, "a refused fetch must not reach the server");

    let stored = fetcher(true).fetch_into(&format!("http://localhost:{}/a.png", server.port), &storage).await.expect("allowed");
    assert_eq!(storage.read(&stored.key).await.expect("read").as_ref(), PNG);
    assert!(stored.key.starts_with("avatars/"), "{}", stored.key);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn redirects_are_checked_like_the_first_url() {
    let server = serve().await;
    let (storage, dir) = storage();
    let base = format!("http://127.0.0.1:{}", server.port);
    let err = fetcher(true).fetch_into(&format!("{base}/to-unspecified"), &storage).await.expect_err("unspecified");
    assert!(matches!(err, FetchError::Private(_)), "{err:?}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "only the redirecting request arrives");
    // reqwest does not follow a redirect to another scheme: the 302 itself is the answer.
    let err = fetcher(true).fetch_into(&format!("{base}/to-file"), &storage).await.expect_err("file");
    assert!(matches!(err, FetchError::BadUrl(_) | FetchError::Status(302)), "{err:?}");
    assert_eq!(err.failure(), FetchFailure::Permanent);
    let err = fetcher(true).fetch_into(&format!("{base}/loop"), &storage).await.expect_err("loop");
    assert!(matches!(err, FetchError::TooManyRedirects(3)), "{err:?}");
    assert_eq!(err.failure(), FetchFailure::Permanent);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn statuses_timeouts_and_urls_have_their_outcome() {
    let server = serve().await;
    let (storage, dir) = storage();
    let base = format!("http://127.0.0.1:{}", server.port);
    let f = fetcher(true);
    let err = f.fetch_into(&format!("{base}/gone"), &storage).await.expect_err("404");
    assert!(matches!(err, FetchError::Status(404)) && err.failure() == FetchFailure::Permanent, "{err:?}");
    let err = f.fetch_into(&format!("{base}/busy"), &storage).await.expect_err("503");
    assert!(matches!(err, FetchError::Status(503)) && err.failure() == FetchFailure::Transient, "{err:?}");
    let err = f.fetch_into(&format!("{base}/slow"), &storage).await.expect_err("timeout");
    assert!(matches!(err, FetchError::Network(_)) && err.failure() == FetchFailure::Transient, "{err:?}");
    let closed = format!("http://127.0.0.1:{}/a.png", free_port());
    let err = f.fetch_into(&closed, &storage).await.expect_err("refused");
    assert!(matches!(err, FetchError::Network(_)) && err.failure() == FetchFailure::Transient, "{err:?}");
    let err = f.fetch_into("ftp://example.com/a.png", &storage).await.expect_err("ftp");
    assert!(matches!(err, FetchError::BadUrl(_)), "{err:?}");
    // The store's refusals are permanent.
    assert_eq!(FetchError::Store(StorageError::TooLarge { limit: 1 }).failure(), FetchFailure::Permanent);
    assert_eq!(FetchError::Store(StorageError::UnknownType).failure(), FetchFailure::Permanent);
    let _ = std::fs::remove_dir_all(dir);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}
