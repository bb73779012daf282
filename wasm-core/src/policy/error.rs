//! Policy errors: every problem found in a document, each naming where it is.

use std::fmt;

use serde::Serialize;

/// What kind of problem a policy has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The text is not JSON.
    Syntax,
    /// The JSON does not have the policy's shape (wrong type, unknown or missing field).
    Schema,
    /// A value is not allowed (bad host, unknown detector, expiry before start, ...).
    Invalid,
    /// Something is defined twice (rule id, host in one list, ...).
    Duplicate,
}

/// One problem in a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    kind: ProblemKind,
    at: String,
    message: String,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, at: String, message: String) -> Problem {
        Problem { kind, at, message }
    }

    /// The kind of problem.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// Where it is: the list, index, rule id and field, e.g. ``site_rules[3] `openai`.hosts[1]``.
    /// Empty for a problem with the whole document.
    pub fn at(&self) -> &str {
        &self.at
    }

    /// What is wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

/// A policy that could not be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    problems: Vec<Problem>,
}

impl PolicyError {
    pub(crate) fn new(problems: Vec<Problem>) -> PolicyError {
        debug_assert!(!problems.is_empty());
        PolicyError { problems }
    }

    pub(crate) fn single(problem: Problem) -> PolicyError {
        PolicyError { problems: vec![problem] }
    }

    /// Every problem, section by section (site rules, departments, tools, content rules,
    /// exceptions, pilots, suspensions), each section in document order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "invalid policy: {one}"),
            many => {
                write!(f, "invalid policy ({} problems):", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PolicyError {}
