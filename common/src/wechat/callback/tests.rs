//! Parsing every modelled kind, de-duplication keys and whole requests through the codec.

use secrecy::SecretString;

use super::*;

fn wrap(body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>\
         <CreateTime>123456789</CreateTime>{body}</xml>"
    )
}

fn parse(body: &str) -> Inbound {
    Inbound::parse(wrap(body).as_bytes()).expect("parses")
}

fn event(body: &str) -> Event {
    match parse(&format!("<MsgType><![CDATA[event]]></MsgType>{body}")).kind {
        InboundKind::Event(e) => e,
        other => panic!("not an event: {other:?}"),
    }
}

fn message(body: &str) -> Message {
    match parse(body).kind {
        InboundKind::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    }
}

#[test]
fn seed_000_subscribe_and_scan_events() {
    let sub = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>\
        <CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>\
        <EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>";
    let inbound = Inbound::parse(sub.as_bytes()).expect("parses");
    assert_eq!(inbound.from_user, "FromUser");
    assert_eq!(inbound.to_user, "toUser");
    assert_eq!(inbound.create_time, 123456789);
    assert_eq!(
        inbound.kind,
        InboundKind::Event(Event::Subscribe { scene: Some("123123".into()), ticket: Some("TICKET".into()) })
    );
    assert_eq!(dedup_key(&inbound), "evt:FromUser:123456789:subscribe:qrscene_123123");

    let scan = sub.replace("subscribe", "SCAN").replace("qrscene_123123", "SCENE_VALUE");
    let inbound = Inbound::parse(scan.as_bytes()).expect("parses");
    assert_eq!(
        inbound.kind,
        InboundKind::Event(Event::Scan { scene: "SCENE_VALUE".into(), ticket: Some("TICKET".into()) })
    );
    assert_eq!(event("<Event>subscribe</Event>"), Event::Subscribe { scene: None, ticket: None });
    assert_eq!(event("<Event>subscribe</Event><EventKey></EventKey>"), Event::Subscribe { scene: None, ticket: None });
}

#[test]
fn messages_of_every_kind() {
    assert_eq!(
        message("<MsgType>text</MsgType><Content><![CDATA[你好]]></Content><MsgId>18446744073709551615</MsgId>"),
        Message::Text { msg_id: u64::MAX, content: "你好".into() }
    );
    assert_eq!(
        message("<MsgType>image</MsgType><PicUrl>http://p</PicUrl><MediaId>m</MediaId><MsgId>1</MsgId>"),
        Message::Image { msg_id: 1, pic_url: "http://p".into(), media_id: "m".into() }
    );
    assert_eq!(
        message("<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition>嗯</Recognition><MsgId>2</MsgId>"),
        Message::Voice { msg_id: 2, media_id: "m".into(), format: "amr".into(), recognition: Some("嗯".into()) }
    );
    assert_eq!(
        message("<MsgType>shortvideo</MsgType><MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>3</MsgId>"),
        Message::Video { msg_id: 3, media_id: "m".into(), thumb_media_id: "t".into(), short: true }
    );
    assert_eq!(
        message("<MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label>L</Label><MsgId>4</MsgId>"),
        Message::Location { msg_id: 4, latitude: 23.134521, longitude: 113.358803, scale: Some(20), label: "L".into() }
    );
    assert_eq!(
        message("<MsgType>link</MsgType><Title>t</Title><Description>d</Description><Url>u</Url><MsgId>5</MsgId>"),
        Message::Link { msg_id: 5, title: "t".into(), description: "d".into(), url: "u".into() }
    );
}

