//! Generated input for the callback's parsers and safe-mode decryption (stable Rust, seeded
//! `rand`; `FUZZ_SEED` replays a run, `FUZZ_CASES` sets the cases per property, 3,000 by
//! default). Properties: parsing any bytes (random, or a valid document mutated: bytes flipped,
//! inserted, deleted, cut, elements nested and repeated) returns `Ok` or `Err` and never panics
//! or exceeds its limits; decryption never panics, refuses text that never was a ciphertext, and
//! `decrypt(encrypt(m)) == m` for any message. (A changed ciphertext may still open: the scheme
//! has no MAC, and integrity is `msg_signature`'s, checked before decryption.)

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::crypto::MessageCrypto;
use super::xml::{parse_xml, Limits};
use super::Inbound;

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";

fn run() -> (StdRng, usize, u64) {
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    (StdRng::seed_from_u64(seed), cases, seed)
}

/// Valid documents to mutate: a message, an event, a scan with nested info, a safe-mode envelope.
const DOCUMENTS: &[&str] = &[
    "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>42</MsgId></xml>",
    "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_7</EventKey><Ticket>t</Ticket></xml>",
    "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>SCAN</Event><EventKey>7</EventKey><ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>x</ScanResult></ScanCodeInfo></xml>",
    "<xml><ToUserName>a</ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>",
];

/// What a mutation inserts: markup, entities (NUL and a lone surrogate too), a DOCTYPE, odd characters.
const PIECES: &[&str] = &["<", ">", "</", "<![CDATA[", "]]>", "&amp;", "&#0;", "&#xD800;", "&bogus;", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "<?xml version=\"1.0\"?>", "<a>", "</a>", "\0", "\u{FEFF}", "😀", "\r\n", "=\"", "<xml>", "</xml>"];

fn mutate(rng: &mut StdRng, doc: &[u8]) -> Vec<u8> {
    let mut out = doc.to_vec();
    for _ in 0..rng.gen_range(1..6) {
        let at = rng.gen_range(0..=out.len());
        match rng.gen_range(0..6) {
            0 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                out[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => out.splice(at..at, PIECES[rng.gen_range(0..PIECES.len())].bytes()).for_each(drop),
            2 if at < out.len() => {
                let end = rng.gen_range(at..=out.len().min(at + 20));
                out.drain(at..end);
            }
            3 => out.truncate(at),
            4 => {
                let depth = rng.gen_range(1..80);
                let nested = format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth));
                out.splice(at..at, nested.into_bytes()).for_each(drop);
            }
            _ => {
                let repeated = "<Content>y</Content>".repeat(rng.gen_range(1..700));
                out.splice(at..at, repeated.into_bytes()).for_each(drop);
            }
        }
    }
    out
}

#[test]
fn parsing_any_bytes_returns_and_keeps_within_its_limits() {
    let (mut rng, cases, seed) = run();
    for case in 0..cases {
        let input: Vec<u8> = if case % 4 == 0 {
            (0..rng.gen_range(0..300)).map(|_| rng.gen()).collect()
        } else {
            let doc = DOCUMENTS[rng.gen_range(0..DOCUMENTS.len())];
            mutate(&mut rng, doc.as_bytes())
        };
        let parsed = std::panic::catch_unwind(|| (parse_xml(&input, Limits::MESSAGE), Inbound::parse(&input)));
        let (tree, _) = parsed.unwrap_or_else(|_| panic!("FUZZ_SEED={seed} case {case}: a panic on {:?}", String::from_utf8_lossy(&input)));
        if let Ok(root) = tree {
            let mut count = 0;
            let mut stack = vec![(&root, 1)];
            while let Some((e, depth)) = stack.pop() {
                count += 1;
                assert!(depth <= Limits::MESSAGE.max_depth, "FUZZ_SEED={seed} case {case}: depth {depth}");
                assert!(e.text.len() <= Limits::MESSAGE.max_text, "FUZZ_SEED={seed} case {case}: text of {}", e.text.len());
                stack.extend(e.children.iter().map(|c| (c, depth + 1)));
            }
            assert!(count <= Limits::MESSAGE.max_elements, "FUZZ_SEED={seed} case {case}: {count} elements");
        }
    }
}

#[test]
fn decryption_refuses_anything_but_a_real_ciphertext_and_round_trips_any_message() {
    let (mut rng, cases, seed) = run();
    let crypto = MessageCrypto::new(KEY, APPID).expect("key");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    for case in 0..cases {
        let msg: String = (0..rng.gen_range(0..200)).map(|_| rng.gen::<char>()).collect();
        let sealed = crypto.encrypt_with_random(&msg, rng.gen());
        assert_eq!(crypto.decrypt(&sealed).ok().as_deref(), Some(msg.as_str()), "FUZZ_SEED={seed} case {case}: round trip");
        // The same ciphertext with one character changed, or text that never was one.
        let mut bytes = sealed.clone().into_bytes();
        let i = rng.gen_range(0..bytes.len());
        bytes[i] = alphabet[rng.gen_range(0..alphabet.len())];
        let changed = String::from_utf8(bytes).expect("ascii");
        let random: String = (0..rng.gen_range(0..400)).map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())])).collect();
        for (input, never_was) in [(changed, false), (random, true)] {
            let opened = std::panic::catch_unwind(|| crypto.decrypt(&input))
                .unwrap_or_else(|_| panic!("FUZZ_SEED={seed} case {case}: a panic on {input:?}"));
            assert!(!(never_was && opened.is_ok()), "FUZZ_SEED={seed} case {case}: {input:?} opened");
        }
    }
}
