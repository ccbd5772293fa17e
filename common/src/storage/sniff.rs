//! What a file is, from its first bytes: never from a name, an extension or a client's
//! `Content-Type`.

/// The kinds of file we keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Pdf,
}

/// Which kinds an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// JPEG, PNG, GIF, WebP (avatars).
    Images,
    /// Images and PDF (uploads through the API).
    Documents,
}

impl FileKind {
    /// Magic bytes → kind; `None` for anything else (including a file too short to tell).
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if head.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else {
            None
        }
    }

    /// The kind, if `accept` allows it.
    pub fn sniff_accepting(head: &[u8], accept: Accept) -> Option<Self> {
        Self::sniff(head).filter(|kind| kind.is_image() || accept == Accept::Documents)
    }

    pub fn is_image(self) -> bool {
        !matches!(self, Self::Pdf)
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
        }
    }
}

/// Bytes needed to tell every kind apart.
pub const SNIFF_LEN: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_name_the_kind() {
        assert_eq!(FileKind::sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"GIF89a\x01\0"), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"GIF87a\x01\0"), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(FileKind::Webp));
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
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
}