#[test]
fn events_of_every_kind() {
    assert_eq!(event("<Event>unsubscribe</Event>"), Event::Unsubscribe);
    assert_eq!(event("<Event>CLICK</Event><EventKey>V1001</EventKey>"), Event::Click { key: "V1001".into() });
    assert_eq!(
        event("<Event>VIEW</Event><EventKey>https://x</EventKey><MenuId>7</MenuId>"),
        Event::View { url: "https://x".into(), menu_id: Some("7".into()) }
    );
    assert_eq!(
        event("<Event>LOCATION</Event><Latitude>23.1</Latitude><Longitude>113.3</Longitude><Precision>119.385040</Precision>"),
        Event::Location { latitude: 23.1, longitude: 113.3, precision: Some(119.38504) }
    );
    assert_eq!(
        event("<Event>TEMPLATESENDJOBFINISH</Event><MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>"),
        Event::TemplateSendJobFinish { msg_id: 200163836, status: "success".into() }
    );
    assert_eq!(
        event(
            "<Event>MASSSENDJOBFINISH</Event><MsgID>1988</MsgID><Status>sendsuccess</Status><TotalCount>100</TotalCount>\
             <FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>\
             <CopyrightCheckResult><Count>0</Count><ResultList/><CheckState>1</CheckState></CopyrightCheckResult>"
        ),
        Event::MassSendJobFinish {
            msg_id: 1988,
            status: "sendsuccess".into(),
            total_count: 100,
            filter_count: 80,
            sent_count: 75,
            error_count: 5
        }
    );
    assert_eq!(
        event(
            "<Event>subscribe_msg_popup_event</Event><SubscribeMsgPopupEvent>\
             <List><TemplateId>T1</TemplateId><SubscribeStatusString>accept</SubscribeStatusString><PopupScene>2</PopupScene></List>\
             <List><TemplateId>T2</TemplateId><SubscribeStatusString>reject</SubscribeStatusString><PopupScene>2</PopupScene></List>\
             </SubscribeMsgPopupEvent>"
        ),
        Event::SubscribeMsgPopup {
            items: vec![
                PopupItem { template_id: "T1".into(), status: "accept".into(), popup_scene: Some("2".into()) },
                PopupItem { template_id: "T2".into(), status: "reject".into(), popup_scene: Some("2".into()) },
            ]
        }
    );
}

#[test]
fn unknown_kinds_are_kept_with_their_fields() {
    let inbound = parse("<MsgType>event</MsgType><Event>view_miniprogram</Event><EventKey>pages/a</EventKey><MenuId>9</MenuId>");
    assert_eq!(
        inbound.kind,
        InboundKind::Event(Event::Unknown { event: "view_miniprogram".into(), event_key: Some("pages/a".into()) })
    );
    assert_eq!(inbound.fields.get("MenuId").map(String::as_str), Some("9"));
    let inbound = parse("<MsgType>hologram</MsgType><Depth>3</Depth><MsgId>77</MsgId>");
    assert_eq!(inbound.kind, InboundKind::Message(Message::Unknown { msg_type: "hologram".into(), msg_id: Some(77) }));
    assert_eq!(inbound.fields.get("Depth").map(String::as_str), Some("3"));
    assert_eq!(dedup_key(&inbound), "msg:77");
    let inbound = parse("<MsgType>hologram</MsgType>");
    assert_eq!(dedup_key(&inbound), "evt:oUser1:123456789:hologram:");
}

#[test]
fn malformed_known_kinds_are_typed_errors() {
    let bad = |body: &str| Inbound::parse(wrap(body).as_bytes()).err();
    assert_eq!(bad("<MsgType>text</MsgType><Content>x</Content>"), Some(CallbackError::Field("MsgId")));
    assert_eq!(bad("<MsgType>text</MsgType><MsgId>-1</MsgId>"), Some(CallbackError::Field("MsgId")));
    assert_eq!(bad("<MsgType>text</MsgType><MsgId>99999999999999999999</MsgId>"), Some(CallbackError::Field("MsgId")));
    assert_eq!(bad("<MsgType>event</MsgType>"), Some(CallbackError::Field("Event")));
    assert_eq!(bad("<MsgType>event</MsgType><Event>SCAN</Event>"), Some(CallbackError::Field("EventKey")));
    assert_eq!(bad(""), Some(CallbackError::Field("MsgType")));
    let no_time = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>x</CreateTime><MsgType>text</MsgType></xml>";
    assert_eq!(Inbound::parse(no_time.as_bytes()).err(), Some(CallbackError::Field("CreateTime")));
}

#[test]
fn dedup_keys_use_msg_id_or_the_event_tuple() {
    let text = parse("<MsgType>text</MsgType><Content>a</Content><MsgId>6177891239584123456</MsgId>");
    assert_eq!(dedup_key(&text), "msg:6177891239584123456");
    let click = parse("<MsgType>event</MsgType><Event>CLICK</Event><EventKey>K</EventKey>");
    assert_eq!(dedup_key(&click), "evt:oUser1:123456789:CLICK:K");
    let unsub = parse("<MsgType>event</MsgType><Event>unsubscribe</Event>");
    assert_eq!(dedup_key(&unsub), "evt:oUser1:123456789:unsubscribe:");
}

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";

fn codec() -> CallbackCodec {
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    CallbackCodec::new(SecretString::from("pamtest"), Some(crypto))
}

