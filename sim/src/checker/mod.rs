//! The exhaustive checker: the model as a stateright [`Model`], the `check`, `explore` and
//! `bench` commands, and their report.
//!
//! Every property of `mvsim_model::properties::registry()` becomes a stateright property:
//! `Always` and `Quiescent` as `always` (a quiescent property holds trivially until the
//! scripted source events are used up, then it is judged on the fixpoint that
//! `quiescence::settle` reaches from the state), `Sometimes` as `sometimes`.

pub mod config_file;
pub mod family;
mod family_run;
pub mod findings;
pub mod fixes;
pub mod gate;
pub mod presets;
pub mod report;

use mvsim_model::properties::{self, Check, Expectation};
use mvsim_model::quiescence::{self, Settled};
use mvsim_model::signature::Witness;
use mvsim_model::{Action, Config, NoEntropy, Profile, World};
use rustc_hash::FxHashMap;
use stateright::{Model, Property};
use std::cell::{Cell, OnceCell, RefCell};
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use family_run::{check_member, merge, run_family, FamilySummary, MemberResult};
pub use report::{run_bench, run_check, run_explore, run_list, BenchArgs, CheckArgs, ExploreArgs};

/// The model as the checker sees it: a configuration and the settle configuration.
pub struct MvModel {
    pub config: Config,
    pub settle_config: Config,
    /// Salts the settle memo's keys (see [`MvModel::settled`]).
    settle_salt: u64,
    /// Per property: a discovery has been made. stateright 0.31 keeps evaluating a
    /// discovered `always`/`sometimes` property and overwrites its discovery with every later
    /// hit (bfs.rs:245-275), which turns BFS's shortest counterexample into the last one
    /// found; answering "no news" after the first hit keeps the first (shortest) one and
    /// skips needless evaluation.
    discovered: Vec<AtomicBool>,
    /// Hand stateright the `sometimes` properties as one (see [`reachability`]). True
    /// except for the Explorer, which lists every property by name. While true, a
    /// `finish_when` that names a `sometimes` property never fires (stateright never sees
    /// it discovered): read [`MvModel::reached`] instead.
    pub sometimes_as_one: bool,
    /// The CI gate (a baseline and the signature tracker); `None` checks no gate.
    pub gate: Option<gate::Gate>,
    /// Set to stop a running check (a bound, a timeout, SIGINT): [`reachability`] then
    /// fails, and a checker built with `finish_when(HasDiscoveries::AnyOf({REACHABILITY}))`
    /// stops after its current block of states. stateright 0.31 has no other cancellation.
    pub stop: AtomicBool,
    /// States whose properties were evaluated (popped from the search queue), counted by
    /// [`reachability`]. Equal to the unique state count after the search stopped if and
    /// only if no generated state was left unchecked, i.e. the search completed.
    pub visited: AtomicUsize,
    /// Per registry property: disabled by the configuration file (never judged).
    disabled: Vec<bool>,
    /// Hand stateright only [`reachability`] and the gate, not one property per registry
    /// entry: a family member's verdicts are the gate's signatures (every witness of every
    /// violated property, [`gate::Gate::seen`]), so the per-property discoveries would only
    /// evaluate every property a second time. Needs a gate.
    pub signatures_only: bool,
    /// Stop once this many states had their properties evaluated (0: no bound); the
    /// family's per-member bound counts unique states, not generated ones (stateright's
    /// `target_state_count` counts every revisit: a member of 260,000 unique states
    /// generates 1,200,000).
    pub max_visited: usize,
}

impl MvModel {
    pub fn new(config: Config) -> MvModel {
        let settle_config = quiescence::settle_config(&config);
        // The full configuration too: a memo entry also caches the quiescent properties'
        // verdicts and witnesses, which read `config` (the settle itself reads only
        // `settle_config`).
        let mut hasher = rustc_hash::FxHasher::default();
        format!("{settle_config:?}").hash(&mut hasher);
        format!("{config:?}").hash(&mut hasher);
        MvModel {
            config,
            settle_config,
            settle_salt: hasher.finish(),
            discovered: properties::registry()
                .iter()
                .map(|_| AtomicBool::new(false))
                .collect(),
            sometimes_as_one: true,
            gate: None,
            stop: AtomicBool::new(false),
            visited: AtomicUsize::new(0),
            disabled: properties::registry().iter().map(|_| false).collect(),
            signatures_only: false,
            max_visited: 0,
        }
    }

