//! Sequence diagrams of a trace (`--diagram mermaid`), which GitHub renders.
//!
//! One lane (participant) per actor (clock, source table, scheduler, executor, consistency
//! manager, broker) plus the three things they read and write: the source segments, the MV
//! segments and the runtime znode. Each step that changed anything is one arrow from its
//! actor to what it read or wrote: solid (`->>`) for a write or change, dotted (`-->>`) for a
//! read, a cross (`-x`) for an injected fault. The label is the step number, the step as the
//! shared trace describes it (`crate::trace`), and its effect, one clause a line. Steps with
//! no effect are not drawn: each run of them is one note, so the step numbers stay those of
//! the text trace. Consecutive repetitions of one action (the scheduler's APPEND loop) are
//! one arrow. Only lanes some step uses are declared, in a fixed order.
//!
//! Mermaid's message text ends at `;` and `#`, so clauses are split on `; ` into lines and
//! `#` never appears; every line is capped at [`LINE_MAX`] characters.

use crate::trace::{describe_action, describe_effect};
use mvsim_model::register::RegisterFault;
use mvsim_model::{Action, Actor, Config, World};

/// The longest line of a label, in characters (longer ones end in `...`).
pub const LINE_MAX: usize = 90;
/// At most this many effect lines per arrow; the rest is counted.
pub const EFFECT_LINES_MAX: usize = 4;

/// A lane, in drawing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    Clock,
    SourceTable,
    Source,
    Scheduler,
    Executor,
    Mv,
    ConsistencyManager,
    Znode,
    Broker,
}

impl Lane {
    const ALL: [Lane; 9] = [
        Lane::Clock,
        Lane::SourceTable,
        Lane::Source,
        Lane::Scheduler,
        Lane::Executor,
        Lane::Mv,
        Lane::ConsistencyManager,
        Lane::Znode,
        Lane::Broker,
    ];

    /// Mermaid participant id.
    pub fn id(self) -> &'static str {
        match self {
            Lane::Clock => "clock",
            Lane::SourceTable => "table",
            Lane::Source => "source",
            Lane::Scheduler => "scheduler",
            Lane::Executor => "executor",
            Lane::Mv => "mv",
            Lane::ConsistencyManager => "cm",
            Lane::Znode => "znode",
            Lane::Broker => "broker",
        }
    }

    /// Displayed name.
    pub fn title(self) -> &'static str {
        match self {
            Lane::Clock => "clock",
            Lane::SourceTable => "source table",
            Lane::Source => "source segments",
            Lane::Scheduler => "scheduler",
            Lane::Executor => "executor (minion)",
            Lane::Mv => "MV segments",
            Lane::ConsistencyManager => "consistency manager",
            Lane::Znode => "runtime znode",
            Lane::Broker => "broker",
        }
    }

    fn of_actor(actor: Actor) -> Lane {
        match actor {
            Actor::Clock => Lane::Clock,
            Actor::Source => Lane::SourceTable,
            Actor::Scheduler => Lane::Scheduler,
            Actor::Executor => Lane::Executor,
            Actor::ConsistencyManager => Lane::ConsistencyManager,
            Actor::Broker => Lane::Broker,
        }
    }
}

/// How an arrow is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrow {
    Write,
    Read,
    Fault,
}

impl Arrow {
    fn mermaid(self) -> &'static str {
        match self {
            Arrow::Write => "->>",
            Arrow::Read => "-->>",
            Arrow::Fault => "-x",
        }
    }
}

/// One step of a trace, as the diagram needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub number: usize,
    pub from: Lane,
    pub to: Lane,
    pub arrow: Arrow,
    /// The step as the trace describes it.
    pub action: String,
    /// The trace's effect (`; `-separated clauses; empty: nothing changed).
    pub effect: String,
}

