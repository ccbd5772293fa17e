//! The OpenAPI document (`GET /openapi.json`) and its reference page (`GET /docs`): every JSON
//! route of the source is documented (`every_json_route_is_documented` fails for a route added
//! without `#[utoipa::path]` and a line in its domain's `…Api`), each operation's security
//! matches the authorization matrix, the seeds' casings come out, and real answers match the
//! schemas they are documented with, as do the examples.

mod support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::clinic::{book, clinic, patient, schedule};
use support::matrix::{Anyone, Console, Elsewhere, Roles, SignedIn, MATRIX};
use support::routes::routes_in_source;
use support::TestApp;
use yizhan_common::testing::database;

/// Routes that are not part of the JSON API, so not in the document.
fn not_json_api(method: &str, path: &str) -> bool {
    // The console: HTML pages and forms behind a session cookie (api/src/console/).
    path == "/admin/" || path == "/admin/console" || path.starts_with("/admin/console/")
        // The reference page itself (HTML).
        || (method, path) == ("GET", "/docs")
        // The check-in QR display: an HTML page opened by a signed link (clockin_display.rs).
        || (method, path) == ("GET", "/admin/activities/{id}/clockin-items/{item_id}/display")
        // Seed 004's H5 pages: HTML behind the `yz_h5` cookie (api/src/h5/).
        || path.starts_with("/h5/")
        // WeChat's signed XML callback (seed 000): WeChat calls it, not a front end.
        || path == "/api/nurses/msg/wx/callback"
        // A unit test's own router in middleware.rs (the panic answer), not served.
        || path == "/boom"
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let (status, doc) = app.get("/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc
}

/// Every `(METHOD, path)` the document has.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                found.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_json_route_is_documented() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "not OpenAPI 3.1: {}", doc["openapi"]);
    let routed: BTreeSet<(String, String)> = routes_in_source().into_iter().filter(|(m, p)| !not_json_api(m, p)).collect();
    let documented = documented(&doc);
    let missing: Vec<_> = routed.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routes the OpenAPI document lacks (add #[utoipa::path] and list the handler in its domain's …Api): {missing:?}");
    assert!(stale.is_empty(), "documented operations no route serves: {stale:?}");
    assert!(documented.len() > 70, "only {} operations documented", documented.len());
    let mut ids = BTreeSet::new();
    for (method, path) in &documented {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(ids.insert(op["operationId"].as_str().unwrap_or_default().to_owned()), "{method} {path}: operationId missing or not unique");
        assert!(op["tags"].get(0).is_some_and(Value::is_string), "{method} {path} has no tag");
        assert!(op["responses"].as_object().is_some_and(|r| r.keys().any(|k| k.starts_with('2') || k.starts_with('3'))), "{method} {path}: no success answer");
        // Each `{name}` of the path is a path parameter of the operation, and nothing else is
        // (a client generator, or schemathesis, refuses the operation otherwise).
        let in_path: BTreeSet<&str> = path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name).collect();
        let declared: BTreeSet<&str> =
            op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(in_path, declared, "{method} {path}: the path's parameters and the declared ones differ");
    }
}

/// The roles (scopes) of an operation's security requirement: `None` when anyone may call it.
fn required_roles(op: &Value) -> Option<BTreeSet<String>> {
    let reqs = op["security"].as_array().filter(|r| !r.is_empty())?;
    if reqs.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())) {
        return None;
    }
    let mut roles = BTreeSet::new();
    for req in reqs {
        let req = req.as_object().expect("requirement");
        assert_eq!(req.keys().collect::<BTreeSet<_>>(), req.keys().filter(|k| *k == "token" || *k == "bearer").collect(), "{op}");
        for scopes in req.values() {
            roles.extend(scopes.as_array().expect("scopes").iter().map(|s| s.as_str().expect("role").to_owned()));
        }
    }
    Some(roles)
}

