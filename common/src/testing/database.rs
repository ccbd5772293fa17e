//! A fresh database per test. The migrations run once per test process into a template named by
//! their checksums (`yz_tmpl_<hash>`, built under an advisory lock so parallel test binaries build
//! it once); each test gets `CREATE DATABASE … TEMPLATE` of it, a file copy instead of thirteen
//! migrations. Test databases are named `yz_test_<unix seconds>_<random>`. A test's database is
//! dropped once the test is over: each test runs on its own thread, and the next database this
//! process creates first drops those whose creating thread has ended (without this a full run
//! keeps ~800 databases, gigabytes of disk, until the server stops). Against a long-lived server
//! each process also drops those older than two hours (and templates of other migration sets)
//! when it builds its template.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::OnceCell;

use super::stores::{database_url, require_listening};
use crate::db::MIGRATOR;

const TEST_PREFIX: &str = "yz_test_";
const TEMPLATE_PREFIX: &str = "yz_tmpl_";
const KEEP_FOR: Duration = Duration::from_secs(2 * 3600);

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// The databases this process created, each with the flag its creating thread sets as it ends.
static MADE: Mutex<Vec<(String, Arc<AtomicBool>)>> = Mutex::new(Vec::new());

/// Set when the thread that owns it ends: the test that ran on it, and every pool it made, is over.
struct ThreadEnded(Arc<AtomicBool>);

impl Drop for ThreadEnded {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

thread_local! {
    static THIS_THREAD: ThreadEnded = ThreadEnded(Arc::new(AtomicBool::new(false)));
}

/// A new database with every migration applied, and a pool on it.
pub async fn database() -> PgPool {
    let template = TEMPLATE.get_or_init(build_template).await;
    let url = create(&format!("TEMPLATE {template}")).await;
    PgPoolOptions::new().connect(&url).await.unwrap_or_else(|e| panic!("connect to the test database: {e}"))
}

/// A new empty database (for tests that run `yizhan-api migrate` themselves); returns its URL.
pub async fn empty_database() -> String {
    create("").await
}

async fn admin() -> PgConnection {
    let url = database_url();
    require_listening("DATABASE_URL", &url, 5432).await;
    PgConnection::connect(&url).await.unwrap_or_else(|e| panic!("connect to DATABASE_URL: {e}"))
}

fn url_of(name: &str) -> String {
    let url = database_url();
    let (server, _) = url.split_once('?').unwrap_or((&url, ""));
    let base = server.rsplit_once('/').map(|(base, _)| base).expect("DATABASE_URL with a database path");
    format!("{base}/{name}")
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

async fn create(options: &str) -> String {
    let name = format!("{TEST_PREFIX}{}_{}", unix_now(), &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut conn = admin().await;
    drop_finished(&mut conn).await;
    conn.execute(format!("CREATE DATABASE {name} {options}").as_str())
        .await
        .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
    let _ = conn.close().await;
    if let Ok(ended) = THIS_THREAD.try_with(|t| t.0.clone()) {
        MADE.lock().unwrap_or_else(|p| p.into_inner()).push((name.clone(), ended));
    }
    url_of(&name)
}

/// Drops the databases of this process's tests that are over (their thread has ended). `FORCE`
/// also ends what a finished test left connected, such as a child process still shutting down.
async fn drop_finished(conn: &mut PgConnection) {
    let finished: Vec<String> = {
        let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
        let (over, live): (Vec<_>, Vec<_>) = made.drain(..).partition(|(_, ended)| ended.load(Ordering::Acquire));
        *made = live;
        over.into_iter().map(|(name, _)| name).collect()
    };
    for name in finished {
        let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
    }
}

/// `yz_tmpl_` and the first 12 hex digits of a hash over every migration's version and checksum.
fn template_name() -> String {
    let mut hash = Sha256::new();
    for m in MIGRATOR.iter() {
        hash.update(m.version.to_be_bytes());
        hash.update(&m.checksum);
    }
    format!("{TEMPLATE_PREFIX}{}", &hex::encode(hash.finalize())[..12])
}

async fn build_template() -> String {
    let name = template_name();
    let mut conn = admin().await;
    // One builder across every test process on this server; the others wait, then find it built.
    conn.execute("SELECT pg_advisory_lock(hashtext('yizhan-test-template'))").await.expect("advisory lock");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut conn)
        .await
        .expect("look up the template");
    if !exists {
        drop_stale(&mut conn, &name).await;
        let building = format!("{name}_build");
        conn.execute(format!("DROP DATABASE IF EXISTS {building}").as_str()).await.expect("drop a half-built template");
        conn.execute(format!("CREATE DATABASE {building}").as_str()).await.expect("create the template");
        let pool = PgPoolOptions::new().max_connections(1).connect(&url_of(&building)).await.expect("connect to the template");
        MIGRATOR.run(&pool).await.unwrap_or_else(|e| panic!("migrations failed on a fresh database: {e}"));
        pool.close().await;
        conn.execute(format!("ALTER DATABASE {building} RENAME TO {name}").as_str()).await.expect("name the template");
    }
    conn.execute("SELECT pg_advisory_unlock(hashtext('yizhan-test-template'))").await.expect("advisory unlock");
    let _ = conn.close().await;
    name
}

/// Drops test databases older than [`KEEP_FOR`] and templates of other migration sets; one in use
/// is left alone (DROP DATABASE refuses it).
async fn drop_stale(conn: &mut PgConnection, keep: &str) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'yz\\_t%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    let cutoff = unix_now().saturating_sub(KEEP_FOR.as_secs());
    for name in names {
        let stale = match name.strip_prefix(TEST_PREFIX) {
            Some(rest) => rest.split('_').next().and_then(|s| s.parse::<u64>().ok()).is_some_and(|t| t < cutoff),
            None => name.starts_with(TEMPLATE_PREFIX) && name != keep,
        };
        if stale {
            let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name}").as_str()).await;
        }
    }
}
