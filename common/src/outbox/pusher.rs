//! The push after commit, off the request's path: a request hands its committed rows' ids to one
//! background task per process and answers; the task pushes whatever has gathered meanwhile in
//! one batch ([`push_now`]: one outbox read, one Redis round trip, one update for many requests).
//! Nothing is lost: a row not pushed here (the hand-off full, the push failed, the process killed
//! before it ran) is still unpushed in the outbox, where the relay finds it.

use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use super::push_now;
use crate::job_contract::JobSink;

/// Most ids one push takes.
const MAX_BATCH: usize = 500;
/// Hand-offs waiting at most; beyond, requests leave their rows to the relay.
const CAPACITY: usize = 4096;

enum Message {
    Push(Vec<i64>),
    /// Answered once everything handed off before it was pushed (or left to the relay).
    Flush(oneshot::Sender<()>),
}

/// The hand-off to the push task (cheap to clone). The task starts on first use and ends when
/// the last clone is dropped.
#[derive(Clone)]
pub struct Pusher {
    tx: mpsc::Sender<Message>,
    start: Arc<Mutex<Option<(mpsc::Receiver<Message>, PgPool, Arc<dyn JobSink>)>>>,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher").finish_non_exhaustive()
    }
}

impl Pusher {
    pub fn new(pool: PgPool, sink: Arc<dyn JobSink>) -> Self {
        let (tx, rx) = mpsc::channel(CAPACITY);
        Self { tx, start: Arc::new(Mutex::new(Some((rx, pool, sink)))) }
    }

    /// Hands committed rows over for pushing; returns at once.
    pub fn hand_off(&self, ids: Vec<i64>) {
        if ids.is_empty() {
            return;
        }
        self.started();
        if let Err(err) = self.tx.try_send(Message::Push(ids)) {
            let left = match err {
                mpsc::error::TrySendError::Full(Message::Push(ids)) | mpsc::error::TrySendError::Closed(Message::Push(ids)) => ids,
                _ => Vec::new(),
            };
            tracing::warn!(outbox.ids = ?left, "the push after commit is busy; the relay will push these rows");
        }
    }

    /// Waits until every row handed off before this call was pushed (or left to the relay).
    pub async fn flush(&self) {
        self.started();
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    fn started(&self) {
        let Some((rx, pool, sink)) = self.start.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() else { return };
        tokio::spawn(run(rx, pool, sink));
    }
}

async fn run(mut rx: mpsc::Receiver<Message>, pool: PgPool, sink: Arc<dyn JobSink>) {
    while let Some(first) = rx.recv().await {
        let (mut ids, mut flushes) = (Vec::new(), Vec::new());
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Push(more) => ids.extend(more),
                Message::Flush(done) => flushes.push(done),
            }
            if ids.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        push_now(&pool, sink.as_ref(), &ids).await;
        for done in flushes {
            let _ = done.send(());
        }
    }
}
