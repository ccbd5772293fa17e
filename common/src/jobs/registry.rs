//! The one place where every job kind is registered; workers look handlers up by kind.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::kinds::{
    CreateDepartmentQrCode, CreateKoalaVisitor, DecideReservation, ExchangeWxCode, FencedProbe, Noop, PlanDailyBroadcasts, PlanVisitReminders, Probe, PromoteWaitlists, PublishMenu, RefundPayment,
    SendCustomMessage, SendDeskAnswer, SendEmail, SendNoticeMass, SendSms, SendSubscribeBatch, SendSubscribeMessage, SendTemplateMessage, StoreAvatar, SyncNoticeTags,
};
use super::{Job, JobContext, Outcome, QueueName, RetryPolicy};

/// Every job kind the workers can run. Add new kinds here.
pub fn registry() -> Registry {
    let mut r = Registry::default();
    r.register::<Noop>();
    r.register::<Probe>();
    r.register::<ExchangeWxCode>();
    r.register::<SendSubscribeMessage>();
    r.register::<SendSubscribeBatch>();
    r.register::<CreateDepartmentQrCode>();
    r.register::<FencedProbe>();
    r.register::<PlanVisitReminders>();
    r.register::<PromoteWaitlists>();
    r.register::<RefundPayment>();
    r.register::<SendSms>();
    r.register::<SendEmail>();
    r.register::<CreateKoalaVisitor>();
    r.register::<StoreAvatar>();
    r.register::<DecideReservation>();
    r.register::<SendTemplateMessage>();
    r.register::<PublishMenu>();
    r.register::<SendCustomMessage>();
    r.register::<SendNoticeMass>();
    r.register::<SyncNoticeTags>();
    r.register::<SendDeskAnswer>();
    r.register::<PlanDailyBroadcasts>();
    r
}

type RunFn = fn(String, JobContext) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// A kind's handler with its settings, callable with the raw JSON payload.
#[derive(Debug, Clone, Copy)]
pub struct Handler {
    pub kind: &'static str,
    pub queue: QueueName,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    run: RunFn,
}

impl Handler {
    /// Decodes the payload and runs the job. A payload that does not decode is a permanent failure.
    pub fn run(&self, payload: String, ctx: JobContext) -> Pin<Box<dyn Future<Output = Outcome> + Send>> {
        (self.run)(payload, ctx)
    }
}

fn run_erased<J: Job<Context = JobContext>>(payload: String, ctx: JobContext) -> Pin<Box<dyn Future<Output = Outcome> + Send>> {
    Box::pin(async move {
        match serde_json::from_str::<J>(&payload) {
            Ok(job) => job.run(&ctx).await,
            Err(err) => Outcome::permanent(format!("payload of `{}` does not decode: {err}", J::KIND)),
        }
    })
}

/// Handlers by kind.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
}

impl Registry {
    /// Adds a kind. Registering two kinds under one name is a programming error caught by tests.
    pub fn register<J: Job<Context = JobContext>>(&mut self) {
        let handler =
            Handler { kind: J::KIND, queue: J::QUEUE, timeout: J::TIMEOUT, retry: J::RETRY, run: run_erased::<J> };
        let previous = self.handlers.insert(J::KIND, handler);
        debug_assert!(previous.is_none(), "job kind `{}` registered twice", J::KIND);
    }

    pub fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &Handler> {
        self.handlers.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_once_with_a_sane_policy() {
        let r = registry();
        assert!(r.get(Noop::KIND).is_some());
        assert_eq!(r.get(Probe::KIND).map(|h| h.queue), Some(QueueName::Default));
        assert_eq!(r.get(CreateKoalaVisitor::KIND).map(|h| h.queue), Some(QueueName::Koala));
        for h in r.kinds() {
            assert!(h.retry.max_attempts >= 1, "{}", h.kind);
            assert!(!h.timeout.is_zero(), "{}", h.kind);
        }
    }
}
