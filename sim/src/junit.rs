//! JUnit XML (`--junit FILE`) for `check`, `sweep` and `scenario run`, which CI systems
//! display natively. Written with `quick-junit`; the shape is pinned by
//! `docs/schemas/junit.xsd` (a test validates real outputs against it).
//!
//! - `check`: one suite per engine and configuration, one case per property
//!   (`classname` `check.ENGINE.CONFIG`); a counted violation is a failure with the trace
//!   and the replay command, an accepted one (the baseline, `--accept-property`) is skipped;
//! - `sweep`: one case per `always`/`quiescent` property (classname `sweep.ENGINE`), a
//!   failure listing the failing seeds and the replay command of the smallest;
//! - `scenario run`: one case per scenario and engine (classname `scenario.ENGINE`).
//!
//! A run that did not complete (a bound, SIGINT) carries a case named `complete` that is an
//! error (type `incomplete`), so a CI system never shows a partial run as green.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// One test case, before it becomes XML.
pub struct Case {
    /// The case name (a property, a scenario).
    pub name: String,
    /// The dotted class name (`check.post.ci`).
    pub classname: String,
    /// What happened.
    pub verdict: CaseVerdict,
    /// Free text shown with the case (trace, replay command).
    pub output: String,
}

/// A case's verdict.
pub enum CaseVerdict {
    /// Passed.
    Pass,
    /// Failed, with a one-line message.
    Fail(String),
    /// Could not be judged (an error, an incomplete run), with a one-line message.
    Error(String),
    /// Not counted (an accepted finding), with a one-line message.
    Skip(String),
}

/// Renders suites of cases as one JUnit report named `name`.
pub fn render(name: &str, suites: Vec<(String, Duration, Vec<Case>)>) -> String {
    let mut report = Report::new(name);
    for (suite_name, time, cases) in suites {
        let mut suite = TestSuite::new(suite_name);
        suite.set_time(time);
        for case in cases {
            let status = match case.verdict {
                CaseVerdict::Pass => TestCaseStatus::success(),
                CaseVerdict::Fail(message) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(message).set_type("violation");
                    status
                }
                CaseVerdict::Error(message) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status.set_message(message).set_type("incomplete");
                    status
                }
                CaseVerdict::Skip(message) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(message);
                    status
                }
            };
            let mut test_case = TestCase::new(case.name, status);
            test_case.set_classname(case.classname);
            if !case.output.is_empty() {
                test_case.set_system_out(case.output);
            }
            suite.add_test_case(test_case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .expect("serialising a JUnit report to a String cannot fail")
}