#[tokio::test]
async fn security_matches_the_authorization_matrix() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!((schemes["token"]["type"].as_str(), schemes["token"]["in"].as_str(), schemes["token"]["name"].as_str()), (Some("apiKey"), Some("header"), Some("Authorization")));
    assert_eq!((schemes["bearer"]["type"].as_str(), schemes["bearer"]["scheme"].as_str()), (Some("http"), Some("bearer")));
    let mut wrong = Vec::new();
    for (method, path) in documented(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let who = MATRIX.iter().find(|(m, p, _)| *m == method && *p == path).map(|(_, _, w)| *w);
        let roles = required_roles(op);
        let ok = match who {
            Some(Anyone) => roles.is_none(),
            Some(SignedIn) => roles.as_ref().is_some_and(BTreeSet::is_empty) && op["responses"]["401"].is_object(),
            Some(Roles(want)) => {
                roles == Some(want.iter().map(|r| (*r).to_owned()).collect()) && op["responses"]["401"].is_object() && op["responses"]["403"].is_object()
            }
            Some(Console | Elsewhere(_)) | None => false,
        };
        if !ok {
            wrong.push(format!("{method} {path}: documented roles {roles:?}, matrix {who:?}"));
        }
    }
    assert!(wrong.is_empty(), "security requirements that do not match the matrix:\n{}", wrong.join("\n"));
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

fn properties(doc: &Value, name: &str) -> BTreeSet<String> {
    schema(doc, name)["properties"].as_object().unwrap_or_else(|| panic!("{name} has no properties")).keys().cloned().collect()
}

#[tokio::test]
async fn schemas_keep_each_seeds_casing() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    // Seed 001: camelCase, answers and bodies.
    let booked = properties(&doc, "BookedView");
    assert!(booked.contains("appointmentDate") && booked.contains("queueNumber") && booked.contains("payAmount"), "{booked:?}");
    let book_body = &doc["paths"]["/patient/appointments"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    let book_body = book_body.as_str().expect("a body schema").rsplit('/').next().expect("name");
    assert!(serde_json::to_string(schema(&doc, book_body)).expect("json").contains("\"scheduleId\""), "{}", schema(&doc, book_body));
    // Seed 002: snake_case, timestamps with an offset.
    let reservation = properties(&doc, "ReservationView");
    assert!(reservation.contains("reserve_from") && reservation.contains("meetingroom_name"), "{reservation:?}");
    assert_eq!(schema(&doc, "ReservationView")["properties"]["reserve_from"]["format"], "date-time");
    assert!(properties(&doc, "ReserveBody").contains("reserve_from"));
    assert_eq!(properties(&doc, "DrfPage_ReservationView"), ["count", "next", "previous", "results"].map(String::from).into());
    // Seed 000: camelCase.
    assert!(properties(&doc, "DepartmentRef").contains("departmentId"));
    // The error envelope is one component, referenced by the answers.
    let error = serde_json::to_string(schema(&doc, "ErrorBody")).expect("json");
    assert!(["code", "message", "fields", "conflict"].iter().all(|f| error.contains(&format!("\"{f}\""))), "{error}");
    assert_eq!(doc["paths"]["/patient/appointments/{id}"]["get"]["responses"]["404"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope");
}

#[tokio::test]
async fn the_reference_page_renders_offline() {
    let app = TestApp::new(database().await);
    let (status, page) = app.get("/docs", None).await;
    assert_eq!(status, StatusCode::OK);
    let page = page.as_str().expect("HTML");
    for path in ["/patient/appointments", "/reservations/", "/api/admin/nurses/msg/wx/qrcode", "/auth/get-token/", "ErrorEnvelope"] {
        assert!(page.contains(path), "the page lacks {path}");
    }
    for attr in ["src=", "href="] {
        for value in page.split(attr).skip(1) {
            let target = value.trim_start_matches(['"', '\'']);
            assert!(!target.starts_with("http:") && !target.starts_with("https:") && !target.starts_with("//"), "an external asset: {attr}{}", &value[..value.len().min(60)]);
        }
    }
    assert!(!page.contains("<script src") && !page.contains("@import"), "the page loads something");
}

/// Checks `value` against `schema` (following `$ref`s in `doc`); objects may carry no key the
/// schema does not name. Returns what does not match.
fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, at, &mut out);
    out
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, &doc["components"]["schemas"][r.rsplit('/').next().expect("name")]),
        None => schema,
    }
}

