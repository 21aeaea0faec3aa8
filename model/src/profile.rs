//! Engine profiles: which version of Pinot's engine (or which design alternative, or
//! which deliberately broken mutant) the model runs.
//!
//! A profile is a value chosen at start (DESIGN-NOTES "Profiles"), so one binary can compare
//! engines and print a profile x property matrix. Every behavioural difference is one flag
//! read in exactly one place, citing the commit whose code it models:
//! pre = `a94c00b4ea0`, post = `ca5c042d034` (spec §0).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Mutex;

/// The two Pinot engine versions (spec §0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EngineVersion {
    /// Before PR #18642: three ad-hoc CAS writers (spec §2.2).
    Pre,
    /// After PR #18642: every write through `MaterializedViewPartitionManager` (spec §2.1).
    Post,
}

/// A deliberately broken engine, used only to show that a property catches a real bug
/// (STYLE "Properties": a checker is only as good as the bugs it is shown to catch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mutant {
    /// `appendValid` sets the watermark to its own window end instead of walking VALID
    /// buckets up from the current watermark: out-of-order commits move it backwards.
    WatermarkFromWindowEnd,
    /// `markStale` also creates STALE entries for absent buckets (the "synthesize" step
    /// PM:387-390 deliberately defers).
    MarkStaleSynthesizesAbsent,
    /// Cold start and the APPEND loop skip `floorDiv` alignment (SCH:878, SCH:303).
    UnalignedColdStart,
    /// The register ignores the expected version: every `set` succeeds (a lost CAS).
    BlindRegisterWrites,
    /// The scheduler ignores in-flight OVERWRITE/DELETE tasks (SCH:224's guard removed).
    IgnoreInFlightExclusive,
    /// A register read may return the value before the latest write (a non-linearizable
    /// store): modelled as reads that return the previous version.
    StaleRegisterReads,
    /// The sweep re-marks every in-coverage VALID-empty bucket, whatever its source window
    /// holds (CM:545-548's `segmentCount != 0` test dropped): DELETE and sweep chase each
    /// other forever.
    SweepIgnoresSource,
    /// The CM flush's candidate range excludes the bucket holding its end (CM:638-644's
    /// `k <= end` turned `k < floorDiv(end, b) * b`): a change in a segment's last bucket is
    /// never marked.
    FlushSkipsLastBucket,
    /// The APPEND start ignores the in-flight APPEND end (SCH:247-262's
    /// `max(inFlightEnd, contiguousUpper)` reduced to the contiguous walk): the scheduler
    /// re-dispatches windows it counted as in flight.
    AppendStartIgnoresInFlight,
    /// The post APPEND loop skips only VALID entries of its snapshot (pre:SCH:289's test
    /// instead of SCH:316's "any entry"): a STALE bucket at the loop start gets an APPEND.
    AppendLoopSkipsOnlyValid,
    /// `preProcess` drops the APPEND check `watermarkMs <= windowStartMs` (EX:126-129): a
    /// re-dispatched APPEND for a committed bucket runs on and replaces its MV segments.
    AppendPreProcessIgnoresWatermark,
    /// The executor reports a commit whose mutator threw a precondition error
    /// (`IllegalStateException`) as SUCCEEDED ("someone else already did it") instead of
    /// failing the task (PM:536-592 propagates it; EX:484-530 does not catch it).
    CommitPreconditionErrorIsSuccess,
    /// The executor DELETE drops the window's MV segments after the `clearValid` commit
    /// instead of before it (EX:444-470 then postProcess): VALID-empty is visible while the
    /// old segments are still served.
    DeleteDropsSegmentsAfterCommit,
    /// Gate self-test (a second race behind F1): once a lost ack has happened, `markStale`
    /// takes a CAS conflict (`set` returned false) for its own landed write and stops, so a
    /// mark that lost a race with a concurrent commit is dropped silently (PM:536-592
    /// retries it). Its trigger needs a fault, so the settle cannot produce it and its
    /// shortest counterexample on `ci` is longer than F1's.
    MarkStaleConflictIsSuccess,
    /// Gate self-test (a second race behind F2): the APPEND start ignores an in-flight
    /// APPEND whose window's source changed since its dispatch ("its V4 will fail anyway";
    /// SCH:247-262 takes every in-flight APPEND). A lost-ack commit past V4 then gets a
    /// second APPEND, one event later than F2's re-dispatch.
    AppendStartIgnoresChangedWindow,
    /// The APPEND cutoff compares the exclusive `windowEndMs` with the inclusive
    /// `maxSourceEndMs` (`min(rough, maxEnd)`, dropping SCH:995-1000's `+ 1`): the bucket
    /// the newest segment completes is never materialized (SCH:986-992 warns of exactly
    /// this).
    AppendCutoffDropsPlusOne,
    /// The broker's watermark cache is loaded once and never reloaded on a znode change
    /// (MC:385-437 subscribes a runtime-znode listener that updates the cache on every
    /// change; a listener that is not (re)subscribed leaves the first load forever).
    BrokerCacheLoadsOnce,
    /// `revertValid`'s lenient check tests only that the bucket is present (PM:368's
    /// `existing.getState() != PartitionState.STALE` dropped, "revert to VALID whatever it
    /// is"): a revert whose bucket is already VALID (its own write landed, the ack was lost)
    /// persists the snapshot it read unchanged instead of returning `null` (PM:524-526).
    RevertRewritesValid,
    /// fix-f1 without its crash-safe half (the fix-f1 of session 4): only the executor's V5
    /// re-checks a commit, so an exception or a minion crash between `appendValid` /
    /// `refreshValid` returning and V5 leaves the committed fingerprint unchecked (the
    /// scheduler gets no record of the failed task). Meaningful with fix-f1
    /// (`mutant-failed-commit-not-rechecked+all-fixes`).
    FailedCommitNotRechecked,
    /// The CAS loop's bound is off by one (`attempt <= maxAttempts` for PM:546's
    /// `attempt < maxAttempts`): every operation makes one attempt more than its budget
    /// before it gives up.
    CasRetriesPastBudget,
    /// `appendValid`'s idempotent carve-out dropped (PM:192-198, "already VALID with the
    /// same fingerprint is a no-op", read as dead code beside the strict absent check): a
    /// lost-ack replay finds its own landed write and throws, so the APPEND that committed
    /// reports FAILED.
    AppendValidNoCarveOut,
    /// The DELETE task skips its commit-time backfill guard (EX:424-442's
    /// `shouldAbortDeleteForBackfill` read as redundant beside `clearValid`'s in-CAS source
    /// guard, PM:330-336, which stays): a DELETE whose window was backfilled after dispatch
    /// drops the window's MV segments, and only the guard inside `clearValid` keeps the
    /// bucket STALE.
    DeleteSkipsBackfillGuard,
    /// Harness self-test (the fault driver, not Pinot): a lost ack is applied but not
    /// charged to the `lost_acks` budget (`World::count_fault`), so the budget never runs
    /// out and the run's lost-ack replays excuse strict preconditions the configuration
    /// never paid for. The mutation survivor `world.rs count_fault -> ()` narrowed to one
    /// kind (docs/mutation.md, session 13).
    LostAckUncounted,
}