fn query(pairs: &[(&str, &str)]) -> CallbackQuery {
    let mut q = CallbackQuery::default();
    for (k, v) in pairs {
        let v = Some((*v).to_owned());
        match *k {
            "signature" => q.signature = v,
            "timestamp" => q.timestamp = v,
            "nonce" => q.nonce = v,
            "echostr" => q.echostr = v,
            "encrypt_type" => q.encrypt_type = v,
            "msg_signature" => q.msg_signature = v,
            _ => {}
        }
    }
    q
}

#[test]
fn get_verification_checks_before_echoing() {
    let codec = CallbackCodec::new(SecretString::from("test"), None);
    let sig = "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff";
    let ok = query(&[("signature", sig), ("timestamp", "1410685589"), ("nonce", "test"), ("echostr", "e1")]);
    assert_eq!(codec.verify_echo(&ok), Ok("e1"));
    let forged = query(&[("signature", &sig.replace('f', "e")), ("timestamp", "1410685589"), ("nonce", "test"), ("echostr", "e1")]);
    assert_eq!(codec.verify_echo(&forged), Err(CallbackError::BadSignature));
    let missing = query(&[("timestamp", "1410685589"), ("nonce", "test"), ("echostr", "e1")]);
    assert_eq!(codec.verify_echo(&missing), Err(CallbackError::MissingParam("signature")));
}

#[test]
fn safe_mode_sample_request_opens_to_the_hello_message() {
    let encrypt = include_str!("testdata/sample_encrypt.txt").trim();
    let body = format!("<xml><ToUserName><![CDATA[asdasdasd]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    let q = query(&[
        ("timestamp", "1458300676"),
        ("nonce", "260774613"),
        ("encrypt_type", "aes"),
        ("msg_signature", "4f3ad57b6989f09f4eb392acce4f9e93942ed890"),
    ]);
    let opened = codec().open(&q, body.as_bytes()).expect("opens");
    assert!(opened.encrypted);
    assert_eq!(opened.inbound.from_user, "asdasdasdsadasd");
    assert_eq!(opened.inbound.to_user, "asdasdasd");
    assert_eq!(opened.inbound.kind, InboundKind::Message(Message::Text { msg_id: 12345, content: "hello".into() }));
    let plain_codec = CallbackCodec::new(SecretString::from("pamtest"), None);
    assert_eq!(plain_codec.open(&q, body.as_bytes()).err(), Some(CallbackError::NoAesKey));
}

#[test]
fn plain_and_safe_round_trips_through_the_codec() {
    // Plain mode must be chosen explicitly once a key is configured (see the next test).
    let codec = codec().with_mode(CallbackMode::Plain);
    let inner = wrap("<MsgType>text</MsgType><Content><![CDATA[挂号]]></Content><MsgId>42</MsgId>");
    // Plain mode.
    let sig = signature(&["pamtest", "1700000000", "n1"]);
    let q = query(&[("signature", &sig), ("timestamp", "1700000000"), ("nonce", "n1")]);
    let opened = codec.open(&q, inner.as_bytes()).expect("plain opens");
    assert!(!opened.encrypted);
    let reply = Reply::text(&opened.inbound.from_user, &opened.inbound.to_user, 1700000001, "好的 ]]> 收到");
    let answer = codec.answer(&reply, false, "1700000001", "n2").expect("answer");
    assert_eq!(answer, reply.to_xml());
    // Safe mode: what WeChat would send, then our encrypted answer opened the way WeChat would.
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    let sealed = seal_envelope(&crypto, "pamtest", &inner, "1700000000", "n1");
    let q = query(&[
        ("timestamp", "1700000000"),
        ("nonce", "n1"),
        ("encrypt_type", "aes"),
        ("msg_signature", &sealed.msg_signature),
    ]);
    let opened = codec.open(&q, sealed.to_xml().as_bytes()).expect("safe opens");
    assert!(opened.encrypted);
    assert_eq!(opened.inbound.kind, InboundKind::Message(Message::Text { msg_id: 42, content: "挂号".into() }));
    let answer = codec.answer(&reply, true, "1700000001", "n2").expect("answer");
    let env = parse_xml(answer.as_bytes(), Limits::ENVELOPE).expect("envelope");
    let sig = env.child_text("MsgSignature").unwrap_or_default();
    let back = open_envelope(&crypto, "pamtest", "1700000001", "n2", sig, answer.as_bytes()).expect("reopens");
    assert_eq!(back, reply.to_xml());
}