/// The property names an object schema allows (its own and its `allOf` parts').
fn allowed(doc: &Value, schema: &Value, names: &mut BTreeSet<String>) {
    let schema = resolve(doc, schema);
    names.extend(schema["properties"].as_object().into_iter().flatten().map(|(k, _)| k.clone()));
    for part in schema["allOf"].as_array().into_iter().flatten() {
        allowed(doc, part, names);
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
        if !parts.iter().any(|p| mismatches(doc, p, value, at).is_empty()) {
            out.push(format!("{at}: {value} matches none of {}", Value::Array(parts.clone())));
        }
        return;
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut names = BTreeSet::new();
        allowed(doc, schema, &mut names);
        if let Some(obj) = value.as_object() {
            out.extend(obj.keys().filter(|k| !names.contains(*k)).map(|k| format!("{at}.{k}: not in the schema")));
        }
        for part in parts {
            let part = resolve(doc, part);
            let mut lenient = part.clone();
            lenient.as_object_mut().map(|o| o.insert("x-lenient".into(), json!(true)));
            check(doc, &lenient, value, at, out);
        }
        return;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            out.push(format!("{at}: {value} not one of {values:?}"));
        }
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if !types.iter().any(|t| *t == kind || (*t == "number" && kind == "integer")) {
        out.push(format!("{at}: {value} is {kind}, documented {types:?}"));
        return;
    }
    match value {
        Value::String(s) if schema["format"] == "date-time" && chrono::DateTime::parse_from_rfc3339(s).is_err() => {
            out.push(format!("{at}: {s} is not an ISO 8601 time with an offset"));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check(doc, &schema["items"], item, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(obj) => {
            let props = schema["properties"].as_object();
            for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    out.push(format!("{at}.{name}: required, missing"));
                }
            }
            for (k, v) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(p) => check(doc, p, v, &format!("{at}.{k}"), out),
                    None if schema["additionalProperties"].is_object() => check(doc, &schema["additionalProperties"], v, &format!("{at}.{k}"), out),
                    None if props.is_some() && schema.get("x-lenient").is_none() => out.push(format!("{at}.{k}: not in the schema")),
                    None => {}
                }
            }
        }
        _ => {}
    }
}

/// The documented schema of `method path`'s `status` answer (following a response `$ref`).
fn answer_schema<'a>(doc: &'a Value, method: &str, path: &str, status: &str) -> &'a Value {
    let mut answer = &doc["paths"][path][method]["responses"][status];
    if let Some(r) = answer.get("$ref").and_then(Value::as_str) {
        answer = &doc["components"]["responses"][r.rsplit('/').next().expect("name")];
    }
    let schema = &answer["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} {status}: no JSON schema documented");
    schema
}