/// A proposed fix for one finding about `post` (README "Findings about Pinot";
/// docs/findings/Fn.md). Each is one flag, read in exactly one place in engine code, and
/// composes with the others (`--engine post+fix-f1+fix-f3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Fix {
    /// F1 (and F4, its measurement), in two halves. Executor: after `appendValid` /
    /// `refreshValid` commits, the executor re-reads the source window fingerprint (its own
    /// step, "V5") and, if it differs from the committed one, marks the bucket STALE itself
    /// (`markStale(ws)`, the critical CAS). Scheduler (crash-safe): a task that ends with an
    /// error at or after its commit began leaves its config in Helix
    /// ([`crate::World::failed_commits`]); the next cycle re-reads that window's source and,
    /// if it changed, calls `markStaleIfValidWith(ws, fp)`, which marks only an entry still
    /// VALID with the task's fingerprint. Read once in `executor.rs` (`executor_step`).
    /// Java: after EX:515-530; SCH:214 (HEAD 212); a new PM method beside PM:393-436.
    F1,
    /// F2: the scheduler counts in-flight tasks from Helix job states (`countInFlightTasks`,
    /// its own step) *before* READ #2 reads the partition map, instead of after it. A job
    /// that is final at the count has committed (or failed) before the map is read, so the
    /// APPEND loop sees its bucket; a job still running is counted and its windows are
    /// skipped. Read in `scheduler.rs` (`after_watermark`). Java: SCH:199-214 (swap the
    /// `fetchWithVersion` at 201-209 and the `countInFlightTasks` at 214).
    F2,
    /// F3: an exception in the CM's mark (READ #1 error, CM:384-389, or `markStale`
    /// budget exhaustion, CM:398-405) re-queues the drained range for the next debounce
    /// flush instead of dropping it. Read in `consistency_manager.rs` (`consistency_flush`).
    F3,
    /// F5: `markStale`'s attempt budget is `max(key, 128)`: the cluster key
    /// `...runtime.update.max.attempts` may raise it but no longer lowers it below the
    /// compile-time 128 that pre's CM had (pre:CM:105). Read in `manager.rs`
    /// (`Writer::for_mark_stale`). Java: PM:405-435.
    F5,
    /// F6: when no source segment has an end time (`computeMaxSourceEndTimeMs` returns
    /// `Long.MIN_VALUE`), the APPEND cutoff is the watermark (nothing to append) instead of
    /// `now - buffer`. Read in `partition.rs` via `scheduler.rs` (`scheduler_resolve_cutoff`).
    /// Java: SCH:263-286.
    F6,
    /// F8: an APPEND whose query returned no rows replaces the window's MV segments with
    /// none, as OVERWRITE already does (EX:274-285). Read in `executor.rs`
    /// (`executor_swap_segments`).
    F8,
    /// F9: the CM's pending range keeps the hull of its timed changes beside a full
    /// invalidation (CM:222-227 merges `[min, max]` only, so a time-less upload's `[0, MAX]`
    /// swallowed a backfill in the same debounce window); the flush also lists the absent
    /// bucket slots of that timed hull below the watermark, and `markStale` creates them
    /// STALE (the synthesis PM:387-390 defers), so a backfill older than the cold-start
    /// watermark is materialized by OVERWRITE. Read in `consistency_manager.rs`
    /// (`consistency_intake`); the flush synthesizes from the timed hull it keeps, and
    /// `manager.rs` (`mark_stale`) from the mutation the flush chose.
    F9,
    /// F10 (found by `post+fix-f1` on `ci`): after `revertValid` returns, the scheduler
    /// re-reads the source window fingerprint and, if it no longer equals the reverted
    /// fingerprint, marks the bucket STALE again (`markStale(ws)`). Read in `scheduler.rs`
    /// (`after_revert_step`). Java: SCH:393-409.
    F10,
    /// F11 and F13 (zombie OVERWRITE / APPEND): a task Helix timed out still counts as in
    /// flight until its thread has returned (the runner's acknowledgement of the cancel,
    /// Helix `TaskRunner.run` / `TaskStateModel.onBecomeTimedOutFromRunning`), instead of
    /// from the moment its job turns TIMED_OUT (TGU:51-52, 100-116). Read in `executor.rs`
    /// (`in_flight_counts`). Java: SCH:814-843 (`countInFlightTasks`).
    F11,
    /// F12 (the property audit): `preProcess` also rejects an APPEND whose bucket already
    /// has an entry in the runtime it reads (EX:122-129), with `appendValid`'s carve-out: a
    /// bucket already VALID with the task's fingerprint ends the task SUCCEEDED without
    /// re-running the query. Read in `executor.rs` (`executor_pre_process`).
    F12,
    /// F14 (the property audit): an APPEND / OVERWRITE that fails after its segment swap
    /// (V4, the commit, any exception in `postProcess`) reads its bucket's entry and, unless
    /// the entry carries the task's fingerprint (the commit landed), reverts its lineage
    /// entry, as upload and `endReplace` failures already do (EX:328-336): the window serves
    /// its previous segments again. Read in `executor.rs` (`executor_swap_segments`, which
    /// records the window's segments before the swap only under this fix).
    F14,
    /// F15 (found checking fix-f14): `revertValid` takes the
    /// fingerprint the scheduler compared and reverts only an entry that still carries it
    /// (compare-and-revert inside its own CAS mutator, no extra read); a STALE entry with
    /// another fingerprint (re-marked after a commit the scheduler's snapshot missed) is
    /// left for OVERWRITE. Read in `scheduler.rs` (`scheduler_handle_stale`). Java:
    /// SCH:401-403, PM:360-380.
    F15,
    /// F16 (controller failover): the consistency manager's `init` ends with a full
    /// invalidation of every base table that has a dependent MV
    /// (`onBaseTableFullInvalidation`, CM:262-264), so a pending range or a running mark
    /// lost with the previous controller is re-marked. Read in `world.rs`
    /// (`controller_failover`). Java: after CM:168 in `init` (CM:156-171; HEAD 167,
    /// 155-170). With fix-f9 also on, the init first reads the base table's dated segment
    /// span in its own step (`ConsistencyManagerInitSpan`) and queues it beside the
    /// invalidation as fix-f9's timed hull (docs/findings/F16.md "With fix-f9").
    F16,
    /// F17 (the audit's progress property): `refreshValid`, `clearValid` and `revertValid`
    /// walk the watermark over the map they write, like `appendValid` (PM:202-203), so a
    /// bucket that turns VALID at the watermark lets it advance. Read in `manager.rs`
    /// (`mutate`). Java: PM:244-245, 342-343, 377-378 (callers pass `windowEndMs`).
    F17,
    /// F18 (ci-family on post-fixed): before a DELETE drops the window's MV segments, it
    /// clears the fingerprint of the bucket's STALE entry (`clearStaleFingerprint`, a
    /// critical CAS of its own: STALE(fp) -> STALE(EMPTY)), so the entry no longer claims
    /// data the MV is about to lose and the scheduler's false-positive test (SCH:393) cannot
    /// revert it over a re-uploaded, identical source. Read in `executor.rs`
    /// (`executor_delete_segments`). Java: between EX:442 and EX:444; PM: a new op beside
    /// `clearValid` (PM:305-345).
    F18,
    /// F19 (a leadership change without a crash): the table's task-generation lock is
    /// taken, i.e. `controller.task.enableDistributedLocking` defaults to true
    /// (CONF:187-189). The old lead holds the EPHEMERAL lock znode from before its
    /// `generateTasks` to after its job submission (PTM:878-904); the new lead's run cannot
    /// create it and skips the table (PTM:970, 985-990, DistributedTaskLockManager:87-111,
    /// 279-307). Read in `scheduler.rs` (`scheduler_actions`).
    F19,
}

