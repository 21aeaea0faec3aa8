//! Shared by the model's property tests: the one proptest policy of the project.

use proptest::test_runner::{Config as ProptestConfig, RngSeed};

/// 256 cases from a fixed seed, no failure-persistence files: the same cases on every run
/// and in CI (a failure prints its minimal input; reproduce it by running the test again).
pub fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x6d7673696d),
        ..ProptestConfig::default()
    }
}