    /// The model of a loaded configuration file, with its disabled properties.
    pub fn from_file(loaded: config_file::CheckerConfig) -> MvModel {
        let mut model = MvModel::new(loaded.config);
        for (index, property) in properties::registry().iter().enumerate() {
            model.disabled[index] = loaded.disabled.contains(&property.name);
        }
        model
    }

    /// Is registry property `index` disabled by the configuration?
    pub fn is_disabled(&self, index: usize) -> bool {
        self.disabled[index]
    }

    /// The names of the disabled properties.
    pub fn disabled_names(&self) -> Vec<&'static str> {
        properties::registry()
            .iter()
            .enumerate()
            .filter(|(index, _)| self.disabled[*index])
            .map(|(_, property)| property.name)
            .collect()
    }

    /// The same model with another configuration (same disabled properties).
    pub fn with_config(&self, config: Config) -> MvModel {
        let mut model = MvModel::new(config);
        model.disabled = self.disabled.clone();
        model
    }

    /// Has registry property `index`, a `sometimes` one, been reached by a checker run of
    /// this model with [`MvModel::sometimes_as_one`]?
    pub fn reached(&self, index: usize) -> bool {
        properties::registry()[index].expectation == Expectation::Sometimes
            && self.discovered[index].load(Ordering::Relaxed)
    }

    /// Settles `world`, memoised per thread by the hash of its engine state (salted with
    /// this model's settle configuration, so two models checked on one thread never share
    /// a result): the last state (the quiescent properties are evaluated one after the
    /// other on the same state) and every world on a settle's path (the schedule is
    /// memoryless, so they share the fixpoint, and the checker visits them later as states
    /// of their own; not after a settle that ran out of budget). A 64-bit hash collision
    /// could in principle alias two worlds.
    pub fn settled(&self, world: &World) -> Rc<Judged> {
        self.settled_unless(world, &|| false)
            .expect("a settle that is never stopped finishes")
    }

    /// [`MvModel::settled`], abandoned (`None`, nothing memoised) as soon as `stop()`
    /// holds at a step of the settle: a settle can take [`quiescence::STEPS_MAX`] steps,
    /// which on an engine edit that never settles is long enough that a `--timeout`, a
    /// memory bound or Ctrl-C checked only between states would not stop the check.
    pub fn settled_unless(&self, world: &World, stop: &dyn Fn() -> bool) -> Option<Rc<Judged>> {
        let key = self.engine_key(world);
        let known = |key: u64| {
            let last = LAST.with(|last| {
                last.borrow()
                    .as_ref()
                    .filter(|(cached, _)| *cached == key)
                    .map(|(_, settled)| Rc::clone(settled))
            });
            last.or_else(|| PATHS.with(|paths| paths.borrow().get(&key).cloned()))
        };
        let settled = match known(key) {
            Some(settled) => settled,
            None => {
                let mut path = vec![key];
                let mut hit = None;
                let mut first = true;
                let mut stopped = false;
                let fresh = quiescence::settle_until(&self.settle_config, world, &mut |on_path| {
                    if stop() {
                        stopped = true;
                        return true;
                    }
                    if std::mem::take(&mut first) {
                        return false; // `world` itself: looked up above
                    }
                    let path_key = self.engine_key(on_path);
                    hit = PATHS.with(|paths| paths.borrow().get(&path_key).cloned());
                    if hit.is_none() {
                        path.push(path_key);
                    }
                    hit.is_some()
                });
                if stopped {
                    return None;
                }
                let settled = match fresh {
                    Some(settled) => Rc::new(Judged::new(settled)),
                    None => hit.expect("the settle stopped on a memoised world"),
                };
                if !settled.converged {
                    // A settle that ran out of budget visited up to STEPS_MAX worlds, each of
                    // which might still converge with its own full budget: memoise only the
                    // state itself (storing the path made a non-settling mutant exhaust memory).
                    path.truncate(1);
                }
                PATHS.with(|paths| {
                    let mut paths = paths.borrow_mut();
                    // Cleared before its table would double past 2^21 buckets (36 MB): a
                    // cache of a pure function, so a clear costs settles, never a verdict
                    // (docs/perf.md, "Bytes per state"). `clear` keeps the allocation.
                    if paths.len() + path.len() > MEMO_KEYS_MAX {
                        paths.clear();
                    }
                    for path_key in path {
                        paths.insert(path_key, Rc::clone(&settled));
                    }
                });
                settled
            }
        };
        LAST.with(|last| *last.borrow_mut() = Some((key, Rc::clone(&settled))));
        Some(settled)
    }

    /// The memo key of `world`: its engine state's hash, salted with the settle config.
    fn engine_key(&self, world: &World) -> u64 {
        let mut hasher = rustc_hash::FxHasher::default();
        self.settle_salt.hash(&mut hasher);
        hash_engine_state(world, &mut hasher);
        hasher.finish()
    }
}