impl Fix {
    /// Every fix, in finding order.
    pub const ALL: [Fix; 16] = [
        Fix::F1,
        Fix::F2,
        Fix::F3,
        Fix::F5,
        Fix::F6,
        Fix::F8,
        Fix::F9,
        Fix::F10,
        Fix::F11,
        Fix::F12,
        Fix::F14,
        Fix::F15,
        Fix::F16,
        Fix::F17,
        Fix::F18,
        Fix::F19,
    ];

    /// The command-line name (`fix-f1`).
    pub fn name(self) -> &'static str {
        match self {
            Fix::F1 => "fix-f1",
            Fix::F2 => "fix-f2",
            Fix::F3 => "fix-f3",
            Fix::F5 => "fix-f5",
            Fix::F6 => "fix-f6",
            Fix::F8 => "fix-f8",
            Fix::F9 => "fix-f9",
            Fix::F10 => "fix-f10",
            Fix::F11 => "fix-f11",
            Fix::F12 => "fix-f12",
            Fix::F14 => "fix-f14",
            Fix::F15 => "fix-f15",
            Fix::F16 => "fix-f16",
            Fix::F17 => "fix-f17",
            Fix::F18 => "fix-f18",
            Fix::F19 => "fix-f19",
        }
    }

    /// The finding it closes (`F1`).
    pub fn finding(self) -> &'static str {
        match self {
            Fix::F1 => "F1",
            Fix::F2 => "F2",
            Fix::F3 => "F3",
            Fix::F5 => "F5",
            Fix::F6 => "F6",
            Fix::F8 => "F8",
            Fix::F9 => "F9",
            Fix::F10 => "F10",
            Fix::F11 => "F11",
            Fix::F12 => "F12",
            Fix::F14 => "F14",
            Fix::F15 => "F15",
            Fix::F16 => "F16",
            Fix::F17 => "F17",
            Fix::F18 => "F18",
            Fix::F19 => "F19",
        }
    }

    /// One line for `mvsim list`.
    pub fn summary(self) -> &'static str {
        match self {
            Fix::F1 => "F1/F4: after appendValid/refreshValid commits, re-read the source (V5) and markStale(ws) if it changed; the scheduler re-checks a task that failed after its commit",
            Fix::F2 => "F2: count in-flight tasks (Helix job states) before reading the partition map (READ #2)",
            Fix::F3 => "F3: an exception in the CM's mark (READ #1 error, budget exhausted) re-queues the range",
            Fix::F5 => "F5: markStale's budget is max(cluster key, 128): the key no longer lowers it",
            Fix::F6 => "F6: no source end time -> APPEND cutoff = watermark, not now - buffer",
            Fix::F8 => "F8: an APPEND with no rows replaces the window's MV segments with none",
            Fix::F9 => "F9: CM marks absent buckets below the watermark STALE (synthesis of PM:387-390), also beside a full invalidation",
            Fix::F10 => "F10: after revertValid, re-read the source and markStale(ws) if it changed",
            Fix::F11 => "F11/F13: a timed-out task counts as in flight until its thread has returned",
            Fix::F12 => "F12: preProcess rejects an APPEND whose bucket has an entry (VALID with its fp: succeed, no re-run)",
            Fix::F14 => "F14: an APPEND/OVERWRITE failing after its segment swap reverts its lineage entry",
            Fix::F15 => "F15: revertValid reverts only an entry that still has the fingerprint the scheduler compared",
            Fix::F16 => "F16: the CM's init ends with a full invalidation, so a failover loses no mark",
            Fix::F17 => "F17: refreshValid/clearValid/revertValid walk the watermark like appendValid",
            Fix::F18 => "F18: a DELETE clears its STALE entry's fingerprint (STALE(EMPTY)) before dropping the MV segments",
            Fix::F19 => "F19: distributed task locking on by default: a new lead's cycle skips the table while the old lead's runs",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }

    fn by_name(name: &str) -> Option<Fix> {
        Fix::ALL.into_iter().find(|fix| fix.name() == name)
    }
}