#[tokio::test]
async fn real_answers_match_their_documented_schemas() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    let c = clinic(&app).await;
    let patient_token = app.user_token("pat", &["patient"]).await;
    let p = patient(&app, &patient_token, "张三").await;
    let s = schedule(&app, &c, "上午", 5).await;
    let mut answers = Vec::new();
    let (status, booked) = book(&app, &patient_token, s, p, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    answers.push(("post", "/patient/appointments", "200", booked));
    answers.push(("get", "/patient/appointments", "200", app.get("/patient/appointments", Some(&patient_token)).await.1));
    answers.push(("get", "/patient/schedules", "200", app.get("/patient/schedules", Some(&patient_token)).await.1));
    answers.push(("get", "/current-user/", "200", app.get("/current-user/", Some(&patient_token)).await.1));
    answers.push(("get", "/admin/queues", "200", app.get("/admin/queues", Some(&c.admin)).await.1));
    let staff = app.login_or_create("li").await;
    let (status, card) = app.send(Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    answers.push(("patch", "/current-user/meta/", "200", card));
    answers.push(("get", "/contacts/", "200", app.get("/contacts/", Some(&staff)).await.1));
    let (status, room) = app.post("/admin/meetingrooms/", Some(&c.admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    answers.push(("post", "/admin/meetingrooms/", "201", room));
    let range = "time_from=2030-01-07T09:00:00%2B08:00&time_to=2030-01-07T12:00:00%2B08:00";
    answers.push(("get", "/meetingrooms/available/", "200", app.get(&format!("/meetingrooms/available/?{range}"), Some(&staff)).await.1));
    answers.push(("get", "/meetingrooms/available/", "200", app.get(&format!("/meetingrooms/available/?{range}&length=60"), Some(&staff)).await.1));
    // Seed 002's repairs and guides, seed 000's lists, health.
    let (status, category) = app.post("/admin/repairs/categories/", Some(&c.admin), json!({"name": "投影仪"})).await;
    assert_eq!(status, StatusCode::CREATED, "{category}");
    let report = json!({"location": "行政楼 301", "category": category["id"], "description": "投影仪无法开机"});
    let (status, repair) = app.post("/repairs/", Some(&staff), report).await;
    assert_eq!(status, StatusCode::CREATED, "{repair}");
    answers.push(("post", "/repairs/", "201", repair));
    answers.push(("get", "/repairs/", "200", app.get("/repairs/", Some(&staff)).await.1));
    answers.push(("get", "/guides/", "200", app.get("/guides/", Some(&staff)).await.1));
    let rule = json!({"pattern": "挂号", "replyText": "点击预约挂号", "replyUrl": "https://example.org/book"});
    let (status, created) = app.post("/api/admin/nurses/msg/wx/keywords", Some(&c.admin), rule).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    answers.push(("post", "/api/admin/nurses/msg/wx/keywords", "201", created));
    answers.push(("get", "/api/admin/nurses/msg/wx/keywords", "200", app.get("/api/admin/nurses/msg/wx/keywords", Some(&c.admin)).await.1));
    answers.push(("get", "/api/admin/nurses/msg/wx/qrcode-list", "200", app.get("/api/admin/nurses/msg/wx/qrcode-list?page=1", Some(&c.admin)).await.1));
    answers.push(("get", "/readyz", "200", app.get("/readyz", None).await.1));
    // Seed 002's activities: the admin's activity, its detail, an enrollment, an item, the records.
    let activity = json!({"title": "迎新晚会", "place": "礼堂", "capacity": 50,
        "starts_at": "2030-01-10T19:00:00+08:00", "ends_at": "2030-01-10T21:00:00+08:00",
        "enroll_from": "2020-01-01T00:00:00+08:00", "enroll_until": "2030-01-09T00:00:00+08:00",
        "form": [{"id": "name", "kind": "text", "label": "姓名", "required": true},
                 {"id": "days", "kind": "multiple_choice", "label": "哪几天", "options": ["周六", "周日"], "min": 1, "max": 2}]});
    let (status, created) = app.post("/admin/activities/", Some(&c.admin), activity).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    answers.push(("post", "/admin/activities/", "201", created.clone()));
    let id = created["id"].as_i64().expect("activity id");
    let (status, enrolled) = app.post("/enrollments/", Some(&staff), json!({"activity": id, "answers": {"name": "李四", "days": ["周六"]}})).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    answers.push(("post", "/enrollments/", "201", enrolled));
    answers.push(("get", "/activities/{id}/", "200", app.get(&format!("/activities/{id}/"), Some(&staff)).await.1));
    answers.push(("get", "/activities/", "200", app.get("/activities/?my=yes", Some(&staff)).await.1));
    let item = json!({"label": "签到", "start": "2030-01-10T18:30:00+08:00", "end": "2030-01-10T19:30:00+08:00"});
    let (status, item) = app.post(&format!("/admin/activities/{id}/clockin-items/"), Some(&c.admin), item).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    answers.push(("post", "/admin/activities/{id}/clockin-items/", "201", item));
    let records = app.get(&format!("/admin/activities/{id}/enrollments/?filter=%E6%9C%AA%E7%AD%BE%E5%88%B0"), Some(&c.admin)).await.1;
    assert_eq!(records["count"], 1, "{records}");
    answers.push(("get", "/admin/activities/{id}/enrollments/", "200", records));
    let (status, refused) = app.post("/patient/appointments", Some(&patient_token), json!({"patientId": p})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    answers.push(("post", "/patient/appointments", "422", refused));
    answers.push(("get", "/patient/appointments/{id}", "404", app.get("/patient/appointments/999999", Some(&patient_token)).await.1));
    let mut wrong = Vec::new();
    for (method, path, status, body) in &answers {
        wrong.extend(mismatches(&doc, answer_schema(&doc, method, path, status), body, &format!("{method} {path} {status}")));
    }
    assert!(wrong.is_empty(), "answers that do not match the document:\n{}", wrong.join("\n"));
    // The checker itself refuses what does not match.
    let user = answer_schema(&doc, "get", "/current-user/", "200");
    assert!(!mismatches(&doc, user, &json!({"id": "1"}), "x").is_empty());
    let mut extra = answers[3].3.clone();
    extra["surprise"] = json!(1);
    assert!(!mismatches(&doc, user, &extra, "x").is_empty());
}

#[tokio::test]
async fn examples_match_their_schemas() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        if let Some(example) = schema.get("example") {
            seen += 1;
            wrong.extend(mismatches(&doc, schema, example, &format!("schema {name}")));
        }
    }
    let mut contents = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let op = &item[method];
            contents.extend(op["requestBody"]["content"].as_object().into_iter().flatten().map(|(_, c)| (format!("{method} {path} body"), c)));
            for (status, answer) in op["responses"].as_object().into_iter().flatten() {
                contents.extend(answer["content"].as_object().into_iter().flatten().map(|(_, c)| (format!("{method} {path} {status}"), c)));
            }
        }
    }
    for (at, content) in contents {
        if let Some(example) = content.get("example") {
            seen += 1;
            wrong.extend(mismatches(&doc, &content["schema"], example, &at));
        }
    }
    assert!(seen > 20, "only {seen} examples");
    assert!(wrong.is_empty(), "examples that do not match their schemas:\n{}", wrong.join("\n"));
}

