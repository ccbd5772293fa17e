//! `store_avatar` through the whole pipeline (fetch log row + outbox → Redis → worker → the
//! simulator's avatar images → object storage): stored once with a URL that downloads without a
//! token; a redelivered job does not fetch again; too large (streamed without a length, and
//! declared), not an image, an unfollowable redirect and a 404 fail for good after one fetch; a 503
//! is retried. Once on a local folder, once on moto's S3 (`TEST_S3_ENDPOINT`).

use std::time::Duration;

use serde_json::json;
use yizhan_common::avatar::{plan_avatar, stored_avatar_url, PlanAvatarError};
use yizhan_common::jobs::{JobEnvelope, QueueName};
use yizhan_common::queue::JobState;
use yizhan_system_tests::stores::Stores;
use yizhan_system_tests::system::System;

/// (status, attempts, error, url)
type Row = (String, i32, Option<String>, Option<String>);
const SELECT_ROW: &str = "SELECT status, attempts, error, url FROM avatar_fetches WHERE id = $1";

struct Harness {
    sys: System,
    stores: Stores,
    dir: Option<std::path::PathBuf>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Harness {
    /// A system storing on a local folder (`storage` `None`) or the given `STORAGE_*` settings.
    async fn start(storage: Option<Vec<(&str, String)>>) -> Self {
        let dir = std::env::temp_dir().join(format!("yizhan-avatars-{}", uuid::Uuid::new_v4().simple()));
        let (vars, dir) = match storage {
            Some(vars) => (vars, None),
            None => (vec![("STORAGE_URL", format!("file://{}", dir.display()))], Some(dir)),
        };
        let mut env: Vec<(&str, &str)> = vec![
            ("AVATAR_FETCH_ALLOW_PRIVATE", "true"),
            ("AVATAR_MAX_BYTES", "65536"),
            ("AVATAR_FETCH_TIMEOUT_MS", "2000"),
        ];
        env.extend(vars.iter().map(|(k, v)| (*k, v.as_str())));
        let sys = System::start_with(&env).await;
        let stores = sys.stores().await;
        Self { sys, stores, dir }
    }

    /// Plans a fetch of the simulator's `/_sim/avatar/{name}` in a transaction, commits, pushes.
    async fn plan(&self, key: &str, name: &str) -> i64 {
        let url = format!("{}/_sim/avatar/{name}", self.sys.sim);
        let mut tx = self.stores.pool.begin().await.expect("begin");
        let planned = plan_avatar(&mut tx, key, &url).await.expect("planned");
        self.stores.commit_and_push(tx, planned.outbox_id).await;
        planned.fetch_id
    }

    async fn row(&self, id: i64) -> Row {
        sqlx::query_as(SELECT_ROW).bind(id).fetch_one(&self.stores.pool).await.expect("row")
    }

    async fn final_row(&self, id: i64) -> Row {
        self.stores.row_when("a final avatar state", SELECT_ROW, id, |r: &Row| r.0 == "stored" || r.0 == "failed").await
    }

    async fn hits(&self, name: &str) -> u64 {
        self.sys.sim_get("/_sim/avatar").await["hits"][name].as_u64().unwrap_or(0)
    }

    /// Delivers the job of `fetch_id` again, as a new queue entry, and waits for it to finish.
    async fn redeliver(&self, fetch_id: i64) {
        let id = format!("redelivery:{fetch_id}");
        let envelope = JobEnvelope {
            id: id.clone(),
            queue: QueueName::Storage,
            kind: "store_avatar".into(),
            payload: json!({"fetchId": fetch_id}),
            run_at: chrono::Utc::now(),
        };
        assert_eq!(self.stores.queue.push(&[envelope]).await.expect("push"), 1);
        self.sys
            .eventually("the redelivered job done", Duration::from_secs(30), || async {
                let states = self.stores.queue.job_states(&[(QueueName::Storage, id.clone())]).await.expect("states");
                (states[0] == JobState::Done).then_some(())
            })
            .await;
    }

    /// GET on the API without a token: status, content type, body.
    async fn download(&self, url: &str) -> (u16, String, Vec<u8>) {
        let url = if url.starts_with('/') { format!("{}{url}", self.sys.api) } else { url.to_owned() };
        let res = self.sys.http.get(url).send().await.expect("download");
        let status = res.status().as_u16();
        let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        (status, ct, res.bytes().await.expect("bytes").to_vec())
    }
}

/// Stored once, with a URL that downloads without a token; a redelivery does not fetch again.
async fn stores_once(h: &Harness) {
    let id = h.plan("staff:1", "alice.png").await;
    let row = h.final_row(id).await;
    assert_eq!((row.0.as_str(), row.1, row.2.as_deref()), ("stored", 1, None), "{row:?}");
    let url = row.3.expect("url");
    let (status, ct, body) = h.download(&url).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"), "{url}");
    assert_eq!(body, yizhan_sim::avatar::PNG);
    let mut conn = h.stores.pool.acquire().await.expect("conn");
    assert_eq!(stored_avatar_url(&mut conn, "staff:1").await.expect("url").as_deref(), Some(url.as_str()));
    let (public, owner): (bool, Option<i64>) =
        sqlx::query_as("SELECT f.public, f.owner_id FROM stored_files f JOIN avatar_fetches a ON a.file_id = f.id WHERE a.id = $1")
            .bind(id)
            .fetch_one(&h.stores.pool)
            .await
            .expect("file");
    assert!(public && owner.is_none());
    assert_eq!(h.hits("alice.png").await, 1);

    h.redeliver(id).await;
    assert_eq!(h.hits("alice.png").await, 1, "a redelivered job must not fetch again");
    let again = h.row(id).await;
    assert_eq!((again.0.as_str(), again.1, again.3.as_deref()), ("stored", 1, Some(url.as_str())));
    // Planning the same key again writes nothing new.
    assert_eq!(h.plan("staff:1", "alice.png").await, id);
    let files: i64 = sqlx::query_scalar("SELECT count(*) FROM stored_files").fetch_one(&h.stores.pool).await.expect("n");
    assert_eq!(files, 1);
}

#[tokio::test]
async fn avatars_are_stored_once_and_each_failure_class_is_recorded() {
    let h = Harness::start(None).await;
    stores_once(&h).await;

    // Permanent failures: one fetch, `failed`, the job dead with the reason.
    let huge = format!("huge.png?bytes={}", 20 * 1024 * 1024);
    for (key, name, hit, reason) in [
        ("staff:2", huge.as_str(), "huge.png", "larger than the limit of 65536 bytes"),
        ("staff:3", "huge-declared.png?bytes=100000", "huge-declared.png", "larger than the limit of 65536 bytes"),
        ("staff:4", "notimage.png", "notimage.png", "not an accepted file type"),
        ("staff:5", "status.png?code=404", "status.png", "HTTP 404"),
    ] {
        let id = h.plan(key, name).await;
        let row = h.final_row(id).await;
        assert_eq!((row.0.as_str(), row.1, row.3.as_deref()), ("failed", 1, None), "{name}: {row:?}");
        assert!(row.2.as_deref().unwrap_or_default().contains(reason), "{name}: {row:?}");
        assert_eq!(h.hits(hit).await, 1, "{name}");
    }

    // A redirect to an address never fetched (0.0.0.0: unspecified; would reach this machine
    // only) fails for good without following it.
    let to = format!("http://0.0.0.0:{}/_sim/avatar/behind.png", h.sys.sim.rsplit(':').next().expect("port"));
    let id = h.plan("staff:6", &format!("redirect.png?to={to}")).await;
    let row = h.final_row(id).await;
    assert_eq!(row.0, "failed", "{row:?}");
    assert!(row.2.as_deref().unwrap_or_default().contains("private or reserved address"), "{row:?}");
    assert_eq!(h.hits("behind.png").await, 0);

    // A 503 is retried (spending attempts) and never stored.
    let id = h.plan("staff:7", "status.png?code=503").await;
    let row = h.sys
        .eventually("a retried 503", Duration::from_secs(30), || async {
            let row = h.row(id).await;
            (row.1 >= 2).then_some(row)
        })
        .await;
    assert!(row.0 == "pending" || row.0 == "fetching", "{row:?}");
    assert!(row.2.as_deref().unwrap_or_default().contains("HTTP 503"), "{row:?}");

    // Nothing but alice's avatar was written to the folder.
    let dir = h.dir.as_ref().expect("local folder");
    assert_eq!(count_files(dir), 1);

    // The failed ones are visible to operators in the queue's dead list.
    let (dead, _) = h.stores.queue.list_dead(QueueName::Storage, 0, 20).await.expect("dead");
    assert!(dead.len() >= 5, "{dead:?}");

    // A URL that is not http(s) is refused before anything is written.
    let mut tx = h.stores.pool.begin().await.expect("begin");
    let err = plan_avatar(&mut tx, "staff:8", "file:///etc/passwd").await.expect_err("refused");
    assert!(matches!(err, PlanAvatarError::InvalidUrl));
}

#[tokio::test]
async fn avatars_are_stored_on_s3() {
    let endpoint = std::env::var("TEST_S3_ENDPOINT").expect("TEST_S3_ENDPOINT must be set (scripts/test starts moto)");
    let bucket = format!("yz-avatars-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("bucket");
    assert!(created.status().is_success());
    let h = Harness::start(Some(vec![
        ("STORAGE_URL", format!("s3://{bucket}")),
        ("STORAGE_S3_ENDPOINT", endpoint.clone()),
        ("STORAGE_S3_ACCESS_KEY_ID", "testing".into()),
        ("STORAGE_S3_SECRET_ACCESS_KEY", "testing".into()),
    ]))
    .await;
    // The avatar's URL is the API's, which redirects to a presigned URL on the bucket (the
    // download follows it).
    stores_once(&h).await;
    let url: String = sqlx::query_scalar("SELECT url FROM avatar_fetches WHERE idempotency_key = 'staff:1'").fetch_one(&h.stores.pool).await.expect("url");
    let res = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
        .get(format!("{}{url}", h.sys.api)).send().await.expect("get");
    assert_eq!(res.status(), 307);
    let location = res.headers()["location"].to_str().expect("location");
    assert!(location.starts_with(&format!("{endpoint}/{bucket}/avatars/")), "{location}");
}

fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 })
        .sum()
}

