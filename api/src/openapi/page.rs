//! `GET /docs`: the OpenAPI document as one server-rendered reference page, grouped by tag, each
//! operation with its method, path, auth, parameters, request body and answers, and every schema
//! as a table of fields. No script, no external asset: it works offline.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value};

use super::document;
use crate::error::ApiError;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// A piece of a type's rendering: text, linked to a schema when `link` is set.
pub struct Seg {
    text: String,
    link: Option<String>,
}

struct Field {
    name: String,
    ty: Vec<Seg>,
    required: bool,
    description: String,
}

struct Param {
    name: String,
    location: String,
    required: bool,
    ty: Vec<Seg>,
    description: String,
}

struct Body {
    content_type: String,
    ty: Vec<Seg>,
    description: String,
    example: Option<String>,
}

struct Answer {
    status: String,
    description: String,
    bodies: Vec<Body>,
    /// The answer's headers (`Location`, `Retry-After`): name and description.
    headers: Vec<(String, String)>,
    /// A shared answer (`#/components/responses/…`): its name, described once on the page.
    common: Option<String>,
}

/// A shared answer of `#/components/responses`.
struct Common {
    name: String,
    description: String,
    bodies: Vec<Body>,
}

struct Op {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    description: String,
    auth: String,
    params: Vec<Param>,
    request: Vec<Body>,
    answers: Vec<Answer>,
}

struct Group {
    name: String,
    anchor: String,
    description: String,
    ops: Vec<Op>,
}

struct SchemaDoc {
    name: String,
    description: String,
    /// The type when it is not a plain object (an enum, one of several shapes, a composition).
    ty: Vec<Seg>,
    fields: Vec<Field>,
    example: Option<String>,
}

#[derive(Template)]
#[template(path = "openapi/reference.html")]
struct ReferencePage {
    title: String,
    version: String,
    description: String,
    groups: Vec<Group>,
    schemas: Vec<SchemaDoc>,
    common: Vec<Common>,
    operations: usize,
}

pub async fn show() -> Response {
    match reference(document()).render() {
        Ok(body) => Html(body).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn anchor(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

fn reference(doc: &Value) -> ReferencePage {
    let mut groups: Vec<Group> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Group { name: text(t.get("name")), anchor: format!("tag-{}", anchor(&text(t.get("name")))), description: text(t.get("description")), ops: Vec::new() })
        .collect();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let tag = op["tags"].get(0).and_then(Value::as_str).unwrap_or("other").to_owned();
            let op = operation(doc, method, path, op);
            match groups.iter_mut().find(|g| g.name == tag) {
                Some(group) => group.ops.push(op),
                None => groups.push(Group { anchor: format!("tag-{}", anchor(&tag)), name: tag, description: String::new(), ops: vec![op] }),
            }
        }
    }
    let common = doc["components"]["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, r)| Common { name: name.clone(), description: text(r.get("description")), bodies: bodies(r, false) })
        .collect();
    let schemas = doc["components"]["schemas"].as_object().into_iter().flatten().map(|(name, s)| schema_doc(name, s)).collect();
    ReferencePage {
        title: text(doc["info"].get("title")),
        version: text(doc["info"].get("version")),
        description: text(doc["info"].get("description")),
        groups,
        schemas,
        common,
        operations,
    }
}

fn operation(doc: &Value, method: &str, path: &str, op: &Value) -> Op {
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: text(p.get("name")),
            location: text(p.get("in")),
            required: p["required"].as_bool().unwrap_or(false),
            ty: segs(&p["schema"]),
            description: text(p.get("description")),
        })
        .collect();
    let request = bodies(&op["requestBody"], true);
    let answers = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| match common_name(r) {
            Some(name) => Answer {
                status: status.clone(),
                description: text(doc["components"]["responses"][&name].get("description")),
                bodies: Vec::new(),
                headers: Vec::new(),
                common: Some(name),
            },
            None => Answer { status: status.clone(), description: text(r.get("description")), bodies: bodies(r, false), headers: headers(doc, r), common: None },
        })
        .collect();
    Op {
        method: method.to_owned(),
        path: path.to_owned(),
        anchor: format!("op-{method}-{}", anchor(path)),
        summary: text(op.get("summary")),
        description: text(op.get("description")),
        auth: auth(&op["security"]),
        params,
        request,
        answers,
    }
}

/// An answer's headers by name, with their descriptions (a `$ref` read from `components.headers`).
fn headers(doc: &Value, answer: &Value) -> Vec<(String, String)> {
    answer["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, h)| {
            let h = match h.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/headers/")) {
                Some(shared) => &doc["components"]["headers"][shared],
                None => h,
            };
            (name.clone(), text(h.get("description")))
        })
        .collect()
}

