//! moto's S3 server (`TEST_S3_ENDPOINT`, which `scripts/test` starts): a bucket of one's own per
//! test, storage on it, and what it holds.

use std::time::Duration;

use secrecy::SecretString;

use crate::storage::{Backend, S3Config, StorageConfig};

/// A bucket on moto.
#[derive(Debug, Clone)]
pub struct MotoBucket {
    pub endpoint: String,
    pub bucket: String,
}

fn endpoint() -> String {
    std::env::var("TEST_S3_ENDPOINT").expect("TEST_S3_ENDPOINT must be set (scripts/test starts moto)")
}

impl MotoBucket {
    /// A new, empty bucket.
    pub async fn new() -> Self {
        let bucket = Self::missing(&format!("yz-{}", hex::encode(rand::random::<[u8; 8]>())));
        let created = reqwest::Client::new().put(format!("{}/{}", bucket.endpoint, bucket.bucket)).send().await.expect("create the bucket");
        assert!(created.status().is_success(), "create the bucket: {}", created.status());
        bucket
    }

    /// A bucket of that name that nobody created (storage on it fails).
    pub fn missing(name: &str) -> Self {
        Self { endpoint: endpoint(), bucket: name.to_owned() }
    }

    /// Storage on this bucket: objects up to `max_bytes`, presigned URLs for a minute.
    pub fn config(&self, max_bytes: u64) -> StorageConfig {
        StorageConfig {
            backend: Backend::S3(S3Config {
                bucket: self.bucket.clone(),
                endpoint: Some(self.endpoint.clone()),
                region: "us-east-1".into(),
                access_key_id: "testing".into(),
                secret_access_key: SecretString::from("testing"),
                virtual_hosted: false,
            }),
            max_bytes,
            public_base: None,
            presign_ttl: Duration::from_secs(60),
        }
    }

    /// Every key in the bucket (moto answers an unsigned listing).
    pub async fn keys(&self) -> Vec<String> {
        let url = format!("{}/{}?list-type=2", self.endpoint, self.bucket);
        let xml = reqwest::get(url).await.expect("list the bucket").text().await.expect("the listing");
        xml.split("<Key>").skip(1).filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned())).collect()
    }
}
