//! "Several API processes behind one address": a loopback TCP proxy that hands each new
//! connection to the next backend in turn, as a load balancer without stickiness does. Counts the
//! connections each backend got, so a test can show that both served.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};

/// A running proxy; it stops when dropped.
pub struct RoundRobin {
    pub addr: String,
    served: Arc<Vec<AtomicU64>>,
    task: tokio::task::JoinHandle<()>,
}

impl RoundRobin {
    /// Listens on a free loopback port and spreads connections over `backends` (`host:port`).
    pub async fn start(backends: Vec<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address").to_string();
        let served: Arc<Vec<AtomicU64>> = Arc::new(backends.iter().map(|_| AtomicU64::new(0)).collect());
        let next = Arc::new(AtomicUsize::new(0));
        let counts = served.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let i = next.fetch_add(1, Ordering::Relaxed) % backends.len();
                counts[i].fetch_add(1, Ordering::Relaxed);
                let backend = backends[i].clone();
                tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&backend).await {
                        let _ = server.set_nodelay(true);
                        let _ = client.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self { addr, served, task }
    }

    /// Connections each backend got so far, in the order given.
    pub fn served(&self) -> Vec<u64> {
        self.served.iter().map(|c| c.load(Ordering::Relaxed)).collect()
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.task.abort();
    }
}