/// A settle memo entry: the fixpoint, and what the quiescent properties and the gate make
/// of it, each computed at most once however many states share the fixpoint (a pure
/// function of the model's configuration, which salts the memo key, and of the fixpoint;
/// the gate's part is also keyed by the gate).
pub struct Judged {
    pub settled: Settled,
    /// Bit `i`: registry property `i`, a quiescent one, fails at this fixpoint.
    failing: OnceCell<u64>,
    /// The witnesses of the quiescent properties that fail, in registry order.
    witnesses: OnceCell<Vec<Witness>>,
    /// (gate id, the gate fails on these witnesses) once that gate recorded them.
    gate: Cell<Option<(u64, bool)>>,
}

impl Judged {
    fn new(settled: Settled) -> Judged {
        Judged {
            settled,
            failing: OnceCell::new(),
            witnesses: OnceCell::new(),
            gate: Cell::new(None),
        }
    }

    /// Does registry property `index` (a quiescent one) fail at this fixpoint?
    fn fails(&self, config: &Config, index: usize) -> bool {
        let failing = *self.failing.get_or_init(|| {
            let mut failing = 0u64;
            for (index, property) in properties::registry().iter().enumerate() {
                if let Check::Settled(check) = property.check {
                    if !check(config, &self.settled) {
                        failing |= 1 << index;
                    }
                }
            }
            failing
        });
        failing & (1 << index) != 0
    }

    /// What gate `gate` made of these witnesses, if it is the gate that recorded it.
    fn gate_verdict(&self, gate: u64) -> Option<bool> {
        self.gate
            .get()
            .filter(|(cached, _)| *cached == gate)
            .map(|(_, verdict)| verdict)
    }

    fn set_gate_verdict(&self, gate: u64, verdict: bool) {
        self.gate.set(Some((gate, verdict)));
    }

    /// The witnesses of every quiescent property that fails here (as
    /// `mvsim_model::signature::witnesses` lists them for a settled state).
    fn quiescent_witnesses(&self, config: &Config) -> &[Witness] {
        self.witnesses.get_or_init(|| {
            let mut out = Vec::new();
            for (index, property) in properties::registry().iter().enumerate() {
                if property.expectation == Expectation::Quiescent && self.fails(config, index) {
                    out.extend(mvsim_model::signature::witnesses_of(
                        config,
                        property,
                        &self.settled.world,
                    ));
                }
            }
            out
        })
    }
}

impl std::ops::Deref for Judged {
    type Target = Settled;
    fn deref(&self) -> &Settled {
        &self.settled
    }
}

/// The settle memo's key bound: hashbrown's capacity at 2^21 buckets (7/8 of them), so
/// the table never grows past 2^21 x 17 bytes.
const MEMO_KEYS_MAX: usize = (1 << 21) / 8 * 7;

thread_local! {
    static LAST: RefCell<Option<(u64, Rc<Judged>)>> = const { RefCell::new(None) };
    // Lookup only, never iterated: its order cannot reach a result.
    static PATHS: RefCell<FxHashMap<u64, Rc<Judged>>> = RefCell::new(FxHashMap::default());
}