/// Sends a request and keeps the answer's headers (`TestApp::send` drops them).
async fn send_keeping_headers(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: Value) -> (StatusCode, axum::http::HeaderMap, Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method(method).uri(path).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = app.router.clone().oneshot(req.body(axum::body::Body::from(body.to_string())).expect("request")).await.expect("answer");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.expect("body").to_bytes();
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The header objects a documented answer declares, `$ref`s resolved.
fn declared_headers<'a>(doc: &'a Value, answer: &'a Value) -> Vec<(&'a str, &'a Value)> {
    answer["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, h)| match h.get("$ref").and_then(Value::as_str) {
            Some(r) => (name.as_str(), &doc["components"]["headers"][r.rsplit('/').next().expect("name")]),
            None => (name.as_str(), h),
        })
        .collect()
}

#[tokio::test]
async fn answers_declare_the_headers_they_send() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    // Every 429 declares `Retry-After` as an integer header; every answer that says it sets
    // `Location` declares the header.
    let mut rate_limited = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            for (status, answer) in item[method]["responses"].as_object().into_iter().flatten() {
                let headers = declared_headers(&doc, answer);
                if status == "429" {
                    rate_limited += 1;
                    let retry = headers.iter().find(|(n, _)| *n == "Retry-After").map(|(_, h)| *h);
                    assert!(retry.is_some_and(|h| h["schema"]["type"] == "integer"), "{method} {path} 429 lacks Retry-After: {answer}");
                }
                if answer["description"].as_str().is_some_and(|d| d.contains("`Location`")) {
                    assert!(headers.iter().any(|(n, h)| *n == "Location" && h["schema"]["type"] == "string"), "{method} {path} {status}: {answer}");
                }
            }
        }
    }
    assert!(rate_limited >= 3, "the login routes answer 429: {rate_limited}");

    // Real answers: whatever header of the two an answer carries, its documented answer declares.
    let (admin, room, staff) = support::college::room_and_staff(&app).await;
    let mut seen = Vec::new();
    let reserve = json!({"reserve_from": "2027-03-01T09:00:00+08:00", "reserve_to": "2027-03-01T10:00:00+08:00", "description": "组会", "meetingroom": room});
    seen.push(("post", "/reservations/", send_keeping_headers(&app, Method::POST, "/reservations/", Some(&staff), reserve.clone()).await));
    let worker = app.start_worker().await;
    let later = json!({"reserve_from": "2027-03-01T11:00:00+08:00", "reserve_to": "2027-03-01T12:00:00+08:00", "description": "组会", "meetingroom": room});
    seen.push(("post", "/reservations/", send_keeping_headers(&app, Method::POST, "/reservations/", Some(&staff), later).await));
    worker.stop().await;
    let activity = json!({"title": "迎新晚会", "starts_at": "2030-01-10T19:00:00+08:00", "ends_at": "2030-01-10T21:00:00+08:00",
                          "enroll_from": "2020-01-01T00:00:00+08:00", "enroll_until": "2030-01-09T00:00:00+08:00"});
    let (status, created) = app.post("/admin/activities/", Some(&admin), activity).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let enroll = json!({"activity": created["id"], "answers": {}});
    seen.push(("post", "/enrollments/", send_keeping_headers(&app, Method::POST, "/enrollments/", Some(&staff), enroll).await));
    for _ in 0..4 {
        let wrong = json!({"username": "li", "password": "wrong-password"});
        seen.push(("post", "/auth/get-token/", send_keeping_headers(&app, Method::POST, "/auth/get-token/", None, wrong).await));
    }
    let statuses: BTreeSet<u16> = seen.iter().map(|(_, _, (s, _, _))| s.as_u16()).collect();
    assert!([201, 202, 429].iter().all(|s| statuses.contains(s)), "the answers cover 201, 202 and 429: {statuses:?}");
    for (method, path, (status, headers, body)) in &seen {
        let answer = &doc["paths"][*path][*method]["responses"][status.as_str()];
        let declared: BTreeSet<&str> = declared_headers(&doc, answer).into_iter().map(|(n, _)| n).collect();
        for name in ["Location", "Retry-After"] {
            if headers.contains_key(name) {
                assert!(declared.contains(name), "{method} {path} {status} sends {name} but does not declare it: {answer} ({body})");
            }
        }
    }
}

