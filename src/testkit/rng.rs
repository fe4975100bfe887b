//! [`SplitMix64`]: the small seeded generator of the stress cases and the examples.
//!
//! `examples/pipeline.rs` includes this file by path, so that the main example runs without the
//! `testkit` feature and the crate still has one generator. It names nothing of the crate.

/// SplitMix64 (Steele, Lea and Flood, 2014): a seeded, deterministic generator of 64-bit
/// numbers, good enough to drive tests and simulations, not for anything secret.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high` (`low` when `high < low`).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        match high.checked_sub(low).and_then(|span| span.checked_add(1)) {
            Some(count) => low + self.next_u64() % count,
            None if high < low => low,
            None => self.next_u64(),
        }
    }

    /// True with probability `p` (never for `p <= 0`, always for `p >= 1`).
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// One of `choices`, each as likely as its weight; `None` when there is none, every weight
    /// is zero, or the weights add up to more than `u64::MAX`.
    pub fn weighted<T: Copy>(&mut self, choices: &[(T, u64)]) -> Option<T> {
        let total = choices
            .iter()
            .try_fold(0u64, |sum, (_, w)| sum.checked_add(*w))?;
        if total == 0 {
            return None;
        }
        let mut n = self.next_u64() % total;
        for (choice, weight) in choices {
            if n < *weight {
                return Some(*choice);
            }
            n -= weight;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn the_sequence_is_splitmix64s() {
        // The reference implementation's first outputs for seed 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn bounds_and_empty_tables_never_panic() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!((3..=9).contains(&rng.between(3, 9)));
        }
        assert_eq!(rng.between(5, 1), 5);
        let _any = rng.between(0, u64::MAX);
        assert!(!rng.chance(0.0));
        assert!(rng.chance(1.0));
        assert_eq!(rng.weighted::<u8>(&[]), None);
        assert_eq!(rng.weighted(&[('a', 0), ('b', 0)]), None);
        assert_eq!(rng.weighted(&[('a', 0), ('b', 1)]), Some('b'));
        assert_eq!(rng.weighted(&[('a', u64::MAX), ('b', 1)]), None);
    }
}