/// A set of [`Fix`]es.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Fixes(u32);

impl Fixes {
    pub const NONE: Fixes = Fixes(0);

    /// Every fix.
    pub const fn all() -> Fixes {
        Fixes((1 << Fix::ALL.len()) - 1)
    }

    pub fn has(self, fix: Fix) -> bool {
        self.0 & fix.bit() != 0
    }

    pub fn with(self, fix: Fix) -> Fixes {
        Fixes(self.0 | fix.bit())
    }

    pub fn without(self, fix: Fix) -> Fixes {
        Fixes(self.0 & !fix.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The fixes in the set, in finding order.
    pub fn iter(self) -> impl Iterator<Item = Fix> {
        Fix::ALL.into_iter().filter(move |fix| self.has(*fix))
    }
}

/// A complete engine profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Profile {
    /// Stable name used on the command line and in reports.
    pub name: &'static str,
    /// One line for `--help` and the README.
    pub summary: &'static str,
    pub engine: EngineVersion,
    /// Executor DELETE pre-check: abort the DELETE when the source window is non-empty
    /// (post EX:424-442). Layer (a) of spec §5.3.
    pub delete_precheck: bool,
    /// `clearValid`'s supplier re-reads the source inside every CAS attempt and no-ops on a
    /// non-empty window (post PM:323-336). Layer (b) of spec §5.3.
    pub clear_valid_source_guard: bool,
    /// The periodic VALID-empty sweep (post CM:412-581). Layer (c) of spec §5.3.
    pub empty_sweep: bool,
    /// The review's `clearValid` variant: a non-empty source window throws
    /// `IllegalStateException` from the mutator (the DELETE task fails; Helix does not retry
    /// it with `maxAttemptsPerTask = 1`) where post returns null and leaves the bucket STALE
    /// without writing (PM:330-336). Read in `manager.rs` (`clear_valid`).
    pub clear_valid_throws: bool,
    /// A deliberately broken behaviour, if any.
    pub mutant: Option<Mutant>,
    /// The proposed fixes this engine applies (post only).
    pub fixes: Fixes,
}

impl Profile {
    pub fn is_post(&self) -> bool {
        self.engine == EngineVersion::Post
    }

