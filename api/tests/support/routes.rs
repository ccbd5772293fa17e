//! The routes of the source: every `(METHOD, path)` routed in `api/src`, read from the
//! `.route(…)` calls (shared by the authorization matrix and the OpenAPI document's tests).

use std::collections::BTreeSet;

use super::matrix::NAMED_PATHS;

/// The arguments of a call whose opening parenthesis `text` follows: up to the matching `)`.
fn balanced(text: &str) -> &str {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// Every `(METHOD, path)` routed in `api/src`, read from the `.route(…)` calls.
pub fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                for call in text.split(".route(").skip(1) {
                    let args = balanced(call);
                    let (path_arg, handlers) = args.split_once(',').unwrap_or_else(|| panic!("{}: a route without a handler", path.display()));
                    let path_arg = path_arg.trim();
                    let route = match path_arg.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                        Some(literal) => literal.to_owned(),
                        None => NAMED_PATHS.iter().find(|(name, _)| *name == path_arg).map(|(_, p)| (*p).to_owned()).unwrap_or_else(|| {
                            panic!("{}: route path `{path_arg}` is a name: add it to NAMED_PATHS", path.display())
                        }),
                    };
                    for method in ["get", "post", "put", "patch", "delete"] {
                        let called = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                            i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric() && handlers.as_bytes()[i - 1] != b'_'
                        });
                        if called {
                            found.insert((method.to_uppercase(), route.clone()));
                        }
                    }
                }
            }
        }
    }
    found
}