/// The diagram step of `action` taken from `before` to `after`.
pub fn step(
    config: &Config,
    number: usize,
    before: &World,
    action: &Action,
    after: &World,
) -> Step {
    let from = Lane::of_actor(action.actor());
    let (to, arrow) = target(before, action, after);
    let arrow = if action.is_fault() || action.register_fault() != RegisterFault::None {
        Arrow::Fault
    } else {
        arrow
    };
    Step {
        number,
        from,
        to,
        arrow,
        action: describe_action(config, before, action),
        effect: describe_effect(config, before, after),
    }
}

/// What `action` reads or writes, and whether it wrote.
fn target(before: &World, action: &Action, after: &World) -> (Lane, Arrow) {
    use Action::*;
    let submitted = after.jobs.len() > before.jobs.len();
    let znode_written = before.register != after.register;
    match action {
        ClockTick => (Lane::Clock, Arrow::Write),
        SourceUpload { .. }
        | SourceRefresh { .. }
        | SourceDeleteNotify { .. }
        | SourceDeleteRemove { .. } => (Lane::Source, Arrow::Write),
        // A dispatch writes the job into Helix: the executor's lane.
        SchedulerHandleStale | SchedulerBuildAppend if submitted => (Lane::Executor, Arrow::Write),
        // Fingerprint and end-time reads of the source segments (SCH:247-342, 355-416).
        SchedulerHandleStale | SchedulerResolveCutoff | SchedulerBuildAppend => {
            (Lane::Source, Arrow::Read)
        }
        // Helix job states.
        SchedulerCountInFlight => (Lane::Executor, Arrow::Read),
        ExecutorSwapSegments { .. } | ExecutorDeleteSegments { .. }
            if before.mv_data != after.mv_data
                || !crate::trace::replaced_with_equal_data(before, after).is_empty() =>
        {
            (Lane::Mv, Arrow::Write)
        }
        ExecutorRunQuery { .. }
        | ExecutorSwapSegments { .. }
        | ExecutorDeleteSegments { .. }
        | ExecutorValidateCommit { .. }
        | ExecutorRecheckSource { .. }
        | SchedulerRecheckRevert
        | SchedulerRecheckFailedCommit
        | ConsistencyManagerInitSpan => (Lane::Source, Arrow::Read),
        ExecutorFailTask { .. } | HelixTimeoutTask { .. } => (Lane::Executor, Arrow::Fault),
        ControllerFailover => (Lane::ConsistencyManager, Arrow::Fault),
        LeadershipChange => (Lane::Scheduler, Arrow::Fault),
        OldLead(inner) => target(
            &crate::trace::old_lead_view(before),
            inner,
            &crate::trace::old_lead_view(after),
        ),
        SchedulerRevertWrite { .. }
        | ExecutorCasWrite { .. }
        | ConsistencyManagerCasWrite { .. } => (
            Lane::Znode,
            if znode_written {
                Arrow::Write
            } else {
                Arrow::Read
            },
        ),
        SchedulerReadWatermark { .. } if znode_written => (Lane::Znode, Arrow::Write),
        SchedulerReadWatermark { .. }
        | SchedulerReadPartitions { .. }
        | SchedulerRevertRead { .. }
        | ExecutorPreProcess { .. }
        | ExecutorCasRead { .. }
        | ConsistencyManagerFlush { .. }
        | ConsistencyManagerSweep { .. }
        | ConsistencyManagerCasRead { .. }
        | BrokerRefreshCache => (Lane::Znode, Arrow::Read),
    }
}

/// An element of the diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Step(Step),
    /// A note across every declared lane.
    Note(String),
}

/// A diagram being built: steps in order, with notes between them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagram {
    title: String,
    items: Vec<Item>,
}

impl Diagram {
    pub fn new(title: &str) -> Diagram {
        Diagram {
            title: title.to_string(),
            items: Vec::new(),
        }
    }

    pub fn push(&mut self, step: Step) {
        self.items.push(Item::Step(step));
    }

    /// A note across the whole diagram (a section marker or the final state).
    pub fn note(&mut self, text: &str) {
        self.items.push(Item::Note(text.to_string()));
    }

    /// Appends `other`'s items.
    pub fn extend(&mut self, other: Diagram) {
        self.items.extend(other.items);
    }