    pub fn is_pre(&self) -> bool {
        self.engine == EngineVersion::Pre
    }

    pub fn has_mutant(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// Does this engine apply `fix`? Each fix is read in exactly one place ([`Fix`]).
    pub fn has_fix(&self, fix: Fix) -> bool {
        self.fixes.has(fix)
    }

    /// Every profile the binary knows, in report order.
    pub fn all() -> &'static [Profile] {
        &PROFILES
    }

    /// Looks a profile up by name. A name is a named profile, optionally followed by
    /// `+fix-fN` (add a fix) or `+no-fix-fN` (remove one) parts: `post+fix-f1+fix-f3`,
    /// `post-fixed+no-fix-f1`. Errors are one line and list the valid names.
    pub fn by_name(name: &str) -> Result<Profile, String> {
        let mut parts = name.split('+');
        let base_name = parts.next().unwrap_or_default();
        let base = PROFILES
            .iter()
            .find(|profile| profile.name == base_name)
            .copied()
            .ok_or_else(|| {
                let names: Vec<&str> = PROFILES.iter().map(|profile| profile.name).collect();
                format!(
                    "unknown engine profile '{base_name}' (expected one of: {}, optionally followed by +fix-fN, +no-fix-fN or +all-fixes parts)",
                    names.join(", ")
                )
            })?;
        let mut fixes = base.fixes;
        let mut changed = false;
        for part in parts {
            // `+all-fixes`: every fix (a mutant on top of post-fixed: the gate self-test).
            if part == "all-fixes" {
                if !base.is_post() {
                    return Err(format!(
                        "engine '{name}': fixes apply to post engines only, not '{base_name}'"
                    ));
                }
                fixes = Fixes::all();
                changed = true;
                continue;
            }
            let (remove, fix_name) = match part.strip_prefix("no-") {
                Some(rest) => (true, rest),
                None => (false, part),
            };
            let fix = Fix::by_name(fix_name).ok_or_else(|| {
                let names: Vec<&str> = Fix::ALL.iter().map(|fix| fix.name()).collect();
                format!(
                    "unknown fix '{part}' in engine '{name}' (expected one of: {}, each optionally prefixed by no-)",
                    names.join(", ")
                )
            })?;
            if !base.is_post() {
                return Err(format!(
                    "engine '{name}': fixes apply to post engines only, not '{base_name}'"
                ));
            }
            if fixes.has(fix) != remove {
                let verb = if remove {
                    "does not have"
                } else {
                    "already has"
                };
                return Err(format!(
                    "engine '{name}': '{base_name}' {verb} {}",
                    fix.name()
                ));
            }
            fixes = if remove {
                fixes.without(fix)
            } else {
                fixes.with(fix)
            };
            changed = true;
        }
        if !changed {
            return Ok(base);
        }
        Ok(Profile {
            name: intern(name),
            summary: "composed engine: a named profile with fixes added or removed",
            fixes,
            ..base
        })
    }

