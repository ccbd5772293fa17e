//! Office files for tests: a ZIP written by hand (stored entries, as OOXML containers are laid
//! out) and a minimal Word document in it.

/// A ZIP of `entries` (stored, not compressed; CRCs left 0, which no sniffing reads).
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = u32::try_from(out.len()).expect("small zip");
        let (name_len, size) = (u16::try_from(name.len()).expect("name"), u32::try_from(data.len()).expect("size"));
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0\0\0\0\0");
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (count, at, len) = (
        u16::try_from(entries.len()).expect("entries"),
        u32::try_from(out.len()).expect("offset"),
        u32::try_from(central.len()).expect("length"),
    );
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A Word document as far as sniffing can tell: content types and a `word/` part.
pub fn docx() -> Vec<u8> {
    docx_with(b"<w:document/>")
}

/// [`docx`] whose document part is `body` (to make files of a size, or tell two apart).
pub fn docx_with(body: &[u8]) -> Vec<u8> {
    zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", body)])
}