    /// Drops the last `count` items (a `run` step's trailing actions that the text trace
    /// does not show either).
    pub fn drop_last(&mut self, count: usize) {
        self.items.truncate(self.items.len().saturating_sub(count));
    }

    /// The steps pushed so far (for tests).
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.items.iter().filter_map(|item| match item {
            Item::Step(step) => Some(step),
            Item::Note(_) => None,
        })
    }

    /// The Mermaid text (`sequenceDiagram`), ending in a newline.
    pub fn mermaid(&self) -> String {
        let drawn = self.drawn();
        let mut used: Vec<Lane> = Vec::new();
        for item in &drawn {
            match item {
                Drawn::Arrow { from, to, .. } => used.extend([*from, *to]),
                Drawn::Quiet { lanes, .. } => used.extend([lanes.0, lanes.1]),
                Drawn::Note(_) => {}
            }
        }
        let lanes: Vec<Lane> = Lane::ALL
            .into_iter()
            .filter(|lane| used.contains(lane))
            .collect();
        let mut out = String::from("sequenceDiagram\n");
        out.push_str(&format!("    %% {}\n", clean(&self.title)));
        for lane in &lanes {
            out.push_str(&format!(
                "    participant {} as {}\n",
                lane.id(),
                lane.title()
            ));
        }
        let span = match (lanes.first(), lanes.last()) {
            (Some(first), Some(last)) if first != last => format!("{},{}", first.id(), last.id()),
            (Some(first), _) => first.id().to_string(),
            _ => {
                out.push_str("    Note over diagram: no step changed anything\n");
                return out;
            }
        };
        for item in drawn {
            match item {
                Drawn::Arrow {
                    from,
                    to,
                    arrow,
                    label,
                } => out.push_str(&format!(
                    "    {}{}{}: {}\n",
                    from.id(),
                    arrow.mermaid(),
                    to.id(),
                    label
                )),
                Drawn::Quiet {
                    lanes: (a, b),
                    text,
                } => {
                    let over = if a == b {
                        a.id().to_string()
                    } else {
                        format!("{},{}", a.min(b).id(), a.max(b).id())
                    };
                    out.push_str(&format!("    Note over {over}: {text}\n"));
                }
                Drawn::Note(text) => out.push_str(&format!("    Note over {span}: {text}\n")),
            }
        }
        out
    }

    /// Arrows, collapsed runs and notes, in order.
    fn drawn(&self) -> Vec<Drawn> {
        let mut drawn = Vec::new();
        let mut index = 0;
        while index < self.items.len() {
            match &self.items[index] {
                Item::Note(text) => {
                    drawn.push(Drawn::Note(wrap(&clean(&spell_states(text)))));
                    index += 1;
                }
                Item::Step(step) if step.effect.is_empty() => {
                    let mut end = index;
                    while let Some(Item::Step(next)) = self.items.get(end + 1) {
                        if !next.effect.is_empty() {
                            break;
                        }
                        end += 1;
                    }
                    let (first, last) = (step_at(&self.items, index), step_at(&self.items, end));
                    let count = end - index + 1;
                    let text = if count == 1 {
                        format!("{}. {}: no effect", first.number, clean(&first.action))
                    } else {
                        format!(
                            "{}-{}. {count} steps with no effect",
                            first.number, last.number
                        )
                    };
                    drawn.push(Drawn::Quiet {
                        lanes: (first.from, last.from),
                        text: cap(&text),
                    });
                    index = end + 1;
                }
                Item::Step(step) => {
                    // Consecutive repetitions of one action: one arrow, the last effect.
                    let mut end = index;
                    while let Some(Item::Step(next)) = self.items.get(end + 1) {
                        if next.effect.is_empty()
                            || next.action != step.action
                            || next.from != step.from
                            || next.to != step.to
                            || next.arrow != step.arrow
                        {
                            break;
                        }
                        end += 1;
                    }
                    let last = step_at(&self.items, end);
                    let number = if end > index {
                        format!("{}-{}", step.number, last.number)
                    } else {
                        step.number.to_string()
                    };
                    let repeated = if end > index {
                        format!(" (x{})", end - index + 1)
                    } else {
                        String::new()
                    };
                    drawn.push(Drawn::Arrow {
                        from: step.from,
                        to: step.to,
                        arrow: step.arrow,
                        label: label(&number, &step.action, &repeated, &last.effect, step.to),
                    });
                    index = end + 1;
                }
            }
        }
        drawn
    }
}

