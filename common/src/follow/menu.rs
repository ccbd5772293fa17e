//! The Official Account's custom menu (自定义菜单): defined by admins, checked against WeChat's
//! rules before it is saved, published by the `publish_menu` job. A `click` button may carry the
//! text the account answers when it is clicked (`reply`, kept here, never sent to WeChat).
//!
//! One menu per deployment: saving bumps its `version`; a publish records which version WeChat
//! has, so the status tells whether what is saved is what followers see.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::types::Json;
use sqlx::PgConnection;

/// One button: a `click` (with `key`) or `view` (with `url`), or, at the top only, a group of
/// 1–5 `subButtons` (then without a type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MenuButton {
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the account answers to a click (text, at most 600 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_buttons: Option<Vec<MenuButton>>,
}

/// WeChat's limits (`menu/create`).
pub const MAX_BUTTONS: usize = 3;
pub const MAX_SUB_BUTTONS: usize = 5;
pub const MAX_NAME_BYTES: usize = 16;
pub const MAX_SUB_NAME_BYTES: usize = 60;
pub const MAX_KEY_BYTES: usize = 128;
pub const MAX_URL_BYTES: usize = 1024;
pub const MAX_REPLY_CHARS: usize = 600;

/// Every rule the menu breaks, as (field path, message): `buttons[1].subButtons[0].name`, ….
pub fn check(buttons: &[MenuButton]) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
        errors.push(("buttons".to_owned(), format!("must hold 1 to {MAX_BUTTONS} buttons")));
    }
    for (i, b) in buttons.iter().enumerate().take(MAX_BUTTONS) {
        check_button(&mut errors, &format!("buttons[{i}]"), b, true);
    }
    let mut keys: Vec<&str> = all(buttons).filter_map(|b| b.key.as_deref()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        errors.push(("buttons".to_owned(), "two click buttons share a key".to_owned()));
    }
    errors
}

fn check_button(errors: &mut Vec<(String, String)>, at: &str, b: &MenuButton, top: bool) {
    let limit = if top { MAX_NAME_BYTES } else { MAX_SUB_NAME_BYTES };
    if b.name.trim().is_empty() || b.name.len() > limit {
        errors.push((format!("{at}.name"), format!("must be 1 to {limit} bytes (UTF-8: a Chinese character is 3)")));
    }
    if let Some(subs) = &b.sub_buttons {
        if !top {
            errors.push((format!("{at}.subButtons"), "only top-level buttons hold sub-buttons".to_owned()));
        } else if subs.is_empty() || subs.len() > MAX_SUB_BUTTONS {
            errors.push((format!("{at}.subButtons"), format!("must hold 1 to {MAX_SUB_BUTTONS} buttons")));
        }
        if b.kind.is_some() || b.key.is_some() || b.url.is_some() || b.reply.is_some() {
            errors.push((format!("{at}.type"), "a button with sub-buttons has no type, key, url or reply".to_owned()));
        }
        if top {
            for (j, s) in subs.iter().enumerate().take(MAX_SUB_BUTTONS) {
                check_button(errors, &format!("{at}.subButtons[{j}]"), s, false);
            }
        }
        return;
    }
    match b.kind.as_deref() {
        Some("click") => {
            if b.key.as_deref().is_none_or(|k| k.is_empty() || k.len() > MAX_KEY_BYTES) {
                errors.push((format!("{at}.key"), format!("must be 1 to {MAX_KEY_BYTES} bytes")));
            }
            if b.reply.as_deref().is_some_and(|r| r.trim().is_empty() || r.chars().count() > MAX_REPLY_CHARS) {
                errors.push((format!("{at}.reply"), format!("must be 1 to {MAX_REPLY_CHARS} characters")));
            }
            if b.url.is_some() {
                errors.push((format!("{at}.url"), "a click button has no url".to_owned()));
            }
        }
        Some("view") => {
            let url = b.url.as_deref().unwrap_or_default();
            if url.len() > MAX_URL_BYTES || !(url.starts_with("https://") || url.starts_with("http://")) {
                errors.push((format!("{at}.url"), format!("must be an http(s) URL of at most {MAX_URL_BYTES} bytes")));
            }
            if b.key.is_some() || b.reply.is_some() {
                errors.push((format!("{at}.key"), "a view button has no key or reply".to_owned()));
            }
        }
        _ => errors.push((format!("{at}.type"), "must be `click` or `view` (or give subButtons)".to_owned())),
    }
}

/// Every button, groups and their sub-buttons alike.
fn all(buttons: &[MenuButton]) -> impl Iterator<Item = &MenuButton> {
    buttons.iter().flat_map(|b| std::iter::once(b).chain(b.sub_buttons.iter().flatten()))
}

/// The menu in WeChat's shape (`button`, `sub_button`; replies left out).
pub fn wechat_body(buttons: &[MenuButton]) -> Value {
    fn one(b: &MenuButton) -> Value {
        match &b.sub_buttons {
            Some(subs) => json!({"name": b.name, "sub_button": subs.iter().map(one).collect::<Vec<_>>()}),
            None => match b.kind.as_deref() {
                Some("view") => json!({"type": "view", "name": b.name, "url": b.url}),
                _ => json!({"type": "click", "name": b.name, "key": b.key}),
            },
        }
    }
    json!({"button": buttons.iter().map(one).collect::<Vec<_>>()})
}

