//! FNV-1a (64 bit), written out rather than using `std`'s hasher, whose output may change between
//! Rust releases: what it gives is stored (an imported file's fingerprint, an export's digest) and
//! compared by later versions of cutover.

/// A running FNV-1a hash.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

/// The hash of `bytes`, in hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut hash = Fnv1a::default();
    hash.write(bytes);
    format!("{:016x}", hash.finish())
}

#[cfg(test)]
mod tests {
    #[test]
    fn it_is_fnv1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(super::hex(b""), "cbf29ce484222325");
        assert_eq!(super::hex(b"a"), "af63dc4c8601ec8c");
        assert_eq!(super::hex(b"foobar"), "85944171f73967e8");
    }
}
