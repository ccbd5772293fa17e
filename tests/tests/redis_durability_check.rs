//! Every process checks at start-up that Redis will not lose committed work: against a Redis
//! without persistence, a worker in production mode (`YIZHAN_ENV=production`) refuses to start,
//! and starts (warning) once the operator acknowledges persistence (`REDIS_PERSISTENCE_ACK`) or
//! outside production.

use std::time::Duration;

use yizhan_system_tests::redis_server::RedisServer;
use yizhan_system_tests::{free_port, fresh_database, SystemEnv};

#[tokio::test]
async fn production_refuses_a_redis_that_does_not_persist() {
    let port = free_port();
    let _redis = RedisServer::start(port);
    let db = fresh_database().await;
    let env = SystemEnv::new(&db).with("REDIS_URL", &RedisServer::url(port)).with("REDIS_PERSISTENCE_ACK", "");
    assert!(env.run("yizhan-api", &["migrate"]).success());

    let mut refused = env.clone().with("YIZHAN_ENV", "production").spawn("yizhan-worker", &[]);
    let status = refused.wait_exit(Duration::from_secs(20)).expect("the worker exits at once");
    assert!(!status.success(), "with an error: {status:?}");

    let mut acknowledged =
        env.clone().with("YIZHAN_ENV", "production").with("REDIS_PERSISTENCE_ACK", "replicated-wait").spawn("yizhan-worker", &[]);
    assert_eq!(acknowledged.wait_exit(Duration::from_secs(3)), None, "an acknowledged Redis is used");
    let mut development = env.spawn("yizhan-worker", &[]);
    assert_eq!(development.wait_exit(Duration::from_secs(3)), None, "outside production it only warns");
}
