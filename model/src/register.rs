//! A ZooKeeper-like versioned register holding the MV runtime znode (spec §1.2, RMU:55-120).
//!
//! `read` returns the value and its version; `set(value, expected)` succeeds only when the
//! version matches and bumps the version by one; `expected == -1` means "any version" and,
//! on a missing node, creates it (Helix `ZkBaseDataAccessor.doSet`); `create_if_absent` is
//! ZK create; `delete` drops the node. ZooKeeper is linearizable per znode, so every
//! operation is one atomic model step. Faults are chosen by the caller's action and applied
//! here: a transient error leaves the register unchanged, a lost ack applies the write and
//! reports a conflict (the ZK client's `retryUntilConnected` replays the `set`, which then
//! fails on the bumped version; spec §2.3 notes).

use crate::partition::RuntimeMetadata;
use serde::{Deserialize, Serialize};

/// A fault the driver injects into one register operation.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum RegisterFault {
    #[default]
    None,
    /// A transport or session error (`ZkException`): nothing is applied.
    Transient,
    /// The write is applied but the caller sees a version conflict.
    LostAck,
}

/// Why a `set` did not report success.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SetError {
    /// Version mismatch (`set` returned false -> `CasConflictException`, RMU:96-100).
    /// After a lost ack the write *was* applied.
    Conflict { applied: bool },
    /// A transient `ZkException`; nothing applied.
    Transient,
}

/// The versioned register. `version` is ZK `Stat.version`: 0 at creation, +1 per write.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Register {
    pub value: Option<RuntimeMetadata>,
    pub version: i32,
    /// Only the `StaleRegisterReads` mutant keeps this: the value before the last write.
    pub previous: Option<Box<(Option<RuntimeMetadata>, i32)>>,
}

/// What a read returned: the value (None = no znode) and the version (-1 for no znode).
pub type Snapshot<'a> = (Option<&'a RuntimeMetadata>, i32);

impl Register {
    pub fn new(value: Option<RuntimeMetadata>) -> Register {
        Register {
            value,
            version: 0,
            previous: None,
        }
    }

    /// `fetchWithVersion` (RMU:55-63). `stale` (mutant only) returns the previous version.
    pub fn read(&self, stale: bool) -> Snapshot<'_> {
        if stale {
            if let Some(previous) = &self.previous {
                return (previous.0.as_ref(), previous.1);
            }
        }
        match &self.value {
            Some(value) => (Some(value), self.version),
            None => (None, -1),
        }
    }

    /// `propertyStore.set(path, record, expectedVersion)` (RMU:86). `blind` (mutant only)
    /// ignores the expected version. `keep_previous` records the old value for the
    /// stale-read mutant.
    pub fn set(
        &mut self,
        value: RuntimeMetadata,
        expected_version: i32,
        fault: RegisterFault,
        blind: bool,
        keep_previous: bool,
    ) -> Result<(), SetError> {
        if fault == RegisterFault::Transient {
            return Err(SetError::Transient);
        }
        let matches = match &self.value {
            Some(_) => expected_version == -1 || expected_version == self.version || blind,
            None => expected_version == -1 || blind,
        };
        if !matches {
            return Err(SetError::Conflict { applied: false });
        }
        self.apply(Some(value), keep_previous);
        if fault == RegisterFault::LostAck {
            return Err(SetError::Conflict { applied: true });
        }
        Ok(())
    }

    /// `createIfAbsent` (RMU:106-112): false if the znode already exists.
    pub fn create_if_absent(&mut self, value: RuntimeMetadata) -> bool {
        if self.value.is_some() {
            return false;
        }
        self.value = Some(value);
        self.version = 0;
        true
    }

    /// `delete` (RMU:114-120), used by DROP MV. Not reachable from any modelled actor.
    pub fn delete(&mut self) {
        self.value = None;
        self.version = 0;
    }

    fn apply(&mut self, value: Option<RuntimeMetadata>, keep_previous: bool) {
        if keep_previous {
            self.previous = Some(Box::new((self.value.clone(), self.version)));
        }
        let created = self.value.is_none();
        self.value = value;
        self.version = if created { 0 } else { self.version + 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(watermark_ms: i64) -> RuntimeMetadata {
        RuntimeMetadata {
            watermark_ms,
            partitions: Default::default(),
        }
    }

    #[test]
    fn set_with_matching_version_bumps_version() {
        let mut register = Register::new(Some(runtime(0)));
        assert_eq!(register.read(false).1, 0);
        register
            .set(runtime(1), 0, RegisterFault::None, false, false)
            .expect("matching version");
        assert_eq!(register.read(false), (Some(&runtime(1)), 1));
    }

    #[test]
    fn set_with_wrong_version_conflicts_and_changes_nothing() {
        let mut register = Register::new(Some(runtime(0)));
        let result = register.set(runtime(1), 7, RegisterFault::None, false, false);
        assert_eq!(result, Err(SetError::Conflict { applied: false }));
        assert_eq!(register.read(false), (Some(&runtime(0)), 0));
    }

    #[test]
    fn any_version_creates_a_missing_node() {
        let mut register = Register::new(None);
        assert_eq!(register.read(false), (None, -1));
        assert_eq!(
            register.set(runtime(3), 0, RegisterFault::None, false, false),
            Err(SetError::Conflict { applied: false })
        );
        register
            .set(runtime(3), -1, RegisterFault::None, false, false)
            .expect("-1 creates");
        assert_eq!(register.read(false), (Some(&runtime(3)), 0));
    }

    #[test]
    fn transient_fault_applies_nothing_and_lost_ack_applies() {
        let mut register = Register::new(Some(runtime(0)));
        assert_eq!(
            register.set(runtime(1), 0, RegisterFault::Transient, false, false),
            Err(SetError::Transient)
        );
        assert_eq!(register.version, 0);
        assert_eq!(
            register.set(runtime(1), 0, RegisterFault::LostAck, false, false),
            Err(SetError::Conflict { applied: true })
        );
        assert_eq!(register.read(false), (Some(&runtime(1)), 1));
    }

    #[test]
    fn create_if_absent_does_not_clobber() {
        let mut register = Register::new(None);
        assert!(register.create_if_absent(runtime(5)));
        assert!(!register.create_if_absent(runtime(9)));
        assert_eq!(register.read(false), (Some(&runtime(5)), 0));
        register.delete();
        assert_eq!(register.read(false), (None, -1));
    }

    #[test]
    fn blind_mutant_ignores_versions_and_stale_reads_see_the_past() {
        let mut register = Register::new(Some(runtime(0)));
        register
            .set(runtime(1), 42, RegisterFault::None, true, true)
            .expect("blind write succeeds");
        assert_eq!(register.read(true), (Some(&runtime(0)), 0));
        assert_eq!(register.read(false), (Some(&runtime(1)), 1));
    }
}