enum Drawn {
    Arrow {
        from: Lane,
        to: Lane,
        arrow: Arrow,
        label: String,
    },
    Quiet {
        lanes: (Lane, Lane),
        text: String,
    },
    Note(String),
}

fn step_at(items: &[Item], index: usize) -> &Step {
    match &items[index] {
        Item::Step(step) => step,
        Item::Note(_) => unreachable!("only called on step items"),
    }
}

/// `12. APPEND[1200,1300) appendValid cas write<br/>v0->v1: [1200] absent->VALID ...`.
fn label(number: &str, action: &str, repeated: &str, effect: &str, to: Lane) -> String {
    let mut lines = vec![cap(&format!("{number}. {}{repeated}", clean(action)))];
    // An executor step names its task (`APPEND[1200,1300) V4`); its own phase clause
    // (`APPEND[1200,1300) committing appendValid`) then drops the repeated name.
    let task = action
        .split(' ')
        .next()
        .filter(|word| word.ends_with(')') && word.contains('['))
        .map(|word| format!("{word} "));
    let clauses: Vec<String> = effect
        .split("; ")
        .map(|clause| {
            let clause = match &task {
                Some(task) => clause.strip_prefix(task.as_str()).unwrap_or(clause),
                None => clause,
            };
            let clause = if to == Lane::Znode {
                clause.strip_prefix("znode ").unwrap_or(clause)
            } else {
                clause
            };
            wrap(&clean(&spell_states(clause)))
        })
        .collect();
    let shown = clauses.len().min(EFFECT_LINES_MAX);
    lines.extend(clauses[..shown].iter().cloned());
    if clauses.len() > shown {
        lines.push(format!("(+{} more)", clauses.len() - shown));
    }
    lines.join("<br/>")
}

/// `absent->V fp(..)` reads `absent->VALID fp(..)`: the trace's one-letter state codes
/// spelled out where they precede a fingerprint.
fn spell_states(clause: &str) -> String {
    let mut out = clause.to_string();
    for (code, name) in [("V", "VALID"), ("S", "STALE")] {
        for prefix in ["] ", "->"] {
            for fp in [" fp(", " EMPTY"] {
                out = out.replace(
                    &format!("{prefix}{code}{fp}"),
                    &format!("{prefix}{name}{fp}"),
                );
            }
        }
    }
    out
}

/// Mermaid-safe text: no `;` or `#` (they end a message), no `<` (HTML), one line.
fn clean(text: &str) -> String {
    text.replace(';', ",")
        .replace('#', "no. ")
        .replace("<-", "from")
        .replace('<', "lt ")
        .replace('\n', " ")
}

/// A long clause (a CAS write of several buckets) broken at its `, ` separators into
/// lines of at most [`LINE_MAX`] characters.
fn wrap(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for piece in text.split(", ") {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 2 + piece.chars().count() <= LINE_MAX => {
                line.push_str(", ");
                line.push_str(piece);
            }
            Some(line) => {
                line.push(',');
                lines.push(cap(piece));
            }
            None => lines.push(cap(piece)),
        }
    }
    lines.join("<br/>")
}

/// At most [`LINE_MAX`] characters.
fn cap(text: &str) -> String {
    if text.chars().count() <= LINE_MAX {
        return text.to_string();
    }
    let kept: String = text.chars().take(LINE_MAX - 3).collect();
    format!("{}...", kept.trim_end())
}

