//! Avatars fetched from a URL and kept in our storage (seed 003: "头像数据需在云端落地，并返回可直接
//! 访问的url"): the guarded fetcher, the `avatar_fetches` log, and planning a fetch inside a
//! business transaction. The `store_avatar` job lives in `jobs/kinds/store_avatar.rs`.

mod config;
mod fetch;
mod guard;
mod log;
mod plan;

pub use config::AvatarConfig;
pub use fetch::{AvatarFetcher, FetchError, FetchFailure};
pub use guard::{allowed, PrivateAddress};
pub use log::{AvatarClaim, AvatarLog, ClaimedAvatar, FetchStatus};
pub use plan::{plan_avatar, stored_avatar_url, PlanAvatarError, PlannedAvatar};
