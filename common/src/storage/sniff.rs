//! What a file is, from its bytes: never from a name, an extension or a client's
//! `Content-Type`. Images and PDF are told by their first bytes; Word, Excel and PowerPoint by
//! their container (ZIP for the OOXML formats, OLE compound file for the 97–2003 ones) and what
//! it holds, so only the whole body can tell those. AMR and MP3 voice and MP4 video (what the
//! Official Account takes as temporary material) are told by their first bytes too.

/// The kinds of file we keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Pdf,
    /// Word (OOXML): a ZIP with `[Content_Types].xml` and a `word/` part.
    Docx,
    /// Excel (OOXML): `xl/`.
    Xlsx,
    /// PowerPoint (OOXML): `ppt/`.
    Pptx,
    /// Word 97–2003: an OLE compound file with a `WordDocument` stream.
    Doc,
    /// Excel 97–2003: `Workbook` (or the older `Book`).
    Xls,
    /// PowerPoint 97–2003: `PowerPoint Document`.
    Ppt,
    /// AMR voice (`#!AMR`).
    Amr,
    /// MP3: an ID3 tag or an MPEG audio frame header.
    Mp3,
    /// MP4 (ISO base media): an `ftyp` box first.
    Mp4,
}

/// Which kinds an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// JPEG, PNG, GIF, WebP (avatars).
    Images,
    /// Images, PDF, and AMR/MP3 voice and MP4 video (uploads through the API).
    Documents,
    /// Images, PDF, Word, Excel and PowerPoint, old and new, without macros (service guides).
    Office,
}

const ZIP: &[u8] = b"PK\x03\x04";
const CFB: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

impl FileKind {
    /// The bytes (the whole file, or at least [`SNIFF_LEN`] for the kinds told by their head) →
    /// kind; `None` for anything else, including a file too short to tell and an Office file
    /// that carries macros.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(b"#!AMR") {
            Some(Self::Amr)
        } else if bytes.starts_with(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
            Some(Self::Mp3)
        } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
            Some(Self::Mp4)
        } else if bytes.starts_with(ZIP) {
            ooxml(bytes)
        } else if bytes.starts_with(CFB) {
            compound(bytes)
        } else {
            None
        }
    }

    /// The kind, if `accept` allows it.
    pub fn sniff_accepting(bytes: &[u8], accept: Accept) -> Option<Self> {
        Self::sniff(bytes).filter(|kind| kind.accepted_by(accept))
    }

    /// Whether a body starting with `head` ([`SNIFF_LEN`] bytes) may turn out to be a kind
    /// `accept` allows: lets an upload be refused as soon as its first bytes are in.
    pub fn may_be(head: &[u8], accept: Accept) -> bool {
        Self::sniff_accepting(head, accept).is_some() || (accept == Accept::Office && (head.starts_with(ZIP) || head.starts_with(CFB)))
    }

    fn accepted_by(self, accept: Accept) -> bool {
        match accept {
            Accept::Images => self.is_image(),
            Accept::Documents => self.is_image() || matches!(self, Self::Pdf | Self::Amr | Self::Mp3 | Self::Mp4),
            Accept::Office => true,
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Gif | Self::Webp)
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Self::Doc => "application/msword",
            Self::Xls => "application/vnd.ms-excel",
            Self::Ppt => "application/vnd.ms-powerpoint",
            Self::Amr => "audio/amr",
            Self::Mp3 => "audio/mpeg",
            Self::Mp4 => "video/mp4",
        }
    }

    /// The kind whose [`mime`](Self::mime) this is (a stored file's recorded type).
    pub fn from_mime(mime: &str) -> Option<Self> {
        const ALL: [FileKind; 14] = [
            FileKind::Jpeg,
            FileKind::Png,
            FileKind::Gif,
            FileKind::Webp,
            FileKind::Pdf,
            FileKind::Docx,
            FileKind::Xlsx,
            FileKind::Pptx,
            FileKind::Doc,
            FileKind::Xls,
            FileKind::Ppt,
            FileKind::Amr,
            FileKind::Mp3,
            FileKind::Mp4,
        ];
        ALL.into_iter().find(|k| k.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
            Self::Doc => "doc",
            Self::Xls => "xls",
            Self::Ppt => "ppt",
            Self::Amr => "amr",
            Self::Mp3 => "mp3",
            Self::Mp4 => "mp4",
        }
    }
}

/// Bytes needed to tell the kinds apart by their head (and to see a container's signature).
pub const SNIFF_LEN: usize = 12;

/// An OOXML document: a whole ZIP whose central directory lists `[Content_Types].xml` and the
/// parts of one application. Macro-enabled documents (a `vbaProject.bin` part) are refused.
fn ooxml(bytes: &[u8]) -> Option<FileKind> {
    let names = zip_names(bytes)?;
    let has = |prefix: &[u8]| names.iter().any(|n| n.starts_with(prefix));
    if !names.contains(&&b"[Content_Types].xml"[..]) || names.iter().any(|n| n.ends_with(b"vbaProject.bin")) {
        return None;
    }
    let apps: [(&[u8], FileKind); 3] = [(b"word/", FileKind::Docx), (b"xl/", FileKind::Xlsx), (b"ppt/", FileKind::Pptx)];
    apps.into_iter().find(|&(prefix, _)| has(prefix)).map(|(_, kind)| kind)
}