/// Drops this thread's settle memo (a family checks many models on one thread; the memo
/// of one is useless to the next, whose keys are salted differently).
pub fn clear_settle_memo() {
    LAST.with(|last| *last.borrow_mut() = None);
    PATHS.with(|paths| *paths.borrow_mut() = FxHashMap::default());
}

/// The hash of everything a settle round and the quiescent properties read (not the ghost
/// history, the fault counters or the script cursor, which the settle config ignores).
fn hash_engine_state(world: &World, hasher: &mut impl Hasher) {
    world.now_ms.hash(hasher);
    world.register.hash(hasher);
    world.source.hash(hasher);
    world.mv_data.hash(hasher);
    world.scheduler.hash(hasher);
    world.jobs.hash(hasher);
    world.consistency.hash(hasher);
    world.broker.hash(hasher);
    // The signature causes the fixpoint's witnesses read (`mvsim_model::signature`).
    world.ghost.buckets.hash(hasher);
    // Engine state the settle steps and the quiescent properties read, too (session 9:
    // fix-f1's failed-commit record and the old lead's cycle were missing, so two states
    // that differ only there shared one settle result); and a model panic.
    world.failed_commits.hash(hasher);
    world.old_lead.hash(hasher);
    world.source_removing.hash(hasher);
    world.ghost.model_panic.hash(hasher);
}

impl MvModel {
    /// Evaluates registry property `index` on `world`.
    pub fn evaluate(&self, index: usize, world: &World) -> bool {
        let property = &properties::registry()[index];
        if self.disabled[index] {
            // A disabled `always` holds and a disabled `sometimes` is never reached.
            return property.expectation != Expectation::Sometimes;
        }
        match property.check {
            Check::State(check) => check(&self.config, world),
            Check::Settled(_) => {
                if !world.script_done(&self.config) {
                    return true;
                }
                !self.settled(world).fails(&self.config, index)
            }
        }
    }
}

