//! `mvsim-model`: a pure, deterministic model of the partition-state engine of Apache
//! Pinot's materialized views, before (`pre`, `a94c00b4ea0`) and after (`post`,
//! `ca5c042d034`) PR #18642 "Harden partition-state engine".
//!
//! Pinot keeps, per MV, one ZooKeeper znode: a watermark and a map of time buckets, each
//! VALID or STALE with a FarmHash fingerprint of the source segments in its window. The
//! scheduler, the minion executor, the consistency manager and the source table change it
//! concurrently through versioned compare-and-set; the broker reads the watermark to decide
//! what to serve from the MV. This crate models all of them as actors over a versioned
//! register ([`world::World`], [`world::Action`]) and states the engine's invariants
//! ([`properties`]). It has no I/O, no clock and no randomness: drivers (the exhaustive
//! checker and the seeded simulator in `mvsim-sim`) supply every choice.

pub mod broker;
pub mod codec;
pub mod config;
pub mod consistency_manager;
pub mod executor;
pub mod fingerprint;
pub mod jackson;
pub mod manager;
#[cfg(test)]
mod manager_tests;
pub mod operation;
pub mod panics;
pub mod partition;
pub mod profile;
pub mod properties;
pub mod quiescence;
pub mod register;
pub mod scheduler;
pub mod segment_source;
pub mod shared;
pub mod signature;
pub mod world;
pub mod znrecord;

pub use config::{Config, FaultBudget, SourceEvent, Timing};
pub use partition::{
    PartitionFingerprint, PartitionInfo, PartitionState, RuntimeMetadata, SourceSegment,
};
pub use profile::{EngineVersion, Fix, Fixes, Mutant, Profile};
pub use register::RegisterFault;
pub use world::{Action, Actor, Entropy, NoEntropy, TaskRef, World};
