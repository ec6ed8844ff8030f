//! Loading files typed or exported elsewhere: the practice's patient list and entries from paper forms.
//! This module reads and checks CSV; the store saves what passes, in one transaction.

pub mod csv_file;
pub mod entries;
pub mod headers;
pub mod patients;

/// FNV-1a (64 bit) of a file's bytes, in hex: enough to recognise the same file imported twice.
/// Written out rather than using `std`'s hasher, whose output may change between Rust releases.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprint_is_fnv1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(super::fingerprint(b""), "cbf29ce484222325");
        assert_eq!(super::fingerprint(b"a"), "af63dc4c8601ec8c");
    }
}