/// What [`judge`] found at the state whose properties stateright is evaluating: every
/// `always` property's verdict and the settle memo entry, computed once for the property
/// functions and the gate that follow it. Set by [`judge`], the first property of the
/// checker's list, and cleared by [`close`], the last: stateright 0.31 evaluates the whole
/// list, in order, for one state before it evaluates any of it for the next one
/// (dfs.rs:241-292, bfs.rs:247-297), so in between it describes the state being judged.
/// Every reader still checks the model and the state's address, and evaluates for itself
/// when they differ (a property function called outside that loop).
pub(super) struct Current {
    model: *const MvModel,
    world: *const World,
    /// Bit `i`: registry property `i`, an `always` one, fails here (disabled or not).
    pub(super) always_failing: u64,
    /// The settle memo entry, when the script is done.
    pub(super) judged: Option<Rc<Judged>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// The first stateright property in checker mode (never fails): fills [`CURRENT`].
fn judge(model: &MvModel, world: &World) -> bool {
    let mut always_failing = 0u64;
    for (index, property) in properties::registry().iter().enumerate() {
        if property.expectation == Expectation::Always
            && !property.holds_on_state(&model.config, world)
        {
            always_failing |= 1 << index;
        }
    }
    // A check being stopped (a bound, the timeout, Ctrl-C) abandons the settle: the state
    // is left unjudged, and `reachability` then fails on it, so it is not counted as
    // visited and the search reports itself incomplete.
    let judged = if world.script_done(&model.config) {
        model.settled_unless(world, &|| model.stop.load(Ordering::Relaxed))
    } else {
        None
    };
    CURRENT.with(|current| {
        *current.borrow_mut() = Some(Current {
            model,
            world,
            always_failing,
            judged,
        })
    });
    true
}

/// The last stateright property in checker mode (never fails): clears [`CURRENT`].
fn close(_: &MvModel, _: &World) -> bool {
    CURRENT.with(|current| current.borrow_mut().take());
    true
}

/// Runs `read` on [`CURRENT`] if it describes `world` of `model`.
pub(super) fn with_current<T>(
    model: &MvModel,
    world: &World,
    read: impl FnOnce(&Current) -> T,
) -> Option<T> {
    CURRENT.with(|current| {
        current
            .borrow()
            .as_ref()
            .filter(|current| {
                std::ptr::eq(current.model, model) && std::ptr::eq(current.world, world)
            })
            .map(read)
    })
}

impl MvModel {
    /// [`MvModel::evaluate`], from [`CURRENT`] when it describes `world`.
    fn evaluate_judged(&self, index: usize, world: &World) -> bool {
        let property = &properties::registry()[index];
        if self.disabled[index] || property.expectation == Expectation::Sometimes {
            return self.evaluate(index, world);
        }
        let known = with_current(self, world, |current| match property.check {
            Check::State(_) => current.always_failing & (1 << index) == 0,
            Check::Settled(_) => current
                .judged
                .as_ref()
                .is_none_or(|judged| !judged.fails(&self.config, index)),
        });
        known.unwrap_or_else(|| self.evaluate(index, world))
    }
}

fn property_fn<const INDEX: usize>(model: &MvModel, world: &World) -> bool {
    let sometimes = properties::registry()[INDEX].expectation == Expectation::Sometimes;
    if model.discovered[INDEX].load(Ordering::Relaxed) {
        return !sometimes;
    }
    let holds = model.evaluate_judged(INDEX, world);
    if holds == sometimes {
        model.discovered[INDEX].store(true, Ordering::Relaxed);
    }
    holds
}

/// Every `sometimes` property as one stateright `always` property that never fails and
/// records in `discovered` each `sometimes` property a visited state satisfies: the same
/// verdicts as one stateright `sometimes` each, minus the witness paths, which mvsim never
/// prints. stateright looks each property up in its discoveries map for every state it
/// visits (a SipHash of the name under a lock, stateright 0.31 dfs.rs:239-245); with 30
/// properties that was the largest single cost of a `ci` run (23% of a DFS profile).
///
/// It also counts visited states ([`MvModel::visited`]) and fails once
/// [`MvModel::stop`] is set, which is how a check is stopped early.
fn reachability(model: &MvModel, world: &World) -> bool {
    let visited = model.visited.fetch_add(1, Ordering::Relaxed) + 1;
    if model.stop.load(Ordering::Relaxed)
        || crate::interrupt::interrupted()
        || (model.max_visited > 0 && visited > model.max_visited)
    {
        // The state that crossed the bound is not counted as visited: the search is then
        // incomplete exactly when some generated state was left unevaluated.
        model.visited.fetch_sub(1, Ordering::Relaxed);
        return false;
    }
    for (index, property) in properties::registry().iter().enumerate() {
        if property.expectation == Expectation::Sometimes
            && !model.discovered[index].load(Ordering::Relaxed)
            && model.evaluate(index, world)
        {
            model.discovered[index].store(true, Ordering::Relaxed);
        }
    }
    true
}

/// The stateright names of [`judge`] and [`close`] (they never fail).
pub const JUDGE: &str = "judge the state (mvsim)";
pub const CLOSE: &str = "done judging the state (mvsim)";

/// The stateright name of [`reachability`].
pub const REACHABILITY: &str = "sometimes properties (tracked by mvsim)";

type PropertyFn = fn(&MvModel, &World) -> bool;

macro_rules! property_table {
    ($($index:literal)*) => {
        [$(property_fn::<$index> as PropertyFn),*]
    };
}

/// One trampoline per registry entry (stateright takes plain `fn` pointers).
const PROPERTY_FNS: [PropertyFn; properties::REGISTRY_LEN] = property_table!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56);

// `Judged` keeps one bit per registry property in a u64.
const _: () = assert!(PROPERTY_FNS.len() <= 64);

impl Model for MvModel {
    type State = World;
    type Action = Action;

    fn init_states(&self) -> Vec<World> {
        vec![World::initial(&self.config)]
    }

    fn actions(&self, state: &World, actions: &mut Vec<Action>) {
        state.actions(&self.config, actions);
    }

