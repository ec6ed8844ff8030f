//! Loading files typed or exported elsewhere: the practice's patient list and entries from paper forms.
//! This module reads and checks CSV; the store saves what passes, in one transaction.

pub mod csv_file;
pub mod entries;
pub mod headers;
pub mod patients;

/// FNV-1a (64 bit) of a file's bytes, in hex: enough to recognise the same file imported twice.
pub fn fingerprint(bytes: &[u8]) -> String {
    crate::fnv::hex(bytes)
}

/// The fingerprint of a file's text (already without its byte-order mark) with every line end
/// made `\n` and blank lines at the end dropped: a file re-saved with Windows line ends, or copied
/// through a PC that changed them, is recognised as the one imported before.
pub fn content_fingerprint(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    fingerprint(normalised.trim_end_matches('\n').as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_ends_do_not_change_the_content_fingerprint() {
        let unix = super::content_fingerprint("a,b\n1,2\n");
        assert_eq!(super::content_fingerprint("a,b\r\n1,2\r\n"), unix);
        assert_eq!(super::content_fingerprint("a,b\r\n1,2"), unix);
        assert_ne!(super::content_fingerprint("a,b\n1,3\n"), unix);
    }
}