/// The diagram of `actions` from `config`'s initial state; for a quiescent property, followed
/// by the settle's effectful steps (as `mvsim check --path` prints them) and the settled znode.
pub fn checker_path(
    config: &Config,
    settle_config: &Config,
    actions: &[Action],
    with_settle: bool,
    violated: &[&str],
    title: &str,
) -> Diagram {
    use crate::trace::ReplayEvent;
    let mut diagram = Diagram::new(title);
    crate::trace::replay_events(
        config,
        settle_config,
        actions,
        with_settle,
        |event| match event {
            ReplayEvent::Step {
                config,
                index,
                before,
                action,
                after,
                settling,
            } => {
                let line = step(config, index, before, action, after);
                if !settling || !line.effect.is_empty() {
                    diagram.push(line);
                }
            }
            ReplayEvent::Settle {
                steps,
                converged,
                panic,
            } => diagram.note(&format!(
                "settle: no more events or faults, fair schedule ({steps} steps, {})",
                crate::trace::settle_outcome(converged, panic)
            )),
            ReplayEvent::Quiescent { config, world } => diagram.note(&format!(
                "at quiescence: {}",
                crate::trace::describe_znode(config, world)
            )),
        },
    );
    if !violated.is_empty() {
        diagram.note(&format!("VIOLATED {}", violated.join(", ")));
    }
    diagram
}

/// Parses `--diagram FORMAT`: only `mermaid`.
pub fn parse_format(format: &str) -> Result<(), String> {
    if format == "mermaid" {
        Ok(())
    } else {
        Err(format!(
            "--diagram: unknown format `{format}` (expected: mermaid)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step_of(number: usize, from: Lane, to: Lane, action: &str, effect: &str) -> Step {
        Step {
            number,
            from,
            to,
            arrow: Arrow::Write,
            action: action.to_string(),
            effect: effect.to_string(),
        }
    }

    #[test]
    fn collapses_quiet_runs_and_repetitions() {
        let mut diagram = Diagram::new("t");
        diagram.push(step_of(
            1,
            Lane::Scheduler,
            Lane::Source,
            "APPEND loop",
            "next=1",
        ));
        diagram.push(step_of(
            2,
            Lane::Scheduler,
            Lane::Source,
            "APPEND loop",
            "next=2",
        ));
        diagram.push(step_of(3, Lane::Broker, Lane::Znode, "cache", ""));
        diagram.push(step_of(4, Lane::Broker, Lane::Znode, "cache", ""));
        diagram.push(step_of(
            5,
            Lane::Executor,
            Lane::Znode,
            "x; y#",
            "znode v0->v1: [1] absent->V fp(1:00ab)",
        ));
        let text = diagram.mermaid();
        assert!(
            text.contains("scheduler->>source: 1-2. APPEND loop (x2)<br/>next=2\n"),
            "{text}"
        );
        assert!(
            text.contains("Note over broker: 3-4. 2 steps with no effect\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "executor->>znode: 5. x, yno. <br/>v0->v1: [1] absent->VALID fp(1:00ab)\n"
            ),
            "{text}"
        );
        // Lanes declared in the fixed order, only the used ones.
        let declared: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("participant "))
            .map(|rest| rest.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            declared,
            ["source", "scheduler", "executor", "znode", "broker"]
        );
    }

    #[test]
    fn caps_lines() {
        let long = "a".repeat(200);
        assert_eq!(cap(&long).chars().count(), LINE_MAX);
        assert!(cap(&long).ends_with("..."));
        let effect: Vec<String> = (0..7).map(|i| format!("c{i}")).collect();
        let text = label("1", "x", "", &effect.join("; "), Lane::Source);
        assert!(text.ends_with("c3<br/>(+3 more)"), "{text}");
        let buckets: Vec<String> = (0..6)
            .map(|i| format!("[{i}00] VALID fp(1:57cc)->STALE fp(1:57cc)"))
            .collect();
        let wrapped = wrap(&buckets.join(", "));
        assert!(wrapped
            .split("<br/>")
            .all(|line| line.chars().count() <= LINE_MAX));
        assert_eq!(wrapped.replace("<br/>", " "), buckets.join(", "));
    }
}
