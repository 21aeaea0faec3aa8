//! One partition-manager operation, run by itself against a given znode: the API that
//! Pinot's own unit tests are restated against (`docs/pinot-tests.md`).
//!
//! `MaterializedViewPartitionManagerTest` drives one manager call against a mocked property
//! store and asserts on the calls it made: how many `get`s, which `set`s with which expected
//! versions, what the store holds afterwards, and whether the call returned or threw.
//! [`apply_operation`] is that: it runs one [`Mutation`] through the same CAS step machine
//! the world uses (`World::cas_read` / `World::cas_write`, PM:541-593), against a register
//! holding `znode` at `version`, with a scripted [`StepEnvironment`] per store call (a fault,
//! or another writer committing first), and reports every call.
//!
//! `markStale` with an empty bucket list returns before any read (PM:405-410): the outcome
//! has no reads and no writes.

use crate::config::Config;
use crate::manager::{CasEnd, CasOp, Mutation, NoOp, Writer};
use crate::partition::RuntimeMetadata;
use crate::register::RegisterFault;
use crate::world::{Entropy, World};

/// What happens around one store call of the operation (a `get` or a `set`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepEnvironment {
    /// The fault the call suffers (`Transient`: a `ZkException`; `LostAck`: the `set`
    /// applied but reported failure).
    pub fault: RegisterFault,
    /// Before this call (if it is a `set`), another writer commits the same content, so the
    /// version moves on (the PMT mocks that "bump the version and return false").
    pub concurrent_write_before: bool,
}

/// One `set(record, expectedVersion)` the operation issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteIssued {
    /// The expected version passed to `set` (-1: create or overwrite any version).
    pub expected_version: i32,
    /// The record written.
    pub update: RuntimeMetadata,
    /// The fault the call suffered.
    pub fault: RegisterFault,
}

/// Everything [`apply_operation`] observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationOutcome {
    /// How the call ended: returned (committed or a no-op), threw a precondition
    /// violation, exhausted its budget, or gave up on a register error.
    pub end: CasEnd,
    /// `get` calls (faulted or not).
    pub reads: u32,
    /// `set` calls, in order.
    pub writes: Vec<WriteIssued>,
    /// The back-off sleep before each retry, in ms (the writer's base; jitter drawn as 0).
    pub back_offs_ms: Vec<i64>,
    /// The znode after the call.
    pub znode_after: Option<RuntimeMetadata>,
    /// Its version after the call (-1 when there is no znode).
    pub version_after: i32,
}

/// Draws 0 for every back-off jitter (`nextInt` of PM:560), so back-offs are their base.
struct ZeroJitter;

impl Entropy for ZeroJitter {
    fn below(&mut self, _bound: u64) -> u64 {
        0
    }
}

/// Runs `mutation` as `writer` against `znode` stored at `version` (`version` is ignored
/// without a znode), under `config` (profile, budgets, `bucket_ms`, the source segments
/// `clearValid` reads, `start_ms` as the clock). Call `i` of the operation (reads and writes
/// counted together) meets `environment[i]`, or no fault when the script is shorter.
pub fn apply_operation(
    config: &Config,
    znode: Option<RuntimeMetadata>,
    version: i32,
    mutation: Mutation,
    writer: Writer,
    environment: &[StepEnvironment],
) -> OperationOutcome {
    let config = Config {
        initial_runtime: znode,
        initial_version: version.max(0),
        ..config.clone()
    };
    let mut world = World::initial(&config);
    if world.register.value.is_some() {
        world.register.version = version;
    }
    let mut outcome = OperationOutcome {
        end: CasEnd::NoOp(NoOp::Lenient),
        reads: 0,
        writes: Vec::new(),
        back_offs_ms: Vec::new(),
        znode_after: None,
        version_after: -1,
    };
    if returns_before_any_read(&mutation) {
        return finish(outcome, &world);
    }
    let mut op = CasOp::new(mutation, writer);
    for step in 0.. {
        assert!(
            step < 100_000,
            "a CAS operation ends within its attempt budget"
        );
        let here = environment.get(step).copied().unwrap_or_default();
        let end = if op.wants_read() {
            outcome.reads += 1;
            world.cas_read(&config, &mut op, here.fault, &mut ZeroJitter)
        } else {
            if here.concurrent_write_before {
                concurrent_write(&mut world);
            }
            let pending = op.pending.clone().expect("a CAS write follows a read");
            outcome.writes.push(WriteIssued {
                expected_version: pending.expected_version,
                update: pending.update,
                fault: here.fault,
            });
            world.cas_write(&config, &mut op, here.fault, &mut ZeroJitter)
        };
        if let Some(end) = end {
            outcome.end = end;
            break;
        }
        if op.wants_read() {
            // A failed attempt: Java sleeps base + nextInt(jitter) before the next (PM:560).
            outcome.back_offs_ms.push(writer.backoff_ms().0);
            world.now_ms = world.now_ms.max(op.wake_ms);
        }
    }
    finish(outcome, &world)
}

/// `markStale(t, [])` returns before `applyMutation` (PM:408-410).
pub fn returns_before_any_read(mutation: &Mutation) -> bool {
    matches!(mutation, Mutation::MarkStale { buckets } if buckets.is_empty())
}

fn finish(mut outcome: OperationOutcome, world: &World) -> OperationOutcome {
    let (value, version) = world.register.read(false);
    outcome.znode_after = value.cloned();
    outcome.version_after = version;
    outcome
}

/// Another writer commits the current content at any version (version + 1).
fn concurrent_write(world: &mut World) {
    if let Some(value) = world.register.value.clone() {
        world
            .register
            .set(value, -1, RegisterFault::None, false, false)
            .expect("an any-version set succeeds");
    }
}
