//! Operator facts on one page, read from what the system already records; nothing here is
//! estimated. Where a fact is not recorded anywhere the page says so.
//!
//! - WeChat access tokens per configured appid: the shared cache's key in Redis (cached or not,
//!   how long yet, a fetch in progress) and the fetch log beside it (the last successful fetch,
//!   so the token's age, and the last failed one with its error).
//! - Rate limits per operation: this process's table (`RATE_LIMITS`) and the shared window in
//!   Redis (grants in the current window, wait before the next one).
//! - Outbox: unpushed rows and the oldest one's age, pushed rows not yet settled.
//! - Scheduler: the leader lease's holder (its fencing token) and time left, each schedule's
//!   newest handled fire time, the latest firings.

use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use yizhan_common::firings;
use yizhan_common::lease::{Lease, LeaseConfig};
use yizhan_common::{outbox, ratelimit};

use super::layout::{age, html, local_time, Layout};
use super::session::Signed;
use super::PageError;
use crate::extract::AdminOnly;
use crate::state::AppState;

/// The scheduler's leader lease (`yizhan_scheduler::LEADER_LEASE`).
const SCHEDULER_LEASE: &str = "scheduler";
/// Firings the page lists.
const FIRINGS_SHOWN: i64 = 20;

fn ms(d: Duration) -> String {
    age(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What the page says when a store cannot be read: the cause goes to the log, not the page.
fn unreadable(what: &str, err: impl std::fmt::Display) -> String {
    tracing::warn!(console.fact = what, error = %err, "operator facts: could not read");
    "读取失败（存储暂不可用，详见日志）".to_owned()
}

struct TokenRow {
    app: &'static str,
    appid: String,
    state: String,
}

/// A rate as a person reads it ("每分钟 10 次").
fn rate_label(rate: ratelimit::Rate) -> String {
    let per = match rate.window.as_millis() {
        1000 => "每秒".to_owned(),
        60_000 => "每分钟".to_owned(),
        3_600_000 => "每小时".to_owned(),
        ms => format!("每 {ms} 毫秒"),
    };
    format!("{per} {} 次", rate.count)
}

struct RateRow {
    op: String,
    rate: String,
    in_window: String,
    next: String,
}

struct FiringRow {
    schedule: String,
    fire_time: String,
    fired_at: String,
    jobs: i32,
}

#[derive(Template)]
#[template(path = "console/facts.html")]
struct FactsPage {
    layout: Layout,
    tokens: Vec<TokenRow>,
    tokens_note: Option<String>,
    rates: Vec<RateRow>,
    rates_note: Option<String>,
    outbox_unpushed: i64,
    outbox_oldest: String,
    outbox_unsettled: i64,
    leader: String,
    schedules: Vec<(String, String)>,
    firings: Vec<FiringRow>,
}

async fn tokens(state: &AppState) -> Result<Vec<TokenRow>, String> {
    let Some(config) = state.config.wechat.as_ref() else { return Ok(Vec::new()) };
    let apps: Vec<(&'static str, String)> = [("公众号", config.mp.as_ref()), ("小程序", config.mini.as_ref())]
        .into_iter()
        .filter_map(|(name, app)| app.map(|a| (name, a.appid.clone())))
        .collect();
    if apps.is_empty() {
        return Ok(Vec::new());
    }
    let client = state.wechat().await.map_err(|e| unreadable("wechat client", e.message()))?;
    let mut rows = Vec::new();
    for (app, appid) in apps {
        let s = client.tokens().state(&appid).await.map_err(|e| unreadable("token cache", e))?;
        let mut text = match s.expires_in {
            Some(left) => format!("已缓存，{} 后过期", ms(left)),
            None => "未缓存（下次调用时获取）".to_owned(),
        };
        if s.fetching {
            text.push_str("；正在获取新令牌");
        }
        let since = |at: chrono::DateTime<chrono::Utc>| age(u64::try_from((chrono::Utc::now() - at).num_milliseconds()).unwrap_or(0));
        match s.refreshed_at {
            Some(at) => text.push_str(&format!("；上次获取于 {}（{}前）", local_time(at), since(at))),
            None => text.push_str("；还没有获取记录"),
        }
        if let Some((at, error)) = &s.last_error {
            text.push_str(&format!("；最近一次获取失败于 {}：{error}", local_time(*at)));
        }
        rows.push(TokenRow { app, appid, state: text });
    }
    Ok(rows)
}

async fn rates(state: &AppState) -> Result<Vec<RateRow>, String> {
    let config = &state.config.rate_limits;
    let mut conn = state.redis.get().await.map_err(|e| unreadable("redis", e))?;
    let prefix = &state.config.core.redis_prefix;
    let mut rows = Vec::new();
    for (op, rate) in config.rates.iter() {
        let usage = ratelimit::usage(&mut conn, prefix, op, rate, config.margin).await.map_err(|e| unreadable("rate limits", e))?;
        rows.push(RateRow {
            op: op.to_owned(),
            rate: rate_label(rate),
            in_window: format!("{} / {}", usage.in_window, rate.count),
            next: if usage.next_in.is_zero() { "现在".to_owned() } else { ms(usage.next_in) },
        });
    }
    Ok(rows)
}

async fn leader(state: &AppState) -> String {
    let conn = match state.redis.get().await {
        Ok(conn) => conn,
        Err(e) => return unreadable("redis", e),
    };
    let lease = Lease::new(conn, &state.config.core.redis_prefix, SCHEDULER_LEASE, LeaseConfig::default());
    match lease.holder().await {
        Ok(Some((token, left))) => format!("令牌 {token} 的调度器持有，租约还剩 {}", ms(left)),
        Ok(None) => "没有调度器持有租约（调度器未运行，或正在切换）".to_owned(),
        Err(e) => unreadable("scheduler lease", e),
    }
}

pub async fn show(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    let (tokens, tokens_note) = match tokens(&state).await {
        Ok(rows) if rows.is_empty() => (rows, Some("没有配置微信 appid（WECHAT_MP_APPID / WECHAT_MINI_APPID）。".to_owned())),
        Ok(rows) => (rows, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let (rates, rates_note) = match rates(&state).await {
        Ok(rows) => (rows, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let outbox_oldest = outbox::oldest_unpushed_age(&state.db).await?;
    let outbox_unpushed = outbox::unpushed(&state.db).await?;
    let outbox_unsettled = outbox::unsettled(&state.db).await?;
    let mut conn = state.db.acquire().await?;
    let schedules = firings::states(&mut conn).await?.into_iter().map(|s| (s.schedule, local_time(s.last_fire_time))).collect();
    let firings = firings::recent(&mut conn, FIRINGS_SHOWN)
        .await?
        .into_iter()
        .map(|f| FiringRow { schedule: f.schedule, fire_time: local_time(f.fire_time), fired_at: local_time(f.fired_at), jobs: f.jobs })
        .collect();
    drop(conn);
    let page = FactsPage {
        layout: Layout::new(&state, &me.session, "facts", "运行状态").await?,
        tokens,
        tokens_note,
        rates,
        rates_note,
        outbox_unpushed,
        outbox_oldest: if outbox_unpushed == 0 { "—".to_owned() } else { ms(outbox_oldest) },
        outbox_unsettled,
        leader: leader(&state).await,
        schedules,
        firings,
    };
    Ok(html(&page))
}
