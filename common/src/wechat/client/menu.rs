//! The Official Account's custom menu: `POST /cgi-bin/menu/create` replaces the whole menu, so
//! sending the same menu twice is harmless (a retried job needs no claim).

use super::{Ack, App, WechatClient, WechatError};

impl WechatClient {
    /// Publishes `menu` (`{"button": [...]}`, WeChat's shape).
    pub async fn create_menu(&self, menu: &serde_json::Value) -> Result<(), WechatError> {
        self.with_token(App::Mp, |token| async move {
            let _: Ack = self.http().post("menu_create", "/cgi-bin/menu/create", &[("access_token", &token)], menu).await?;
            Ok(())
        })
        .await
    }
}
