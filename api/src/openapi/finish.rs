//! What every operation shares, added once to the generated document instead of to each
//! annotation: the two auth schemes, the error envelope's common answers (401 where a token is
//! needed, 403 where roles are, 422 where there is input, 5XX everywhere), the `Retry-After`
//! header of every 429, page schemas that reference their item schema, and alias paths (one
//! handler routed at two paths).

use serde_json::{json, Map, Value};
use utoipa::openapi::path::{Operation, PathItem};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

pub(super) fn finish(doc: &mut Value) {
    let components = doc.as_object_mut().map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(Value::Object(components)) = components {
        components.insert("securitySchemes".into(), security_schemes());
        let responses = components.entry("responses").or_insert_with(|| json!({}));
        if let Value::Object(responses) = responses {
            responses.extend(common_responses());
        }
        let headers = components.entry("headers").or_insert_with(|| json!({}));
        if let Value::Object(headers) = headers {
            headers.insert(RETRY_AFTER.into(), retry_after());
        }
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            reference_page_items(schemas);
        }
    }
    let Some(Value::Object(paths)) = doc.get_mut("paths") else { return };
    let slashed: Vec<String> = paths.keys().filter(|p| p.ends_with('/')).cloned().collect();
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(Value::Object(op)) = item.get_mut(method) {
                add_error_responses(op);
                add_retry_after(op);
                // Unique by construction (handler names repeat across modules): `get_admin_users_id`;
                // a path also served without its trailing slash: `get_guides_id_no_slash`.
                let mut id = operation_id(method, path);
                if slashed.contains(&format!("{path}/")) {
                    id.push_str("_no_slash");
                }
                op.insert("operationId".into(), Value::String(id));
            }
        }
    }
}

fn operation_id(method: &str, path: &str) -> String {
    let slug: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let words: Vec<&str> = slug.split('_').filter(|w| !w.is_empty()).collect();
    format!("{method}_{}", words.join("_"))
}

fn security_schemes() -> Value {
    json!({
        "token": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Token <token>`: seed 002's Django REST framework style. The header's value is the word `Token`, a space and the token of `POST /auth/get-token/` (or `POST /auth/wechat-code2token/`)."
        },
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <token>`: the same token as `Token <token>`."
        }
    })
}

fn error_response(description: &str, example: Value) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}, "example": example}}
    })
}

fn common_responses() -> Map<String, Value> {
    let mut responses = Map::new();
    let envelope = |code: &str, message: &str| json!({"error": {"code": code, "message": message}});
    responses.insert(
        "Unauthorized".into(),
        error_response(
            "No valid token (`not_authenticated`, `invalid_token`, `token_expired`, `token_revoked`, `account_disabled`); the answer carries `WWW-Authenticate: Bearer, Token`",
            envelope("not_authenticated", "authentication credentials were not provided"),
        ),
    );
    responses.insert("Forbidden".into(), error_response("The signed-in user has none of the roles the operation needs (`forbidden`)", envelope("forbidden", "this action needs one of the roles: admin")));
    responses.insert(
        "ValidationFailed".into(),
        error_response(
            "The input was refused: `validation_failed` with a message per field (named as the client sent it), or `invalid_json`/`invalid_query`/`invalid_path` when it could not be read",
            json!({"error": {"code": "validation_failed", "message": "request validation failed", "fields": {"scheduleId": "is required"}}}),
        ),
    );
    responses.insert(
        "ServerError".into(),
        error_response("`internal_error` (opaque: the cause is logged, never sent) or `unavailable` (503: a backing store is unreachable; try again)", envelope("internal_error", "internal server error")),
    );
    responses
}

/// Adds the common error answers an operation does not state itself.
fn add_error_responses(op: &mut Map<String, Value>) {
    let requirements: Vec<&Map<String, Value>> =
        op.get("security").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_object).collect()).unwrap_or_default();
    let needs_token = !requirements.is_empty() && requirements.iter().all(|r| !r.is_empty());
    let needs_role = requirements.iter().any(|r| r.values().any(|scopes| scopes.as_array().is_some_and(|s| !s.is_empty())));
    let has_input = op.contains_key("requestBody") || op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty());
    let Some(Value::Object(responses)) = op.get_mut("responses") else { return };
    let mut add = |status: &str, name: &str, when: bool| {
        if when && !responses.contains_key(status) {
            responses.insert(status.into(), json!({"$ref": format!("#/components/responses/{name}")}));
        }
    };
    add("401", "Unauthorized", needs_token);
    add("403", "Forbidden", needs_role);
    add("422", "ValidationFailed", has_input);
    add("5XX", "ServerError", true);
}

/// The name of the `Retry-After` header object under `components.headers`.
const RETRY_AFTER: &str = "RetryAfter";

fn retry_after() -> Value {
    json!({
        "description": "Seconds to wait before trying again (`rate_limited`)",
        "required": true,
        "schema": {"type": "integer", "minimum": 1},
        "example": 30
    })
}

/// Every 429 answer carries `Retry-After` (`ApiError::too_many_requests` always sets it).
fn add_retry_after(op: &mut Map<String, Value>) {
    let Some(Value::Object(answer)) = op.get_mut("responses").and_then(|r| r.get_mut("429")) else { return };
    let headers = answer.entry("headers").or_insert_with(|| json!({}));
    if let Value::Object(headers) = headers {
        headers.insert("Retry-After".into(), json!({"$ref": format!("#/components/headers/{RETRY_AFTER}")}));
    }
}

/// A page schema utoipa composes from a generic (`Page_ScheduleView`: `Page<ScheduleView>`)
/// repeats its item's whole schema under `results`; this makes it a `$ref` to the item's own
/// schema (added to the components when no operation named it elsewhere).
fn reference_page_items(schemas: &mut Map<String, Value>) {
    let pages: Vec<(String, String)> =
        schemas.keys().filter_map(|name| name.strip_prefix("Page_").map(|item| (name.clone(), item.to_owned()))).collect();
    for (page, item) in pages {
        let Some(items) = schemas.get_mut(&page).and_then(|p| p.pointer_mut("/properties/results/items")) else { continue };
        if items.get("$ref").is_some() {
            continue;
        }
        let inline = std::mem::replace(items, json!({"$ref": format!("#/components/schemas/{item}")}));
        schemas.entry(item).or_insert(inline);
    }
}

fn operation<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Option<Operation>> {
    Some(match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "patch" => &mut item.patch,
        _ => return None,
    })
}

/// A domain's modifier helper: documents the operation at `(method, path)` (lowercase method)
/// again at `(alias_method, alias_path)` (a handler routed twice), with its own operation id.
pub fn alias(doc: &mut utoipa::openapi::OpenApi, (method, path): (&str, &str), (alias_method, alias_path): (&str, &str)) {
    let found = doc.paths.paths.get_mut(path).and_then(|item| operation(item, method)).and_then(|op| op.clone());
    let Some(mut op) = found else {
        tracing::error!(path, method, "an OpenAPI alias names an undocumented operation");
        return;
    };
    let mut description = op.description.take().unwrap_or_default();
    description.push_str(&format!("\n\nThe same operation as `{} {path}`.", method.to_uppercase()));
    op.description = Some(description.trim().to_owned());
    let item = doc.paths.paths.entry(alias_path.to_owned()).or_default();
    if let Some(slot) = operation(item, alias_method) {
        *slot = Some(op);
    }
}
