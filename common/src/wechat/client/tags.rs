//! Official Account user tags: `/cgi-bin/tags/create|get|update|delete` and
//! `/cgi-bin/tags/members/batchtagging|batchuntagging` (≤ 50 openids per call).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Ack, App, WechatClient, WechatError};

/// Most openids in one (un)tagging call.
pub const MAX_TAGGING: usize = 50;

/// A tag of the Official Account.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Tag {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub count: u64,
}

#[derive(Deserialize)]
struct Created {
    tag: Tag,
}

#[derive(Deserialize)]
struct Listed {
    tags: Vec<Tag>,
}

fn check_name(name: &str) -> Result<(), WechatError> {
    if name.trim().is_empty() || name.chars().count() > 30 {
        return Err(WechatError::Invalid("tag.name: must be 1 to 30 characters".into()));
    }
    Ok(())
}

impl WechatClient {
    async fn tag_call<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, WechatError> {
        self.with_token(App::Mp, |token| async move { self.http().post(op, path, &[("access_token", &token)], body).await })
            .await
    }

    pub async fn create_tag(&self, name: &str) -> Result<Tag, WechatError> {
        check_name(name)?;
        let created: Created = self.tag_call("tags_create", "/cgi-bin/tags/create", &json!({"tag": {"name": name}})).await?;
        Ok(created.tag)
    }

    pub async fn list_tags(&self) -> Result<Vec<Tag>, WechatError> {
        let listed: Listed = self
            .with_token(App::Mp, |token| async move {
                self.http().get("tags_get", "/cgi-bin/tags/get", &[("access_token", &token)]).await
            })
            .await?;
        Ok(listed.tags)
    }

    pub async fn update_tag(&self, id: u64, name: &str) -> Result<(), WechatError> {
        check_name(name)?;
        let _: Ack = self.tag_call("tags_update", "/cgi-bin/tags/update", &json!({"tag": {"id": id, "name": name}})).await?;
        Ok(())
    }

    pub async fn delete_tag(&self, id: u64) -> Result<(), WechatError> {
        let _: Ack = self.tag_call("tags_delete", "/cgi-bin/tags/delete", &json!({"tag": {"id": id}})).await?;
        Ok(())
    }

    /// Tags (or, with `untag`, untags) up to 50 users.
    pub async fn tag_users(&self, tag_id: u64, openids: &[String], untag: bool) -> Result<(), WechatError> {
        if openids.is_empty() || openids.len() > MAX_TAGGING {
            return Err(WechatError::Invalid("openid_list: must hold 1 to 50 openids".into()));
        }
        let (op, path) = if untag {
            ("tags_untag", "/cgi-bin/tags/members/batchuntagging")
        } else {
            ("tags_tag", "/cgi-bin/tags/members/batchtagging")
        };
        let _: Ack = self.tag_call(op, path, &json!({"openid_list": openids, "tagid": tag_id})).await?;
        Ok(())
    }
}