/// The name of a shared answer a `$ref` points to.
fn common_name(v: &Value) -> Option<String> {
    v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/responses/")).map(str::to_owned)
}

/// The contents of a request body or an answer (`described`: with the body's description).
fn bodies(v: &Value, described: bool) -> Vec<Body> {
    let description = if described { text(v.get("description")) } else { String::new() };
    v["content"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(content_type, c)| Body {
            content_type: content_type.clone(),
            ty: segs(&c["schema"]),
            description: description.clone(),
            example: c.get("example").map(pretty),
        })
        .collect()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// Who may call: none, or the schemes with the roles (scopes) they need.
fn auth(security: &Value) -> String {
    let Some(reqs) = security.as_array().filter(|r| !r.is_empty()) else { return "none".into() };
    let optional = reqs.iter().any(|r| r.as_object().is_some_and(Map::is_empty));
    let schemes: Vec<String> = reqs.iter().filter_map(Value::as_object).flat_map(|r| r.keys().cloned()).collect();
    let roles: Vec<String> = reqs
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|r| r.values())
        .flat_map(|s| s.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned))
        .fold(Vec::new(), |mut all, role| {
            if !all.contains(&role) {
                all.push(role);
            }
            all
        });
    let mut out = format!("{} token", schemes.join(" or "));
    out.push_str(&if roles.is_empty() { "; any signed-in user".to_owned() } else { format!("; roles: {}", roles.join(", ")) });
    if optional {
        out = format!("optional ({out})");
    }
    out
}

fn seg(text: impl Into<String>) -> Seg {
    Seg { text: text.into(), link: None }
}

/// A schema as readable text: `UserView` (linked), `array of X`, `string (date-time)`,
/// `"a" | "b"`, `X | null`, `{a: T, b?: U}`.
fn segs(s: &Value) -> Vec<Seg> {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_owned();
        return vec![Seg { link: Some(format!("#schema-{name}")), text: name }];
    }
    for (key, joint) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(parts) = s.get(key).and_then(Value::as_array) {
            return joined(parts.iter().map(segs), joint);
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        return vec![seg(values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" | "))];
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let nullable = types.contains(&"null");
    let mut out = match types.iter().find(|t| **t != "null").copied() {
        Some("array") => {
            let mut v = vec![seg("array of ")];
            v.extend(segs(&s["items"]));
            v
        }
        Some("object") => object_segs(s),
        Some(t) => {
            let format = s.get("format").and_then(Value::as_str).map(|f| format!(" ({f})")).unwrap_or_default();
            vec![seg(format!("{t}{format}"))]
        }
        None if nullable => vec![],
        None => vec![seg("any")],
    };
    if nullable {
        if !out.is_empty() {
            out.push(seg(" | "));
        }
        out.push(seg("null"));
    }
    out
}

fn object_segs(s: &Value) -> Vec<Seg> {
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        let required = required_of(s);
        let mut v = vec![seg("{")];
        for (i, (name, p)) in props.iter().enumerate() {
            let mark = if required.contains(&name.as_str()) { "" } else { "?" };
            v.push(seg(format!("{}{name}{mark}: ", if i > 0 { ", " } else { "" })));
            v.extend(segs(p));
        }
        v.push(seg("}"));
        return v;
    }
    match s.get("additionalProperties") {
        Some(ap) if ap.is_object() => {
            let mut v = vec![seg("map of ")];
            v.extend(segs(ap));
            v
        }
        _ => vec![seg("object")],
    }
}

fn required_of(s: &Value) -> Vec<&str> {
    s["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect()
}

fn joined(parts: impl Iterator<Item = Vec<Seg>>, joint: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.push(seg(joint));
        }
        out.extend(part);
    }
    out
}

fn fields_of(s: &Value) -> Vec<Field> {
    let required = required_of(s);
    s["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, p)| Field { name: name.clone(), ty: segs(p), required: required.contains(&name.as_str()), description: text(p.get("description")) })
        .collect()
}

fn schema_doc(name: &str, s: &Value) -> SchemaDoc {
    let mut fields = fields_of(s);
    let mut ty = Vec::new();
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        // A flattened struct: its own fields, and the schemas whose fields it includes.
        let mut included = Vec::new();
        for part in parts {
            if part.get("$ref").is_some() {
                included.push(segs(part));
            } else {
                fields.extend(fields_of(part));
            }
        }
        if !included.is_empty() {
            ty = vec![seg("the fields of ")];
            ty.extend(joined(included.into_iter(), ", "));
            ty.push(seg(if fields.is_empty() { "" } else { ", and:" }));
        }
    } else if s.get("properties").is_none() {
        ty = segs(s);
    }
    SchemaDoc { name: name.to_owned(), description: text(s.get("description")), ty, fields, example: s.get("example").map(pretty) }
}
