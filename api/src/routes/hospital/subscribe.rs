//! The optional subscribe fields every seed-001 route accepts, recorded in the business
//! transaction. Nothing here can fail the business action on bad input (容错要求).

use sqlx::PgConnection;
use yizhan_common::subscribe::{plan_exchange, plan_send, record_decisions, remind_if_planning_ran, MessageKind, SendTarget, SubscribeInput};

use crate::enqueued::Enqueued;
use crate::state::AppState;

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

/// The subscribe side of a request's jobs (see [`Enqueued`] for the commit).
impl Enqueued {
    /// Records decisions (accepts beyond the grant cap as `over_cap`) and schedules the code exchange.
    pub async fn subscribe_fields(
        &mut self,
        conn: &mut PgConnection,
        state: &AppState,
        user_id: i64,
        input: &SubscribeInput,
    ) -> sqlx::Result<()> {
        let cap = state.config.templates.grant_cap;
        record_decisions(conn, user_id, &input.decisions(), input.scene().as_deref(), cap).await?;
        if let Some(code) = input.wx_code() {
            self.add(plan_exchange(conn, user_id, &code).await?);
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
            self.add([planned.outbox_id]);
        }
        Ok(())
    }

    /// Plans the visit reminder at once when the appointment (just booked or moved) is for
    /// tomorrow and tonight's 20:00 planning already ran.
    pub async fn late_reminder(
        &mut self,
        conn: &mut PgConnection,
        state: &AppState,
        user_id: i64,
        appointment_id: i64,
        visit_date: chrono::NaiveDate,
    ) -> sqlx::Result<()> {
        if let Some(planned) = remind_if_planning_ran(conn, &state.config.templates, user_id, appointment_id, visit_date, state.now()).await? {
            self.add([planned.outbox_id]);
        }
        Ok(())
    }
}