    /// `post` with exactly one fix.
    pub fn post_with(fix: Fix) -> Profile {
        Profile::by_name(&format!("post+{}", fix.name())).expect("post takes every fix")
    }

    /// `post-fixed` without exactly one fix (the leave-one-out engine).
    pub fn post_fixed_without(fix: Fix) -> Profile {
        Profile::by_name(&format!("post-fixed+no-{}", fix.name()))
            .expect("post-fixed has every fix")
    }

    /// The engine profiles that model real code or real design alternatives (no mutants).
    pub fn engines() -> impl Iterator<Item = &'static Profile> {
        PROFILES.iter().filter(|profile| profile.mutant.is_none())
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name)
    }
}

/// Composed profile names live for the whole run: each distinct name is leaked once (a
/// run parses a handful of names).
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = names.iter().find(|known| **known == name) {
        return found;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(leaked);
    leaked
}

const POST: Profile = Profile {
    name: "post",
    summary: "after PR #18642 (ca5c042d034): single CAS owner, capped APPEND cutoff, VALID-empty DELETE, sweep",
    engine: EngineVersion::Post,
    delete_precheck: true,
    clear_valid_source_guard: true,
    empty_sweep: true,
    clear_valid_throws: false,
    mutant: None,
    fixes: Fixes::NONE,
};

