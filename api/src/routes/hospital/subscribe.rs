//! The optional subscribe fields every seed-001 route accepts, recorded in the business
//! transaction. Nothing here can fail the business action on bad input (容错要求).

use serde_json::json;
use sqlx::PgConnection;
use yizhan_common::jobs::QueueName;
use yizhan_common::outbox::{self, NewOutboxJob};
use yizhan_common::subscribe::{plan_send, record_decisions, MessageKind, SendTarget, SubscribeInput};

use crate::state::AppState;

/// The job kind that exchanges a `wxCode` for the user's openid.
pub const EXCHANGE_JOB_KIND: &str = "exchange_wx_code";

/// The subscribe fields of a body that carries nothing else (cancel): whatever cannot be read
/// as a JSON object of them (empty, `null`, malformed, another content type) reads as none.
pub fn lenient_input(body: &[u8]) -> SubscribeInput {
    if body.iter().all(u8::is_ascii_whitespace) {
        return SubscribeInput::default();
    }
    serde_json::from_slice::<Option<SubscribeInput>>(body).ok().flatten().unwrap_or_else(|| {
        tracing::info!("ignoring an unreadable cancel body");
        SubscribeInput::default()
    })
}

/// Outbox rows written by one request, pushed after its commit.
#[derive(Debug, Default)]
pub struct Enqueued(pub Vec<i64>);

impl Enqueued {
    /// Records decisions and schedules the code exchange.
    pub async fn subscribe_fields(&mut self, conn: &mut PgConnection, user_id: i64, input: &SubscribeInput) -> sqlx::Result<()> {
        record_decisions(conn, user_id, &input.decisions(), input.scene().as_deref()).await?;
        if let Some(code) = input.wx_code() {
            let job = NewOutboxJob::now(QueueName::Wechat, EXCHANGE_JOB_KIND, json!({ "userId": user_id, "code": code }));
            self.0.extend(outbox::insert(conn, job).await?);
        }
        Ok(())
    }

    /// Plans one message (only if the user holds a grant for it).
    pub async fn message(
        &mut self,
        conn: &mut PgConnection,
        state: &AppState,
        kind: MessageKind,
        user_id: i64,
        target: SendTarget,
        occasion: &str,
    ) -> sqlx::Result<()> {
        if let Some(planned) = plan_send(conn, &state.config.templates, kind, user_id, target, occasion).await? {
            self.0.push(planned.outbox_id);
        }
        Ok(())
    }
}
