//! The booking's own SQL, without the api: the transaction `POST /patient/appointments` runs
//! (`api/src/routes/hospital/appointments.rs`, `book`: the patient check and the appointment's id,
//! the request's decisions, the message planned, the place taken, the late reminder's check,
//! COMMIT), run by the bench itself through the same `yizhan_common` functions over a pool of the
//! api's size. What the api adds on top of its SQL (HTTP, the token, JSON, the push to Redis) is
//! the difference between this rate and the api's with the worker paused.

use std::sync::Arc;

use serde_json::{json, Value};
use sqlx::PgPool;
use yizhan_common::hospital::booking::{self, Expected};
use yizhan_common::subscribe::{plan_send, record_decisions, remind_if_planning_ran, MessageKind, SendTarget, SubscribeInput, TemplateConfig};

use crate::bench::{drive, steady_pool};
use crate::cpu::{CpuSample, CpuUse};

/// One booking to make: (user id, patient id, schedule id).
pub type Booking = (i64, i64, i64);

/// How much of the transaction runs: all of it, or parts, to see what each costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// The patient check and the place (BEGIN, two statements, COMMIT).
    Place,
    /// The same and the request's decisions.
    PlaceAndDecisions,
    /// The whole transaction, the message planned too.
    Whole,
}

/// Bookings per second of `measured`, made `concurrency` at a time over a pool of `pool_max`
/// connections after `warm` (which open the pool's connections and prepare their statements);
/// each accepts the grant `subscribe` names, as the bench's requests do. Fails unless every
/// booking committed. Also the CPU the measured bookings took.
pub async fn bookings_per_sec(
    database_url: &str,
    pool_max: u32,
    concurrency: usize,
    parts: Parts,
    subscribe: Value,
    warm: Vec<Booking>,
    measured: Vec<Booking>,
) -> anyhow::Result<(f64, CpuUse)> {
    let pool = steady_pool(database_url, pool_max).await?;
    let input: Arc<SubscribeInput> = Arc::new(serde_json::from_value(subscribe)?);
    let templates = Arc::new(TemplateConfig::defaults());
    let (_, _, warmed) = drive(warm.len(), concurrency, one(pool.clone(), parts, input.clone(), templates.clone(), Arc::new(warm))).await;
    let n = measured.len();
    let cpu = CpuSample::take();
    let (elapsed, _, results) = drive(n, concurrency, one(pool.clone(), parts, input, templates, Arc::new(measured))).await;
    let cpu = cpu.until(&CpuSample::take());
    pool.close().await;
    for (phase, results) in [("warm-up", warmed), ("measured", results)] {
        let failed: Vec<&Value> = results.iter().filter(|r| r["ok"] != true).collect();
        anyhow::ensure!(failed.is_empty(), "{} SQL-only {phase} bookings failed, first: {}", failed.len(), failed[0]["error"]);
    }
    Ok((n as f64 / elapsed.as_secs_f64(), cpu))
}

/// The i-th booking's transaction, as the api's handler runs it; its result is whether it committed.
fn one(
    pool: PgPool,
    parts: Parts,
    input: Arc<SubscribeInput>,
    templates: Arc<TemplateConfig>,
    bookings: Arc<Vec<Booking>>,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send>> + Send + Sync + 'static {
    move |i| {
        let (pool, input, templates) = (pool.clone(), input.clone(), templates.clone());
        let (user_id, patient_id, schedule_id) = bookings[i];
        Box::pin(async move {
            let run = async {
                let mut tx = pool.begin().await?;
                let id = booking::appointment_id_for(&mut tx, user_id, patient_id).await?.ok_or_else(|| anyhow::anyhow!("not the user's patient"))?;
                if parts != Parts::Place {
                    record_decisions(&mut tx, user_id, &input.decisions(), input.scene().as_deref(), templates.grant_cap).await?;
                }
                if parts == Parts::Whole {
                    plan_send(&mut tx, &templates, MessageKind::AppointmentSuccess, user_id, SendTarget::Appointment(id), "booked").await?;
                }
                let now = yizhan_common::time::local_now();
                let appointment = booking::book(&mut tx, id, user_id, patient_id, schedule_id, Expected::default(), "", now).await?;
                remind_if_planning_ran(&mut tx, &templates, user_id, appointment.id, appointment.date, chrono::Utc::now()).await?;
                tx.commit().await?;
                anyhow::Ok(())
            };
            match run.await {
                Ok(()) => json!({"ok": true}),
                Err(e) => json!({"ok": false, "error": e.to_string()}),
            }
        })
    }
}
