//! Each operation against the fake: request shapes, answers and error classes.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Env, MINI_APPID};
use crate::wechat::client::{
    CustomMessage, MassContent, MassSendResult, QrRequest, QrScene, SubscribeMessage, TemplateMessage, WechatError,
};
use crate::wechat::errcode::ErrClass;

const SUBSCRIBE: &str = "/cgi-bin/message/subscribe/send";

fn subscribe(data: &[(&str, &str)]) -> SubscribeMessage {
    SubscribeMessage {
        touser: "oMini1".into(),
        template_id: "TPL".into(),
        page: Some("pages/index".into()),
        data: data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

#[tokio::test]
async fn jscode2session_sends_the_code_once_and_classifies_errors() {
    let env = Env::start().await;
    let client = env.client().await;
    let session = client.jscode2session("CODE1").await.expect("session");
    assert_eq!(session.openid, "o-CODE1");
    let seen = env.fake.seen("/sns/jscode2session");
    assert_eq!(seen[0].query.get("appid").map(String::as_str), Some(MINI_APPID));
    assert_eq!(seen[0].query.get("grant_type").map(String::as_str), Some("authorization_code"));
    assert!(!format!("{session:?}").contains("SESSIONKEY"));
    let err = client.jscode2session("bad").await.expect_err("bad code");
    assert_eq!((err.errcode(), err.class()), (Some(40029), ErrClass::Permanent));
    assert!(!err.to_string().contains("mini-secret"));
    assert!(matches!(client.jscode2session("  ").await, Err(WechatError::Invalid(_))));
    assert_eq!(env.fake.calls("/sns/jscode2session"), 2, "an empty code never leaves the process");
    assert_eq!(env.fake.fetches(), 0, "no access token needed");
    env.cleanup().await;
}

#[tokio::test]
async fn subscribe_send_truncates_and_classifies() {
    let env = Env::start().await;
    let client = env.client().await;
    let long = "科".repeat(30);
    client.send_subscribe_message(&subscribe(&[("thing1", &long), ("time2", "2024-05-01 20:00")])).await.expect("sent");
    let seen = env.fake.seen(SUBSCRIBE);
    assert_eq!(seen[0].body["data"]["thing1"]["value"], "科".repeat(20));
    assert_eq!(seen[0].body["touser"], "oMini1");
    assert_eq!(seen[0].body["page"], "pages/index");
    let invalid = client.send_subscribe_message(&subscribe(&[("phone_number1", "call me maybe")])).await;
    assert!(matches!(&invalid, Err(WechatError::Invalid(m)) if m.contains("phone_number1")));
    assert_eq!(env.fake.calls(SUBSCRIBE), 1, "an invalid value is never sent");
    for (code, class) in [("43101", ErrClass::Permanent), ("45011", ErrClass::RateLimited), ("-1", ErrClass::Transient), ("45009", ErrClass::Quota)] {
        env.fake.fault(SUBSCRIBE, code);
        let err = client.send_subscribe_message(&subscribe(&[("thing1", "x")])).await.expect_err(code);
        assert_eq!(err.class(), class, "errcode {code}");
    }
    env.fake.fault(SUBSCRIBE, "http:502");
    let err = client.send_subscribe_message(&subscribe(&[("thing1", "x")])).await.expect_err("502");
    assert!(matches!(err, WechatError::Status { status: 502, .. }));
    assert_eq!(err.class(), ErrClass::Transient);
    env.cleanup().await;
}

#[tokio::test]
async fn a_slow_wechat_times_out_as_transient() {
    let env = Env::start().await;
    let client = env.client_with_timeout(Duration::from_millis(300)).await;
    client.access_token(crate::wechat::client::App::Mini).await.expect("token");
    env.fake.fault(SUBSCRIBE, "sleep:1500");
    let err = client.send_subscribe_message(&subscribe(&[("thing1", "x")])).await.expect_err("timeout");
    assert_eq!(err.class(), ErrClass::Transient);
    assert!(err.may_have_reached_wechat(), "a timed-out request may have arrived");
    assert!(!err.to_string().contains("access_token="), "no query string in errors: {err}");
    env.cleanup().await;
}

#[tokio::test]
async fn official_account_operations() {
    let env = Env::start().await;
    let client = env.client().await;
    let mut data = BTreeMap::new();
    data.insert("keyword1".to_owned(), "值".into());
    let template = TemplateMessage {
        touser: "oUser1".into(),
        template_id: "T".into(),
        client_msg_id: Some("job-42".into()),
        data,
        ..Default::default()
    };
    assert_eq!(client.send_template_message(&template).await.expect("template"), 200228332);
    let seen = env.fake.seen("/cgi-bin/message/template/send");
    assert_eq!(seen[0].body["client_msg_id"], "job-42");
    assert_eq!(seen[0].body["data"]["keyword1"]["value"], "值");

    client.send_custom_message("oUser1", &CustomMessage::Text { content: "hi".into() }).await.expect("custom");
    env.fake.fault("/cgi-bin/message/custom/send", "45015");
    let err = client.send_custom_message("oUser1", &CustomMessage::Text { content: "hi".into() }).await.expect_err("window");
    assert_eq!(err.class(), ErrClass::Permanent);

    let openids = vec!["o1".to_owned(), "o2".to_owned()];
    let text = MassContent::Text { content: "通知".into() };
    let sent = client.mass_send_to_openids(&openids, &text, "notice-7").await.expect("mass");
    assert_eq!(sent, MassSendResult::Sent { msg_id: 34182, msg_data_id: Some(206227730) });
    assert_eq!(env.fake.seen("/cgi-bin/message/mass/send")[0].body["clientmsgid"], "notice-7");
    env.fake.fault("/cgi-bin/message/mass/sendall", "45065");
    assert_eq!(client.mass_send_to_tag(2, &text, "notice-7").await.expect("dup"), MassSendResult::AlreadySent { msg_id: None });
    assert!(client.mass_send_to_openids(&openids[..1], &text, "x").await.is_err(), "one openid is refused");

    let qr = client.create_qrcode(&QrRequest::Permanent { scene: QrScene::Id(123) }).await.expect("qr");
    assert!(qr.image_url().starts_with("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAA"));
    assert_eq!(env.fake.seen("/cgi-bin/qrcode/create")[0].body["action_name"], "QR_LIMIT_SCENE");

    let user = client.user_info("oUser1").await.expect("user");
    assert_eq!((user.subscribe, user.qr_scene, user.tagid_list.len()), (1, Some(98765), 2));

    let tag = client.create_tag("病区A").await.expect("tag");
    assert_eq!((tag.id, tag.name.as_str()), (134, "病区A"));
    assert_eq!(client.list_tags().await.expect("tags").len(), 1);
    client.update_tag(134, "病区B").await.expect("update");
    client.tag_users(134, &openids, false).await.expect("tagging");
    client.tag_users(134, &openids, true).await.expect("untagging");
    client.delete_tag(134).await.expect("delete");
    assert!(client.tag_users(134, &vec!["o".to_owned(); 51], false).await.is_err());

    let web = client.oauth_exchange("WEBCODE").await.expect("oauth");
    assert_eq!(web.openid, "o-WEBCODE");
    assert_eq!(env.fake.fetches(), 1, "one token for all Official Account calls");
    env.cleanup().await;
}
