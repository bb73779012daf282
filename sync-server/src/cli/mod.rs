//! Command-line arguments and the commands that need no server.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use lifeguard_core::{Engine, Paste, Policy, Visit};

/// Lifeguard: enforce the city's AI-use policy (APP 04.05) on managed browsers.
#[derive(Debug, Parser)]
#[command(name = "lifeguard", version, about)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide a URL: prints {"action", "rule", "category", "policy_ref", ...} as JSON.
    Check {
        #[command(flatten)]
        who: Who,
        /// The URL, as a browser would see it.
        url: String,
    },
    /// Scan text on standard input for sensitive data: prints {"action", "findings": [...]}
    /// with byte offsets as JSON.
    Scan {
        #[command(flatten)]
        who: Who,
        /// The page the text is pasted into (pilot sites accept public data only).
        #[arg(long)]
        url: Option<String>,
        /// Also print the text with findings replaced by placeholders ("redacted").
        #[arg(long)]
        redact: bool,
    },
    /// Policy documents.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Check a policy file; prints every problem found, each with its rule and field.
    Validate {
        /// The policy file.
        file: PathBuf,
    },
    /// Print the default city policy built into Lifeguard.
    Default,
}

/// Who is asking, and under which policy.
#[derive(Debug, clap::Args)]
struct Who {
    /// Policy file (JSON); without it, the default city policy built into Lifeguard.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The visitor's department id (for department overlays, tools, exceptions, pilots).
    #[arg(long, value_name = "D")]
    department: Option<String>,
    /// The visitor's e-mail (for tools, exceptions, pilots and suspensions granted to staff).
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// Decide as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = parse_rfc3339)]
    at: Option<i64>,
}

/// The largest text `scan` reads: far above any paste, small enough to fail clearly.
const MAX_SCAN_BYTES: u64 = 64 * 1024 * 1024;

fn parse_rfc3339(s: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("not an RFC 3339 time such as 2026-12-31T17:00:00Z: {e}"))
}

impl Who {
    fn engine(&self) -> anyhow::Result<Engine> {
        match &self.policy {
            None => Ok(Engine::default_city()),
            Some(path) => Ok(Engine::new(load_policy(path)?)),
        }
    }

    fn now(&self) -> i64 {
        self.at.unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp())
    }
}

fn load_policy(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read policy file {}", path.display()))?;
    Policy::from_json(&text).with_context(|| format!("policy file {}", path.display()))
}

/// Runs a command.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Check { who, url } => {
            let engine = who.engine()?;
            let visit = Visit { url: &url, department: who.department.as_deref(), user: who.user.as_deref(), now: who.now() };
            let decision = engine.decide(&visit)?;
            print_json(&decision)
        }
        Command::Scan { who, url, redact } => {
            let engine = who.engine()?;
            let text = read_stdin()?;
            let paste = Paste { department: who.department.as_deref(), user: who.user.as_deref(), url: url.as_deref(), now: who.now() };
            let verdict = engine.scan(&text, &paste);
            let mut out = serde_json::to_value(&verdict)?;
            if redact {
                let findings: Vec<_> = verdict.findings.iter().map(|f| f.finding).collect();
                out["redacted"] = lifeguard_core::redact(&text, &findings).into();
            }
            print_json(&out)
        }
        Command::Policy(PolicyCommand::Validate { file }) => {
            let policy = load_policy(&file)?;
            print_json(&serde_json::json!({
                "valid": true,
                "version": policy.version(),
                "site_rules": policy.site_rules().len(),
                "authorized_tools": policy.tools().len(),
                "content_rules": policy.content_rules().len(),
                "departments": policy.departments().len(),
                "exceptions_and_pilots": policy.grants().len(),
                "suspensions": policy.suspensions().len(),
            }))
        }
        Command::Policy(PolicyCommand::Default) => {
            let mut out = std::io::stdout().lock();
            out.write_all(lifeguard_core::policy::DEFAULT_POLICY_JSON.as_bytes())?;
            Ok(())
        }
    }
}

fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().take(MAX_SCAN_BYTES + 1).read_to_end(&mut bytes).context("cannot read standard input")?;
    if bytes.len() as u64 > MAX_SCAN_BYTES {
        bail!("standard input is larger than {} MiB; scan it in parts", MAX_SCAN_BYTES / (1024 * 1024));
    }
    String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("standard input is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