crate::text_enum! {
    /// `mp_menu.publish_status`.
    pub enum PublishStatus { Draft = "draft", Publishing = "publishing", Published = "published", Failed = "failed" }
}

/// The saved menu and where its publishing stands.
#[derive(Debug, Clone)]
pub struct Menu {
    pub buttons: Vec<MenuButton>,
    pub version: i32,
    pub published_version: Option<i32>,
    pub status: PublishStatus,
    pub error: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// The saved menu, if one was ever saved.
pub async fn load(conn: &mut PgConnection) -> sqlx::Result<Option<Menu>> {
    let row = sqlx::query!(
        r#"SELECT buttons AS "buttons: Json<Vec<MenuButton>>", version, published_version, publish_status, publish_error,
                  updated_at, published_at
             FROM mp_menu WHERE id = 1"#
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Menu {
        buttons: r.buttons.0,
        version: r.version,
        published_version: r.published_version,
        status: r.publish_status.parse().unwrap_or(PublishStatus::Draft),
        error: r.publish_error,
        updated_at: r.updated_at,
        published_at: r.published_at,
    }))
}

/// Saves a (checked) menu as the next version, a draft until it is published.
pub async fn save(conn: &mut PgConnection, buttons: &[MenuButton]) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "INSERT INTO mp_menu (id, buttons) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET buttons = EXCLUDED.buttons, version = mp_menu.version + 1,
                publish_status = 'draft', publish_error = NULL, updated_at = now()
         RETURNING version",
        Json(buttons) as Json<&[MenuButton]>
    )
    .fetch_one(conn)
    .await
}

/// Marks the saved menu as being published; false when no menu was saved.
pub async fn start_publishing(conn: &mut PgConnection) -> sqlx::Result<bool> {
    let done = sqlx::query!("UPDATE mp_menu SET publish_status = 'publishing', publish_error = NULL WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that WeChat has `version`: published if it is still the saved one, else the newer
/// save stays a draft.
pub async fn mark_published(conn: &mut PgConnection, version: i32) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE mp_menu SET published_version = $1, published_at = now(), publish_error = NULL,
                publish_status = CASE WHEN version = $1 THEN 'published' ELSE 'draft' END
          WHERE id = 1",
        version
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a publish that failed for good (`error` is WeChat's answer).
pub async fn mark_failed(conn: &mut PgConnection, error: &str) -> sqlx::Result<()> {
    sqlx::query!("UPDATE mp_menu SET publish_status = 'failed', publish_error = left($1, 500) WHERE id = 1", error)
        .execute(conn)
        .await?;
    Ok(())
}

/// The answer to a click on the button with `key`, from the saved menu.
pub async fn click_reply(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<String>> {
    let Some(menu) = load(conn).await? else { return Ok(None) };
    let reply = all(&menu.buttons).find(|b| b.key.as_deref() == Some(key)).and_then(|b| b.reply.clone());
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(name: &str, key: &str) -> MenuButton {
        MenuButton { name: name.into(), kind: Some("click".into()), key: Some(key.into()), url: None, reply: Some("ok".into()), sub_buttons: None }
    }

    fn view(name: &str, url: &str) -> MenuButton {
        MenuButton { name: name.into(), kind: Some("view".into()), key: None, url: Some(url.into()), reply: None, sub_buttons: None }
    }

    fn group(name: &str, subs: Vec<MenuButton>) -> MenuButton {
        MenuButton { name: name.into(), kind: None, key: None, url: None, reply: None, sub_buttons: Some(subs) }
    }

    #[test]
    fn a_good_menu_passes_and_goes_out_in_wechats_shape_without_replies() {
        let menu = [click("绑定", "BIND"), group("通知", vec![view("最新通知", "https://h.example/n"), click("设置", "SETTINGS")])];
        assert!(check(&menu).is_empty(), "{:?}", check(&menu));
        assert_eq!(
            wechat_body(&menu),
            json!({"button": [
                {"type": "click", "name": "绑定", "key": "BIND"},
                {"name": "通知", "sub_button": [{"type": "view", "name": "最新通知", "url": "https://h.example/n"}, {"type": "click", "name": "设置", "key": "SETTINGS"}]}
            ]})
        );
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let fields = |menu: &[MenuButton]| check(menu).into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(fields(&[]), ["buttons"]);
        assert_eq!(fields(&[click("a", "A"), click("b", "B"), click("c", "C"), click("d", "D")]), ["buttons"]);
        assert_eq!(fields(&[click("六个汉字名字", "A")]), ["buttons[0].name"], "18 bytes at the top");
        assert_eq!(fields(&[view("网页", "ftp://x")]), ["buttons[0].url"]);
        assert_eq!(fields(&[click("a", "")]), ["buttons[0].key"]);
        assert_eq!(fields(&[group("组", vec![])]), ["buttons[0].subButtons"]);
        let six = (0..6).map(|i| click("s", &format!("K{i}"))).collect();
        assert_eq!(fields(&[group("组", six)]), ["buttons[0].subButtons"]);
        assert_eq!(fields(&[group("组", vec![group("内", vec![click("x", "X")])])]), ["buttons[0].subButtons[0].subButtons"]);
        assert_eq!(fields(&[click("a", "K"), click("b", "K")]), ["buttons"], "keys are unique");
        let mut odd = click("a", "A");
        odd.kind = Some("scancode_push".into());
        assert_eq!(fields(&[odd]), ["buttons[0].type"]);
    }
}