#[test]
fn a_key_makes_safe_mode_the_default_and_safe_or_compat_refuse_plain_bodies() {
    let inner = wrap("<MsgType>text</MsgType><Content><![CDATA[挂号]]></Content><MsgId>42</MsgId>");
    let sig = signature(&["pamtest", "1700000000", "n1"]);
    let plain = query(&[("signature", &sig), ("timestamp", "1700000000"), ("nonce", "n1")]);
    assert_eq!(codec().mode(), CallbackMode::Safe);
    assert_eq!(CallbackCodec::new(SecretString::from("t"), None).mode(), CallbackMode::Plain);
    for mode in [CallbackMode::Safe, CallbackMode::Compat] {
        assert_eq!(codec().with_mode(mode).open(&plain, inner.as_bytes()).err(), Some(CallbackError::Unencrypted), "{mode:?}");
    }
    // Compat mode: plaintext beside `Encrypt`; the signed, encrypted part is what counts.
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    let sealed = seal_envelope(&crypto, "pamtest", &inner, "1700000000", "n1");
    let forged = inner.replace("挂号", "伪造");
    let body = forged.replace("</xml>", &format!("<Encrypt>{}</Encrypt></xml>", sealed.encrypt));
    let q = query(&[("timestamp", "1700000000"), ("nonce", "n1"), ("encrypt_type", "aes"), ("msg_signature", &sealed.msg_signature)]);
    let opened = codec().with_mode(CallbackMode::Compat).open(&q, body.as_bytes()).expect("compat opens");
    assert_eq!(opened.inbound.kind, InboundKind::Message(Message::Text { msg_id: 42, content: "挂号".into() }));
    assert_eq!(codec().open(&q, body.as_bytes()).err(), Some(CallbackError::PlaintextInSafeMode));
    assert!(codec().open(&q, sealed.to_xml().as_bytes()).is_ok(), "a pure envelope in safe mode");
    assert!("strict".parse::<CallbackMode>().is_err());
    assert_eq!(" Compat ".parse::<CallbackMode>(), Ok(CallbackMode::Compat));
}

#[test]
fn timestamps_outside_the_window_are_stale_either_way() {
    let codec = codec().with_max_age(std::time::Duration::from_secs(300));
    let at = |ts: &str| query(&[("timestamp", ts), ("nonce", "n")]);
    let now = 1_700_000_000;
    assert_eq!(codec.check_fresh(&at("1700000000"), now), Ok(()));
    assert_eq!(codec.check_fresh(&at("1699999700"), now), Ok(()));
    assert_eq!(codec.check_fresh(&at("1700000300"), now), Ok(()));
    assert_eq!(codec.check_fresh(&at("1699999699"), now), Err(CallbackError::Stale));
    assert_eq!(codec.check_fresh(&at("1700000301"), now), Err(CallbackError::Stale));
    assert_eq!(codec.check_fresh(&at("-9223372036854775808"), now), Err(CallbackError::Stale));
    assert_eq!(codec.check_fresh(&at("soon"), now), Err(CallbackError::Stale));
    assert_eq!(codec.check_fresh(&query(&[("nonce", "n")]), now), Err(CallbackError::MissingParam("timestamp")));
}

#[test]
fn hostile_bodies_are_refused_in_both_modes() {
    let codec = codec().with_mode(CallbackMode::Plain);
    let sig = signature(&["pamtest", "1", "n"]);
    let plain = query(&[("signature", &sig), ("timestamp", "1"), ("nonce", "n")]);
    let bodies: Vec<Vec<u8>> = vec![
        b"<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>".to_vec(),
        format!("<xml>{}</xml>", "<a>".repeat(64)).into_bytes(),
        vec![b'<'; 200_000],
        b"\xff\xff".to_vec(),
        Vec::new(),
    ];
    for body in &bodies {
        assert!(codec.open(&plain, body).is_err());
    }
    let safe = query(&[("timestamp", "1"), ("nonce", "n"), ("encrypt_type", "aes"), ("msg_signature", &sig)]);
    for body in &bodies {
        assert!(codec.open(&safe, body).is_err());
    }
    // A correctly signed envelope around garbage.
    let garbage = "AAAA";
    let msg_sig = signature(&["pamtest", "1", "n", garbage]);
    let safe = query(&[("timestamp", "1"), ("nonce", "n"), ("encrypt_type", "aes"), ("msg_signature", &msg_sig)]);
    let body = format!("<xml><Encrypt>{garbage}</Encrypt></xml>");
    assert!(matches!(codec.open(&safe, body.as_bytes()), Err(CallbackError::Crypto(_))));
}
