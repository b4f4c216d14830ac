//! Deterministic random selection: the same seed and rule id always give the same draw, on every
//! machine and every Rust version (no `std` hasher, whose output may change).

/// FNV-1a, 64 bits: a stable hash of a rule or declaration id.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One step of SplitMix64 (Steele, Lea, Flood 2014): a bijective mix whose outputs pass
/// statistical tests even for consecutive inputs.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The draw of one random rule for one declaration, uniform in 0..1 000 000 (parts per
/// million): the rule selects when the draw is below its rate. Mixing the rule id into the seed
/// makes the rules of one declaration independent of one another.
pub fn draw_ppm(seed: u64, rule_id: &str) -> u32 {
    let r = splitmix64(seed ^ stable_hash(rule_id));
    // Scale the 64-bit draw to 0..10^6 by multiplication (rounds down; no modulo bias).
    ((u128::from(r) * 1_000_000) >> 64) as u32
}

/// A seed derived from a declaration id, for a hub that wants the seed to follow from the id;
/// a hub may as well store a seed from its random source. Either way the seed is kept with the
/// declaration so that the channel can be replayed.
pub fn seed_from_id(declaration_id: &str) -> u64 {
    splitmix64(stable_hash(declaration_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_never_change() {
        // FNV-1a test vectors.
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash("foobar"), 0x8594_4171_f739_67e8);
        // SplitMix64 from state 0: the first output of the reference generator.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn draws_are_in_range_and_spread() {
        let mut buckets = [0u32; 10];
        for i in 0..10_000u64 {
            let d = draw_ppm(seed_from_id(&format!("dec_{i}")), "rsk_random");
            assert!(d < 1_000_000);
            buckets[(d / 100_000) as usize] += 1;
        }
        for b in buckets {
            assert!((850..=1150).contains(&b), "{buckets:?}");
        }
    }
}