    fn next_state(&self, state: &World, action: Action) -> Option<World> {
        // A step that panics gives the state before it, marked, so the trace ends in a
        // real state and `settles` fails there (class `model-panic`).
        Some(state.next(&self.config, &action, &mut NoEntropy))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let registry = properties::registry();
        assert_eq!(
            registry.len(),
            PROPERTY_FNS.len(),
            "PROPERTY_FNS must have one trampoline per registry entry"
        );
        // The judge first and the closer last (see `Current`), in checker mode only: the
        // Explorer lists every property by name.
        let mut listed: Vec<Property<Self>> = Vec::new();
        if self.sometimes_as_one {
            listed.push(Property::always(JUDGE, judge));
        }
        listed.extend(
            registry
                .iter()
                .zip(PROPERTY_FNS)
                .filter(|_| !self.signatures_only)
                .filter_map(|(property, check)| match property.expectation {
                    Expectation::Always | Expectation::Quiescent => {
                        Some(Property::always(property.name, check))
                    }
                    Expectation::Sometimes if self.sometimes_as_one => None,
                    Expectation::Sometimes => Some(Property::sometimes(property.name, check)),
                }),
        );
        if self.sometimes_as_one {
            listed.push(Property::always(REACHABILITY, reachability));
        }
        if self.gate.is_some() {
            listed.push(Property::always(gate::GATE, gate::gate_property));
        }
        if self.sometimes_as_one {
            listed.push(Property::always(CLOSE, close));
        }
        listed
    }
}

/// Builds the model for `--config NAME|PATH` and an engine profile name; prints a warning
/// on stderr for every property the configuration disables.
pub fn model_for(config: &str, engine: &str) -> Result<MvModel, String> {
    let profile = Profile::by_name(engine)?;
    if let Some(member) = family::member_config(config, profile)? {
        return Ok(MvModel::new(member));
    }
    // The fix matrix's finding presets are still compiled (`presets.rs`); `small`, `ci` and
    // `large` come from their files in configs/ (the one source of truth for those).
    if presets::PRESETS[3..].contains(&config) {
        return Ok(MvModel::new(presets::preset(config, profile)?));
    }
    let model = MvModel::from_file(config_file::load(config, profile)?);
    for name in model.disabled_names() {
        eprintln!("mvsim: warning: --config {config} disables property {name}: it is not checked");
    }
    Ok(model)
}

/// Replays a path of action indices from the initial state; each index selects from
/// `World::actions` of the state reached so far. Returns the states and actions taken.
pub fn replay_path(
    model: &MvModel,
    indices: &[usize],
) -> Result<(Vec<World>, Vec<Action>), String> {
    let mut world = World::initial(&model.config);
    let mut states = vec![world.clone()];
    let mut taken = Vec::new();
    let mut actions = Vec::new();
    for (step, index) in indices.iter().enumerate() {
        actions.clear();
        world.actions(&model.config, &mut actions);
        let action = actions.get(*index).cloned().ok_or_else(|| {
            format!(
                "path step {}: action index {} out of range (the state has {} enabled actions)",
                step + 1,
                index,
                actions.len()
            )
        })?;
        world.step(&model.config, &action, &mut NoEntropy);
        states.push(world.clone());
        taken.push(action);
    }
    Ok((states, taken))
}

/// The action-index path of a sequence of actions from the initial state.
pub fn path_indices(model: &MvModel, actions_taken: &[Action]) -> Vec<usize> {
    let mut world = World::initial(&model.config);
    let mut actions = Vec::new();
    let mut indices = Vec::new();
    for action in actions_taken {
        actions.clear();
        world.actions(&model.config, &mut actions);
        let index = actions
            .iter()
            .position(|candidate| candidate == action)
            .expect("a checker path only takes enabled actions");
        indices.push(index);
        world.step(&model.config, action, &mut NoEntropy);
    }
    indices
}

/// Parses `3/0/1` (also accepts an empty string for the initial state).
pub fn parse_path(text: &str) -> Result<Vec<usize>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split('/')
        .map(|part| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("invalid --path '{text}': '{part}' is not an action index (expected e.g. 0/3/1)"))
        })
        .collect()
}