const fn post_mutant(name: &'static str, summary: &'static str, mutant: Mutant) -> Profile {
    Profile {
        name,
        summary,
        mutant: Some(mutant),
        ..POST
    }
}

static PROFILES: [Profile; 29] = [
    Profile {
        name: "pre",
        summary: "before PR #18642 (a94c00b4ea0): ad-hoc writers, cutoff now-buffer, DELETE removes the entry",
        engine: EngineVersion::Pre,
        delete_precheck: false,
        clear_valid_source_guard: false,
        empty_sweep: false,
        clear_valid_throws: false,
        mutant: None,
        fixes: Fixes::NONE,
    },
    POST,
    Profile {
        name: "post-fixed",
        summary: "post with every proposed fix (docs/findings): compose others as post+fix-f1+...",
        fixes: Fixes::all(),
        ..POST
    },
    Profile {
        name: "post-no-delete-guards",
        summary: "post without the executor DELETE pre-check and clearValid's source guard (the draft the review flagged)",
        delete_precheck: false,
        clear_valid_source_guard: false,
        ..POST
    },
    Profile {
        name: "post-clear-valid-throws",
        summary: "design alternative: clearValid throws IllegalStateException on a non-empty source (the task fails) instead of a no-op",
        clear_valid_throws: true,
        ..POST
    },
    Profile {
        name: "post-no-sweep",
        summary: "post without the periodic VALID-empty sweep (what layer (c) buys)",
        empty_sweep: false,
        ..POST
    },
    post_mutant(
        "mutant-watermark-from-window-end",
        "broken: appendValid sets the watermark to its window end",
        Mutant::WatermarkFromWindowEnd,
    ),
    post_mutant(
        "mutant-mark-stale-synthesizes",
        "broken: markStale creates STALE entries for absent buckets",
        Mutant::MarkStaleSynthesizesAbsent,
    ),
    post_mutant(
        "mutant-unaligned-cold-start",
        "broken: cold start and the APPEND loop do not floor-align to the bucket",
        Mutant::UnalignedColdStart,
    ),
    post_mutant(
        "mutant-blind-register-writes",
        "broken: the register ignores the expected version",
        Mutant::BlindRegisterWrites,
    ),
    post_mutant(
        "mutant-ignore-in-flight-exclusive",
        "broken: the scheduler dispatches OVERWRITE/DELETE while one is in flight",
        Mutant::IgnoreInFlightExclusive,
    ),
    post_mutant(
        "mutant-stale-register-reads",
        "broken: register reads may return the previous version",
        Mutant::StaleRegisterReads,
    ),
    post_mutant(
        "mutant-sweep-ignores-source",
        "broken: the sweep re-marks VALID-empty buckets whatever the source holds",
        Mutant::SweepIgnoresSource,
    ),
    post_mutant(
        "mutant-flush-skips-last-bucket",
        "broken: the CM flush's candidates exclude the bucket holding the changed range's end",
        Mutant::FlushSkipsLastBucket,
    ),
    post_mutant(
        "mutant-append-start-ignores-in-flight",
        "broken: the APPEND start ignores the in-flight APPEND end",
        Mutant::AppendStartIgnoresInFlight,
    ),
    post_mutant(
        "mutant-append-loop-skips-only-valid",
        "broken: the post APPEND loop skips only VALID snapshot entries (pre's test)",
        Mutant::AppendLoopSkipsOnlyValid,
    ),
    post_mutant(
        "mutant-append-preprocess-ignores-watermark",
        "broken: preProcess lets an APPEND below the watermark run",
        Mutant::AppendPreProcessIgnoresWatermark,
    ),
    post_mutant(
        "mutant-commit-precondition-error-is-success",
        "broken: a commit precondition error is reported as SUCCEEDED",
        Mutant::CommitPreconditionErrorIsSuccess,
    ),
    post_mutant(
        "mutant-delete-drops-segments-after-commit",
        "broken: DELETE drops the MV segments after its clearValid commit",
        Mutant::DeleteDropsSegmentsAfterCommit,
    ),
    post_mutant(
        "mutant-mark-conflict-is-success",
        "broken (gate self-test): after a lost ack, markStale takes a CAS conflict for success and drops the mark",
        Mutant::MarkStaleConflictIsSuccess,
    ),
    post_mutant(
        "mutant-append-start-ignores-changed-window",
        "broken (gate self-test): the APPEND start ignores an in-flight APPEND whose window's source changed",
        Mutant::AppendStartIgnoresChangedWindow,
    ),
    post_mutant(
        "mutant-append-cutoff-drops-plus-one",
        "broken: the APPEND cutoff is min(now - buffer, maxSourceEnd), not maxSourceEnd + 1",
        Mutant::AppendCutoffDropsPlusOne,
    ),
    post_mutant(
        "mutant-broker-cache-loads-once",
        "broken: the broker's watermark cache is never reloaded after its first load",
        Mutant::BrokerCacheLoadsOnce,
    ),
    post_mutant(
        "mutant-revert-rewrites-valid",
        "broken: revertValid rewrites a bucket that is already VALID instead of returning without a write",
        Mutant::RevertRewritesValid,
    ),
    post_mutant(
        "mutant-failed-commit-not-rechecked",
        "broken (with fix-f1): a task failing between its commit and V5 is not re-checked by the scheduler",
        Mutant::FailedCommitNotRechecked,
    ),
    post_mutant(
        "mutant-cas-retries-past-budget",
        "broken: the CAS loop makes one attempt more than its budget (attempt <= maxAttempts)",
        Mutant::CasRetriesPastBudget,
    ),
    post_mutant(
        "mutant-append-valid-no-carve-out",
        "broken: appendValid throws on a bucket already VALID with its fingerprint (a lost-ack replay fails the APPEND that committed)",
        Mutant::AppendValidNoCarveOut,
    ),
    post_mutant(
        "mutant-delete-skips-backfill-guard",
        "broken: the DELETE task skips its backfill guard and drops the MV segments of a backfilled window (clearValid's guard stays)",
        Mutant::DeleteSkipsBackfillGuard,
    ),
    post_mutant(
        "mutant-lost-ack-uncounted",
        "broken (harness self-test): the fault driver applies a lost ack without charging it to the lost_acks budget",
        Mutant::LostAckUncounted,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositions_parse_to_the_fixes_they_name() {
        let composed = Profile::by_name("post+fix-f1+fix-f3").unwrap();
        assert_eq!(composed.name, "post+fix-f1+fix-f3");
        assert!(composed.has_fix(Fix::F1) && composed.has_fix(Fix::F3));
        assert!(!composed.has_fix(Fix::F5));
        assert!(composed.is_post() && composed.mutant.is_none());
        let fixed = Profile::by_name("post-fixed").unwrap();
        assert_eq!(fixed.fixes, Fixes::all());
        for fix in Fix::ALL {
            let left = Profile::post_fixed_without(fix);
            assert!(!left.has_fix(fix));
            assert_eq!(left.fixes.with(fix), Fixes::all());
            assert_eq!(Profile::post_with(fix).fixes, Fixes::NONE.with(fix));
        }
        // A fix on another post variant composes too.
        let no_sweep = Profile::by_name("post-no-sweep+fix-f1").unwrap();
        assert!(!no_sweep.empty_sweep && no_sweep.has_fix(Fix::F1));
        // The same composition twice is the same name (interned once).
        let again = Profile::by_name("post+fix-f1+fix-f3").unwrap();
        assert!(std::ptr::eq(composed.name, again.name));
    }

    #[test]
    fn bad_compositions_are_one_line_errors() {
        for (name, needle) in [
            ("posst+fix-f1", "unknown engine profile 'posst'"),
            ("post+fix-f4", "unknown fix 'fix-f4'"),
            ("post+fix-f1+fix-f1", "already has fix-f1"),
            ("post+no-fix-f1", "does not have fix-f1"),
            ("pre+fix-f1", "post engines only"),
            ("post+", "unknown fix ''"),
        ] {
            let error = Profile::by_name(name).unwrap_err();
            assert!(error.contains(needle), "{name}: {error}");
            assert!(!error.contains('\n'), "{name}: one line: {error}");
        }
    }

    #[test]
    fn the_named_profiles_have_no_fixes_except_post_fixed() {
        for profile in Profile::all() {
            assert_eq!(profile.fixes.is_empty(), profile.name != "post-fixed");
        }
    }
}
