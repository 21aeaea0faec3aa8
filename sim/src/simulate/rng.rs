//! The simulator's only source of randomness: a ChaCha8 stream per run, integer ratios for
//! probabilities, and the model's [`Entropy`] (the CAS back-off jitter) over that stream.
//!
//! A run's `u64` seed seeds one master ChaCha8 stream; the master draws three 32-byte
//! sub-seeds, one each for the swarm profile, the workload and the run's scheduling (which
//! actor steps, fault draws, delays, jitter). Separate streams keep a CLI override of one
//! drawn parameter from shifting every later draw: parameters are always drawn in full
//! and overrides are applied afterwards.

use mvsim_model::Entropy;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A probability as an integer ratio `numerator / denominator` (never `f64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio {
    /// Favourable cases.
    pub numerator: u32,
    /// All cases (> 0).
    pub denominator: u32,
}

impl Ratio {
    /// Probability zero: the event never happens (and costs no draw).
    pub const NEVER: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };

    /// `numerator / denominator`; a zero denominator is treated as [`Ratio::NEVER`].
    pub const fn new(numerator: u32, denominator: u32) -> Ratio {
        if denominator == 0 {
            Ratio::NEVER
        } else {
            Ratio {
                numerator,
                denominator,
            }
        }
    }

    /// Is the probability zero?
    pub fn is_never(self) -> bool {
        self.numerator == 0 || self.denominator == 0
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_never() {
            formatter.write_str("off")
        } else {
            write!(formatter, "{}/{}", self.numerator, self.denominator)
        }
    }
}

/// A ChaCha8 stream with the few draws the simulator needs, all unbiased and portable.
#[derive(Clone, Debug)]
pub struct SimRng {
    rng: ChaCha8Rng,
}

impl SimRng {
    /// The master stream of a run's seed.
    pub fn from_seed_u64(seed: u64) -> SimRng {
        SimRng {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A sub-stream seeded with 32 bytes drawn from this one.
    pub fn split(&mut self) -> SimRng {
        let mut seed = [0u8; 32];
        self.rng.fill_bytes(&mut seed);
        SimRng {
            rng: ChaCha8Rng::from_seed(seed),
        }
    }

    /// A uniform integer in `[0, bound)` (Lemire's multiply-shift with rejection, so no
    /// modulo bias); `bound >= 1`.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound >= 1, "below() needs a positive bound");
        let mut product = u128::from(self.rng.next_u64()) * u128::from(bound);
        if (product as u64) < bound {
            let threshold = bound.wrapping_neg() % bound;
            while (product as u64) < threshold {
                product = u128::from(self.rng.next_u64()) * u128::from(bound);
            }
        }
        (product >> 64) as u64
    }

    /// A uniform integer in `[low, high]` (inclusive); `low <= high`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        assert!(low <= high, "between() needs low <= high");
        let span = high.abs_diff(low);
        if span == u64::MAX {
            return self.rng.next_u64() as i64;
        }
        low.wrapping_add(self.below(span + 1) as i64)
    }

    /// True with probability `ratio`; no draw for the certain and the impossible.
    pub fn chance(&mut self, ratio: Ratio) -> bool {
        if ratio.is_never() {
            return false;
        }
        if ratio.numerator >= ratio.denominator {
            return true;
        }
        self.below(u64::from(ratio.denominator)) < u64::from(ratio.numerator)
    }

    /// One element of a non-empty slice, uniformly.
    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.below(choices.len() as u64) as usize]
    }

    /// A raw 64-bit draw (segment crcs).
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }
}

/// The CAS back-off jitter of a seeded run: drawn from the run's stream and recorded, so
/// that a replay needs no RNG.
pub struct RecordingEntropy<'a> {
    /// The run stream.
    pub rng: &'a mut SimRng,
    /// Where the draws are recorded.
    pub draws: &'a mut Vec<u64>,
}

impl Entropy for RecordingEntropy<'_> {
    fn below(&mut self, bound: u64) -> u64 {
        let value = self.rng.below(bound.max(1));
        self.draws.push(value);
        value
    }
}

/// The CAS back-off jitter of a replay: the recorded draws in order. A replay of an edited
/// (shrunk) trace may ask for more draws than were recorded (a retry that did not happen in
/// the original): those are 0, and a recorded draw beyond a smaller bound is reduced
/// modulo it. Every value handed out is kept in `used`, so the edited trace can be saved
/// and replayed exactly.
pub struct ReplayEntropy<'a> {
    /// The recorded draws of the step.
    pub recorded: &'a [u64],
    /// The next recorded draw to hand out.
    pub position: usize,
    /// Every value handed out.
    pub used: &'a mut Vec<u64>,
}

impl Entropy for ReplayEntropy<'_> {
    fn below(&mut self, bound: u64) -> u64 {
        let bound = bound.max(1);
        let value = self.recorded.get(self.position).copied().unwrap_or(0) % bound;
        self.position += 1;
        self.used.push(value);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_split_streams_differ() {
        let mut left = SimRng::from_seed_u64(7);
        let mut right = SimRng::from_seed_u64(7);
        let drawn: Vec<u64> = (0..8).map(|_| left.below(1000)).collect();
        let again: Vec<u64> = (0..8).map(|_| right.below(1000)).collect();
        assert_eq!(drawn, again);
        let mut master = SimRng::from_seed_u64(7);
        let mut first = master.split();
        let mut second = master.split();
        assert_ne!(first.next_u64(), second.next_u64());
    }

    #[test]
    fn below_and_between_stay_in_range() {
        let mut rng = SimRng::from_seed_u64(1);
        for bound in [1u64, 2, 3, 7, 150, u64::MAX] {
            for _ in 0..200 {
                assert!(rng.below(bound) < bound);
            }
        }
        for _ in 0..200 {
            let value = rng.between(-5, 5);
            assert!((-5..=5).contains(&value));
        }
        assert_eq!(rng.between(4, 4), 4);
    }

    #[test]
    fn ratios_never_and_always_draw_nothing() {
        let mut rng = SimRng::from_seed_u64(3);
        let mut reference = rng.clone();
        assert!(!rng.chance(Ratio::NEVER));
        assert!(rng.chance(Ratio::new(5, 5)));
        assert_eq!(rng.next_u64(), reference.next_u64());
        assert_eq!(Ratio::new(1, 200).to_string(), "1/200");
        assert_eq!(Ratio::new(3, 0).to_string(), "off");
    }
}