#[tokio::test]
async fn pages_reference_their_item_schema() {
    let app = TestApp::new(database().await);
    let doc = document(&app).await;
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let pages: Vec<&String> = schemas.keys().filter(|name| name.starts_with("Page_")).collect();
    assert!(pages.len() >= 5, "{pages:?}");
    for page in pages {
        let items = &schemas[page]["properties"]["results"]["items"];
        let target = items["$ref"].as_str().unwrap_or_else(|| panic!("{page} repeats its item inline: {items}"));
        let name = target.strip_prefix("#/components/schemas/").expect("a schema reference");
        assert_eq!(format!("Page_{name}"), *page);
        assert!(schemas.contains_key(name), "{page} references a missing schema {name}");
    }
}

/// The names of the schema types in `dir`'s Rust files (`derive(… ToSchema …)` on a struct or an
/// enum, or its `schema(as = …)` name), with the file of each.
fn schema_names(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            schema_names(&path, out);
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let mut pending: Option<Option<String>> = None;
        for line in text.lines().map(str::trim) {
            if line.starts_with("#[derive(") && line.contains("ToSchema") {
                pending = Some(None);
            } else if let (Some(None), Some(rest)) = (&pending, line.strip_prefix("#[schema(as = ")) {
                pending = Some(Some(rest.split([')', ',']).next().unwrap_or_default().trim().to_owned()));
            } else if let Some(alias) = pending.clone() {
                let decl = line.trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ").trim_start_matches("pub ");
                if let Some(name) = decl.strip_prefix("struct ").or_else(|| decl.strip_prefix("enum ")) {
                    let name = name.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default().to_owned();
                    out.push((alias.unwrap_or(name), path.display().to_string()));
                    pending = None;
                }
            }
        }
    }
}

/// utoipa keeps one schema per name: two types of one name would document one of them wrongly
/// (a meeting's class attendance was once shown as the school's classes).
#[test]
fn schema_names_are_unique() {
    let mut names = Vec::new();
    schema_names(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut names);
    assert!(names.len() > 100, "the scan finds the schema types: {}", names.len());
    let mut seen = std::collections::BTreeMap::new();
    let twice: Vec<String> = names
        .into_iter()
        .filter_map(|(name, file)| seen.insert(name.clone(), file.clone()).map(|other| format!("{name}: {other} and {file}")))
        .collect();
    assert!(twice.is_empty(), "schema names used twice: {twice:#?}");
}
