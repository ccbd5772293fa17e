//! The frame of every signed-in page: the navigation (only the sections the user's roles open),
//! who is signed in, the CSRF token for the page's forms, and the flash message.
//!
//! A later section (hospitals, follow, subscribe log, operator facts) adds one line to
//! [`SECTIONS`] and its routes to `mod.rs`; a seed's sections share a group, named in the
//! navigation before its first link.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use yizhan_common::users::{self, Role, Session, User};

use super::PageError;
use crate::state::AppState;

/// One section of the navigation.
#[derive(Debug)]
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub href: &'static str,
    /// Who sees it (any one of these roles).
    pub roles: &'static [Role],
    /// The group it is shown in (one seed's sections together), `None` for the shared ones.
    pub group: Option<&'static str>,
}

/// Seed 002's pages (college staff services).
const COLLEGE: Option<&str> = Some("高校服务");

pub const SECTIONS: &[Section] = &[
    Section { key: "users", title: "用户与角色", href: "/admin/console/users", roles: &[Role::Admin], group: None },
    Section { key: "hospitals", title: "医院", href: "/admin/console/hospitals", roles: &[Role::Admin], group: None },
    Section { key: "departments", title: "科室", href: "/admin/console/departments", roles: &[Role::Admin], group: None },
    Section { key: "schedules", title: "号源", href: "/admin/console/schedules", roles: &[Role::Admin], group: None },
    Section { key: "sends", title: "订阅消息", href: "/admin/console/sends", roles: &[Role::Admin], group: None },
    Section { key: "qrcodes", title: "科室二维码", href: "/admin/console/qrcodes", roles: &[Role::Admin], group: None },
    Section { key: "keywords", title: "关键词回复", href: "/admin/console/keywords", roles: &[Role::Admin], group: None },
    Section { key: "queues", title: "任务队列", href: "/admin/console/queues", roles: &[Role::Admin], group: None },
    Section { key: "facts", title: "运行状态", href: "/admin/console/facts", roles: &[Role::Admin], group: None },
    Section { key: "rooms", title: "会议室", href: "/admin/console/rooms", roles: &[Role::Admin], group: COLLEGE },
    Section { key: "reservations", title: "预约冲突查询", href: "/admin/console/reservations", roles: &[Role::Admin], group: COLLEGE },
    Section { key: "repairs", title: "故障报修", href: "/admin/console/repairs", roles: &[Role::Admin], group: COLLEGE },
    Section { key: "guides", title: "服务指南", href: "/admin/console/guides", roles: &[Role::Admin], group: COLLEGE },
    Section { key: "activities", title: "活动", href: "/admin/console/activities", roles: &[Role::Admin], group: COLLEGE },
    Section { key: "notices", title: "通知", href: "/admin/console/notices", roles: &[Role::Admin, Role::Counselor], group: SCHOOL },
    Section { key: "meetings", title: "会议签到", href: "/admin/console/meetings", roles: &[Role::Admin, Role::Counselor], group: SCHOOL },
    Section { key: "students", title: "学生", href: "/admin/console/students", roles: &[Role::Admin, Role::Counselor], group: SCHOOL },
    Section { key: "classes", title: "班级", href: "/admin/console/classes", roles: &[Role::Admin, Role::Counselor], group: SCHOOL },
    Section { key: "groups", title: "学生分组", href: "/admin/console/groups", roles: &[Role::Admin, Role::Counselor], group: SCHOOL },
    Section { key: "counselors", title: "辅导员", href: "/admin/console/counselors", roles: &[Role::Admin], group: SCHOOL },
    Section { key: "notice-categories", title: "通知分类", href: "/admin/console/notice-categories", roles: &[Role::Admin], group: SCHOOL },
    Section { key: "desk", title: "客服消息", href: "/admin/console/desk", roles: &[Role::Admin, Role::Counselor], group: SCHOOL },
    Section { key: "menu", title: "公众号菜单", href: "/admin/console/menu", roles: &[Role::Admin], group: SCHOOL },
];

/// Seed 004's pages (student–counselor notices).
const SCHOOL: Option<&str> = Some("学生通知");

/// A navigation link as the template shows it.
#[derive(Debug)]
pub struct NavLink {
    pub title: &'static str,
    pub href: &'static str,
    pub current: bool,
    /// The group's name, on the first link of a group.
    pub group: Option<&'static str>,
}

/// What the base template needs besides the page's own content.
#[derive(Debug)]
pub struct Layout {
    pub title: String,
    pub user_name: String,
    pub csrf: String,
    pub flash: Option<String>,
    pub nav: Vec<NavLink>,
}

impl Layout {
    /// The frame for `session`'s user on the page of section `current`; takes the waiting flash.
    pub async fn new(state: &AppState, session: &Session, current: &str, title: impl Into<String>) -> Result<Self, PageError> {
        let mut conn = state.db.acquire().await?;
        let flash = users::take_flash(&mut conn, session.session_id).await?;
        let user = &session.user;
        let mut group = None;
        let nav = visible_sections(user)
            .map(|s| {
                let starts = s.group.is_some() && s.group != group;
                group = s.group;
                NavLink { title: s.title, href: s.href, current: s.key == current, group: s.group.filter(|_| starts) }
            })
            .collect();
        let user_name = if user.name.trim().is_empty() { user.username.clone() } else { user.name.clone() };
        Ok(Self { title: title.into(), user_name, csrf: session.csrf_token.clone(), flash, nav })
    }
}

/// The sections `user` may open.
pub fn visible_sections(user: &User) -> impl Iterator<Item = &'static Section> + '_ {
    SECTIONS.iter().filter(|s| s.roles.iter().any(|r| user.has_role(*r)))
}

/// Leaves a message for the next page of this session (after a redirect).
pub async fn flash(state: &AppState, session: &Session, message: &str) -> Result<(), PageError> {
    let mut conn = state.db.acquire().await?;
    users::set_flash(&mut conn, session.session_id, message).await?;
    Ok(())
}

/// A template as an HTML answer (a rendering failure is logged and answered as an opaque 500).
pub fn html<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(err) => crate::error::ApiError::internal(err).into_response(),
    }
}

/// A role's name in the console.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "管理员",
        Role::Staff => "工作人员",
        Role::Patient => "患者",
        Role::Visitor => "访客",
        Role::Student => "学生",
        Role::Counselor => "辅导员",
    }
}

/// A duration in milliseconds as a person reads it ("3 分 5 秒").
pub fn age(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0 if ms == 0 => "—".into(),
        0..=59 => format!("{secs} 秒"),
        60..=3599 => format!("{} 分 {} 秒", secs / 60, secs % 60),
        3600..=86_399 => format!("{} 小时 {} 分", secs / 3600, secs % 3600 / 60),
        _ => format!("{} 天 {} 小时", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// A moment in the service time zone, to the second.
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    yizhan_common::time::local(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A moment in the service time zone, to the minute.
pub fn local_minute(at: chrono::DateTime<chrono::Utc>) -> String {
    yizhan_common::time::local(at).format("%Y-%m-%d %H:%M").to_string()
}
