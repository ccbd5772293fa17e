//! `multipart/form-data` bodies for upload tests, written by hand as browsers send them
//! (a file's name is raw UTF-8 in `filename="…"`).

/// One part of a form.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    Text(&'a str, &'a str),
    /// Field name, file name (none: a part without `filename`), bytes.
    File(&'a str, Option<&'a str>, &'a [u8]),
}

/// The `Content-Type` (with its boundary) and the body of a form of `parts`.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = format!("yizhan-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}").as_bytes());
            }
            Part::File(name, filename, bytes) => {
                // A quote inside the name is escaped as `\"`, which multer (axum's parser) reads back.
                let filename = filename.map(|f| format!("; filename=\"{}\"", f.replace('"', "\\\""))).unwrap_or_default();
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"{filename}\r\n").as_bytes());
                body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