/// The entry names of a ZIP's central directory; `None` when the bytes are not a whole ZIP.
fn zip_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    // The end record: 22 bytes and a comment of at most 65535, at the very end.
    let from = bytes.len().saturating_sub(22 + 65535);
    let at = from + bytes[from..].windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let end = bytes.get(at..at + 22)?;
    let u16_at = |b: &[u8], i: usize| usize::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let entries = u16_at(end, 10);
    let mut pos = usize::try_from(u32::from_le_bytes([end[16], end[17], end[18], end[19]])).ok()?;
    let mut names = Vec::with_capacity(entries);
    for _ in 0..entries {
        let head = bytes.get(pos..pos.checked_add(46)?)?;
        if &head[..4] != b"PK\x01\x02" {
            return None;
        }
        let (name, extra, comment) = (u16_at(head, 28), u16_at(head, 30), u16_at(head, 32));
        names.push(bytes.get(pos + 46..pos + 46 + name)?);
        pos += 46 + name + extra + comment;
    }
    Some(names)
}

/// A 97–2003 Office document: an OLE compound file, told by the stream names in its directory
/// (UTF-16LE). Files with a VBA project are refused.
fn compound(bytes: &[u8]) -> Option<FileKind> {
    let has = |name: &str| {
        let pattern: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        bytes.windows(pattern.len()).any(|w| w == pattern)
    };
    if has("_VBA_PROJECT") || has("Macros") {
        return None;
    }
    if has("WordDocument") {
        Some(FileKind::Doc)
    } else if has("Workbook") || has("Book") {
        Some(FileKind::Xls)
    } else if has("PowerPoint Document") {
        Some(FileKind::Ppt)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::office;

    #[test]
    fn magic_bytes_name_the_kind() {
        assert_eq!(FileKind::sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"GIF89a\x01\0"), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"GIF87a\x01\0"), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(FileKind::Webp));
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"#!AMR\n\x3c"), Some(FileKind::Amr));
        assert_eq!(FileKind::sniff(b"ID3\x04\0\0\0\0\0\x21"), Some(FileKind::Mp3));
        assert_eq!(FileKind::sniff(b"\xFF\xFB\x90\x64"), Some(FileKind::Mp3));
        assert_eq!(FileKind::sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"), Some(FileKind::Mp4));
        assert_eq!(FileKind::sniff_accepting(b"#!AMR\n", Accept::Documents), Some(FileKind::Amr));
        assert_eq!(FileKind::sniff_accepting(b"#!AMR\n", Accept::Images), None);
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(FileKind::sniff(b""), None);
        assert_eq!(FileKind::sniff(b"<html><body>"), None);
        assert_eq!(FileKind::sniff(b"<svg xmlns="), None);
        assert_eq!(FileKind::sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(FileKind::sniff(b"\x89PNG"), None, "a truncated signature");
        assert_eq!(FileKind::sniff(b"GIF90a"), None);
    }

    #[test]
    fn image_uploads_refuse_pdf() {
        assert_eq!(FileKind::sniff_accepting(b"%PDF-1.4", Accept::Images), None);
        assert_eq!(FileKind::sniff_accepting(b"%PDF-1.4", Accept::Documents), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff_accepting(b"GIF89a", Accept::Images), Some(FileKind::Gif));
    }

    #[test]
    fn ooxml_is_told_by_its_parts() {
        assert_eq!(FileKind::sniff(&office::docx()), Some(FileKind::Docx));
        let xlsx = office::zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]);
        assert_eq!(FileKind::sniff(&xlsx), Some(FileKind::Xlsx));
        let pptx = office::zip(&[("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p/>")]);
        assert_eq!(FileKind::sniff(&pptx), Some(FileKind::Pptx));
        // Only uploads that take Office files take them.
        assert_eq!(FileKind::sniff_accepting(&office::docx(), Accept::Documents), None);
        assert_eq!(FileKind::sniff_accepting(&office::docx(), Accept::Office), Some(FileKind::Docx));
        assert!(FileKind::may_be(&office::docx()[..SNIFF_LEN], Accept::Office));
        assert!(!FileKind::may_be(&office::docx()[..SNIFF_LEN], Accept::Documents));
    }

    #[test]
    fn other_zips_macros_and_broken_zips_are_refused() {
        assert_eq!(FileKind::sniff(&office::zip(&[("readme.txt", b"hi")])), None, "a plain ZIP");
        assert_eq!(FileKind::sniff(&office::zip(&[("word/document.xml", b"<d/>")])), None, "no content types");
        let docm = office::zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<d/>"), ("word/vbaProject.bin", b"\0")]);
        assert_eq!(FileKind::sniff(&docm), None, "macros");
        let docx = office::docx();
        assert_eq!(FileKind::sniff(&docx[..docx.len() - 30]), None, "cut short");
        assert_eq!(FileKind::sniff(b"PK\x03\x04\0\0\0\0\0\0\0\0PK\x05\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), None);
    }

    #[test]
    fn compound_files_are_told_by_their_streams() {
        let cfb = |stream: &str| {
            let mut bytes = CFB.to_vec();
            bytes.resize(512, 0);
            bytes.extend(stream.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
            bytes
        };
        assert_eq!(FileKind::sniff(&cfb("WordDocument")), Some(FileKind::Doc));
        assert_eq!(FileKind::sniff(&cfb("Workbook")), Some(FileKind::Xls));
        assert_eq!(FileKind::sniff(&cfb("PowerPoint Document")), Some(FileKind::Ppt));
        assert_eq!(FileKind::sniff(&cfb("Contents")), None, "another compound file (an installer, a mail)");
        let mut with_macros = cfb("WordDocument");
        with_macros.extend(cfb("_VBA_PROJECT"));
        assert_eq!(FileKind::sniff(&with_macros), None);
    }
}
