//! Coalescing concurrent calls of one statement into one round trip. Calls that arrive while a
//! batch runs wait together and go as the next batch (no timer: a call that finds nothing running
//! goes at once, alone). The batch runs in a task of its own, so a caller that stops waiting (its
//! job timed out) does not cut the statement short for the others; every caller gets its own
//! answer, or the batch's error.
//!
//! `subscribe::SendStatements` uses it for the single subscribe send's three statements, which a
//! burst of bookings runs from many jobs at once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use crate::metrics::names;

type Reply<Resp> = oneshot::Sender<Result<Resp, Arc<anyhow::Error>>>;
type Run<Req, Resp> = Arc<dyn Fn(Vec<Req>) -> Pin<Box<dyn Future<Output = anyhow::Result<Vec<Resp>>> + Send>> + Send + Sync>;

/// One statement's coalescer: `run` gets the calls of a batch, in order of arrival, and answers
/// each, in the same order.
pub struct Coalescer<Req, Resp> {
    name: &'static str,
    max: usize,
    run: Run<Req, Resp>,
    calls: OnceLock<mpsc::UnboundedSender<(Req, Reply<Resp>)>>,
}

impl<Req, Resp> fmt::Debug for Coalescer<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coalescer").field("name", &self.name).field("max", &self.max).finish_non_exhaustive()
    }
}

impl<Req: Send + 'static, Resp: Send + 'static> Coalescer<Req, Resp> {
    /// `name` labels the metrics; at most `max` calls go in one batch.
    pub fn new<F, Fut>(name: &'static str, max: usize, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Vec<Resp>>> + Send + 'static,
    {
        Self { name, max: max.max(1), run: Arc::new(move |reqs| Box::pin(run(reqs))), calls: OnceLock::new() }
    }

    /// Runs `req` in the next batch and returns its answer. Must be called inside a Tokio
    /// runtime (the first call starts the batches' task).
    pub async fn call(&self, req: Req) -> anyhow::Result<Resp> {
        let (reply, answer) = oneshot::channel();
        let calls = self.calls.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(serve(self.name, self.max, self.run.clone(), rx));
            tx
        });
        calls.send((req, reply)).map_err(|_| anyhow::anyhow!("the {} batches have stopped", self.name))?;
        match answer.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(err)) => Err(anyhow::anyhow!("{err:#}")),
            Err(_) => Err(anyhow::anyhow!("the {} batch ended without an answer", self.name)),
        }
    }
}

/// Takes every call waiting (up to `max`), runs them as one batch, answers, and goes on.
async fn serve<Req: Send + 'static, Resp: Send + 'static>(name: &'static str, max: usize, run: Run<Req, Resp>, mut rx: mpsc::UnboundedReceiver<(Req, Reply<Resp>)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < max {
            match rx.try_recv() {
                Ok(call) => batch.push(call),
                Err(_) => break,
            }
        }
        let n = batch.len();
        metrics::counter!(names::COALESCED_BATCHES, "statement" => name).increment(1);
        metrics::counter!(names::COALESCED_CALLS, "statement" => name).increment(n as u64);
        let (reqs, replies): (Vec<Req>, Vec<Reply<Resp>>) = batch.into_iter().unzip();
        // A task of its own: a panic in `run` answers this batch with an error, and the next
        // batches still run.
        let result = match tokio::spawn((run)(reqs)).await {
            Ok(Ok(resps)) if resps.len() == n => Ok(resps),
            Ok(Ok(resps)) => Err(anyhow::anyhow!("the {name} batch answered {} of {n} calls", resps.len())),
            Ok(Err(err)) => Err(err),
            Err(err) => Err(anyhow::anyhow!("the {name} batch failed: {err}")),
        };
        match result {
            Ok(resps) => {
                for (reply, resp) in replies.into_iter().zip(resps) {
                    let _ = reply.send(Ok(resp));
                }
            }
            Err(err) => {
                let err = Arc::new(err);
                for reply in replies {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;

    /// Records each batch's calls; answers each call with twice its value, slowly enough that
    /// calls arriving meanwhile wait for the next batch.
    fn doubling(batches: Arc<Mutex<Vec<Vec<u32>>>>) -> Coalescer<u32, u32> {
        Coalescer::new("test", 8, move |reqs: Vec<u32>| {
            let batches = batches.clone();
            async move {
                batches.lock().expect("lock").push(reqs.clone());
                tokio::time::sleep(Duration::from_millis(20)).await;
                if reqs.contains(&999) {
                    anyhow::bail!("refused");
                }
                if reqs.contains(&666) {
                    panic!("the runner panicked");
                }
                Ok(reqs.into_iter().map(|r| r * 2).collect())
            }
        })
    }

    #[tokio::test]
    async fn concurrent_calls_share_batches_and_each_gets_its_own_answer() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let c = Arc::new(doubling(batches.clone()));
        let calls = (0..30u32).map(|i| {
            let c = c.clone();
            tokio::spawn(async move { (i, c.call(i).await.expect("answer")) })
        });
        for answer in futures::future::join_all(calls).await {
            let (i, doubled) = answer.expect("join");
            assert_eq!(doubled, i * 2);
        }
        {
            let batches = batches.lock().expect("lock");
            assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 30, "every call ran once");
            assert!(batches.len() < 30, "calls were coalesced: {batches:?}");
            assert!(batches.iter().all(|b| b.len() <= 8), "no batch is over the cap: {batches:?}");
        }
        // A call alone goes at once, alone.
        assert_eq!(c.call(5).await.expect("answer"), 10);
        assert_eq!(batches.lock().expect("lock").last(), Some(&vec![5]));
    }

    #[tokio::test]
    async fn a_failed_or_panicking_batch_answers_every_call_with_an_error_and_later_batches_run() {
        let c = Arc::new(doubling(Arc::new(Mutex::new(Vec::new()))));
        for poison in [999, 666] {
            // The poison call goes first, alone; the others queue behind it and make one batch.
            let first = tokio::spawn({
                let c = c.clone();
                async move { c.call(poison).await }
            });
            tokio::time::sleep(Duration::from_millis(5)).await;
            let behind = (0..3).map(|i| {
                let c = c.clone();
                tokio::spawn(async move { c.call(i + 1).await })
            });
            let err = first.await.expect("join").expect_err("the poisoned batch fails").to_string();
            assert!(err.contains(if poison == 999 { "refused" } else { "failed" }), "{err}");
            for answer in futures::future::join_all(behind).await {
                assert!(answer.expect("join").is_ok(), "calls of the next batch are answered");
            }
        }
        assert_eq!(c.call(21).await.expect("answer"), 42);
    }

    #[tokio::test]
    async fn a_caller_that_stops_waiting_does_not_stop_the_batch() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let c = Arc::new(doubling(batches.clone()));
        let gone = tokio::spawn({
            let c = c.clone();
            async move { c.call(1).await }
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
        let stays = tokio::spawn({
            let c = c.clone();
            async move { c.call(2).await }
        });
        gone.abort();
        assert_eq!(stays.await.expect("join").expect("answer"), 4);
        assert_eq!(batches.lock().expect("lock").concat(), vec![1, 2], "the abandoned call's batch ran to the end");
    }
}
