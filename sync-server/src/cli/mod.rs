//! Command-line arguments: the policy commands that need no server (`check`, `scan`,
//! `policy`), `serve`, and the operator's commands on the server's data folder and database
//! (`keys show`, `token issue`, `token revoke`, `user add`, `reports purge`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use lifeguard_core::{Engine, Paste, Policy, Visit};

use crate::tokens::Role;
use crate::config::{Config, ServerFlags};

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
    #[command(after_help = detector_help())]
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
    /// Run the sync server (SQLite in the data folder unless --database-url says otherwise).
    Serve {
        #[command(flatten)]
        flags: ServerFlags,
    },
    /// The policy-signing key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Tokens for devices (and, for scripts, console roles).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Console accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Stored report events.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// The browser extension's signing key and signed package (CRX3), and publishing it
    /// for `ExtensionInstallForcelist`.
    #[command(subcommand)]
    Extension(ExtensionCommand),
}

#[derive(Debug, Subcommand)]
enum ExtensionCommand {
    /// Print the signing key's extension id and public key (the manifest's "key") as JSON,
    /// creating the key (RSA 2048, PKCS#8 PEM, mode 0600) if the file does not exist.
    Key {
        #[command(flatten)]
        key: KeyFile,
    },
    /// Pack an extension folder into a CRX3 file signed with the key; prints {"id",
    /// "version", "crx", "bytes"}.
    Pack {
        #[command(flatten)]
        key: KeyFile,
        /// Where to write the CRX.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The extension folder (with manifest.json).
        dir: PathBuf,
    },
    /// Check a CRX3 file's format and signatures as Chromium does; prints {"id", "version"}.
    Verify {
        /// The CRX file.
        file: PathBuf,
    },
    /// Print the vocabulary module the extension is built with (shared/vocabulary.js: the
    /// report kinds, detector labels and the policy's closed lists, from lifeguard-core).
    Vocabulary,
    /// Verify a CRX and publish it in the data folder, where `lifeguard serve` hosts it at
    /// /extension/update.xml and /extension/lifeguard.crx; prints {"id", "version"}.
    Publish {
        #[command(flatten)]
        flags: ServerFlags,
        /// The CRX file.
        file: PathBuf,
    },
}

/// The extension signing key's file.
#[derive(Debug, clap::Args)]
struct KeyFile {
    /// The key file [default: ~/.config/lifeguard/extension-key.pem]. It fixes the extension
    /// id: keep it, and never commit it.
    #[arg(long = "key", env = "LIFEGUARD_EXTENSION_KEY", value_name = "FILE")]
    path: Option<PathBuf>,
}

impl KeyFile {
    fn path(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.path {
            return Ok(p.clone());
        }
        let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
            bail!("HOME is not set: give the extension key's file with --key or LIFEGUARD_EXTENSION_KEY");
        };
        Ok(PathBuf::from(home).join(".config/lifeguard/extension-key.pem"))
    }
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print the policy-signing public key (creating the keys on first use) as JSON: `kid`,
    /// `public_key` (raw, base64url: the extension's `policyPublicKey`), `public_key_pem`
    /// (SubjectPublicKeyInfo) and `jwk`.
    Show {
        #[command(flatten)]
        flags: ServerFlags,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a signed token (a device token for the managed configuration's `deviceToken`).
    Issue {
        #[command(flatten)]
        flags: ServerFlags,
        /// device, it_admin, dept_head, auditor or city_manager.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The department (required for device and dept_head).
        #[arg(long)]
        department: Option<String>,
        /// Days until it expires.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// The subject (a device label or an e-mail).
        #[arg(long)]
        subject: Option<String>,
    },
    /// Revoke a device or operator token at once, on every replica (a lost laptop, a token
    /// read out of the registry, the old token after a rotation). Reads the token from
    /// standard input, or --token-file, so it stays out of the shell's history and the process
    /// list; prints what was revoked as JSON. Audited as `token.revoke` by `<user> (CLI)`.
    Revoke {
        #[command(flatten)]
        flags: ServerFlags,
        /// Read the token from this file instead of standard input.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create (or with --reset, replace) a console account; prints a generated password
    /// unless --password-stdin reads one.
    Add {
        #[command(flatten)]
        flags: ServerFlags,
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// it_admin, dept_head, auditor or city_manager.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The department (required for dept_head).
        #[arg(long)]
        department: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Replace the account if it exists.
        #[arg(long)]
        reset: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ReportsCommand {
    /// Delete report events older than the retention (--retention-days) or --before; prints
    /// {"removed": N}.
    Purge {
        #[command(flatten)]
        flags: ServerFlags,
        /// Delete events before this time (RFC 3339) instead.
        #[arg(long, value_parser = parse_rfc3339)]
        before: Option<i64>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
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

/// The detector list for `scan --help`: the identifiers policies and reports use.
fn detector_help() -> String {
    let mut s = String::from("Detectors (id, severity, placeholder):\n");
    for d in lifeguard_core::Detector::ALL {
        s.push_str(&format!("  {:<24}{:<10}{}\n", d.as_str(), format!("{:?}", d.severity()).to_lowercase(), d.placeholder()));
    }
    s
}

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
            // A device's bundle names suspended staff by salted hash: hash the address as the extension does.
            let user_hash = who.user.as_deref().zip(engine.policy().suspension_salt()).map(|(u, salt)| crate::privacy::user_hash(salt, u));
            let visit = Visit { url: &url, department: who.department.as_deref(), user: who.user.as_deref(), user_hash: user_hash.as_deref(), now: who.now() };
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
                "content_rules": policy.content_rules().len() + policy.departments().iter().map(|d| d.content_rules.len()).sum::<usize>(),
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
        Command::Serve { flags } => {
            let config = Config::load(&flags)?;
            init_logging();
            actix_web::rt::System::new().block_on(crate::server::serve(config))
        }
        Command::Keys(KeysCommand::Show { flags }) => {
            let config = Config::load(&flags)?;
            let keys = crate::keys::Keys::load_or_create(&config.data_dir)?;
            print_json(&serde_json::json!({
                "kid": keys.kid(),
                "public_key": keys.public_key_b64(),
                "public_key_pem": keys.public_key_pem()?,
                "jwk": keys.public_jwk(),
            }))
        }
        Command::Token(TokenCommand::Issue { flags, role, department, days, subject }) => {
            let config = Config::load(&flags)?;
            if matches!(role, Role::Device | Role::DeptHead) && department.as_deref().unwrap_or("").is_empty() {
                bail!("a {} token needs --department", role.as_str());
            }
            let keys = crate::keys::Keys::load_or_create(&config.data_dir)?;
            let tokens = crate::tokens::Tokens::for_config(&keys, &config);
            let subject = subject.unwrap_or_else(|| format!("{}:{}", role.as_str(), department.as_deref().unwrap_or("city")));
            let (token, _) = tokens.issue(role, &subject, department.as_deref(), i64::from(days) * 86400)?;
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { flags, token_file }) => {
            let config = Config::load(&flags)?;
            let text = match &token_file {
                Some(path) => String::from_utf8(read_limited(path, 64 * 1024)?).with_context(|| format!("{} is not text", path.display()))?,
                None => read_stdin()?,
            };
            let token = text.trim();
            if token.is_empty() {
                bail!("no token: give it on standard input (lifeguard token revoke < token.txt) or with --token-file FILE");
            }
            // Without the server's token key every token would look forged: say where it looked.
            let secret = &crate::keys::Keys::files(&config.data_dir)[1];
            if !secret.exists() {
                bail!("no token key at {}: give the server's data folder (--data-dir, or data_dir in --config)", secret.display());
            }
            let keys = crate::keys::Keys::load_or_create(&config.data_dir)?;
            let tokens = crate::tokens::Tokens::for_config(&keys, &config);
            let claims = crate::revocations::revocable(&tokens, token).map_err(|e| anyhow::anyhow!("cannot revoke this token: {e}"))?;
            let newly_revoked = actix_web::rt::System::new().block_on(async {
                let store = crate::store::open(&config.database_url).await?;
                crate::revocations::revoke(&*store, &claims, &cli_actor(), "operator").await
            })?;
            print_json(&serde_json::json!({
                "jti": claims.jti,
                "subject": claims.sub,
                "role": claims.role,
                "department": claims.department,
                "expires_at": crate::lifecycle::rfc3339(claims.exp),
                "newly_revoked": newly_revoked,
            }))
        }
        Command::User(UserCommand::Add { flags, email, role, department, password_stdin, reset }) => {
            let config = Config::load(&flags)?;
            if role == Role::Device {
                bail!("console accounts cannot have the device role; use `lifeguard token issue`");
            }
            if role == Role::DeptHead && department.as_deref().unwrap_or("").is_empty() {
                bail!("a dept_head account needs --department");
            }
            let email = email.trim().to_ascii_lowercase();
            let (password, generated) = if password_stdin {
                let text = read_stdin()?;
                let p = text.trim_end_matches(['\r', '\n']).to_owned();
                if p.chars().count() < 12 {
                    bail!("the password must have at least 12 characters");
                }
                (p, false)
            } else {
                (crate::auth::generate_password(), true)
            };
            // A generated password is printed here for someone to pass on: its holder must
            // replace it. One given on standard input is the operator's choice.
            let user = crate::store::User {
                email: email.clone(),
                password_hash: crate::auth::hash_password(&password)?,
                role: role.as_str().into(),
                department,
                session_epoch: 0,
                must_change_password: generated,
            };
            actix_web::rt::System::new().block_on(async {
                let store = crate::store::open(&config.database_url).await?;
                if reset {
                    store.upsert_user(&user).await?;
                } else if store.add_user(&user).await? == crate::store::Write::Stale {
                    bail!("{email} already has an account (use --reset to replace it)");
                }
                anyhow::Ok(())
            })?;
            if generated {
                println!("{password}");
            }
            Ok(())
        }
        Command::Extension(command) => extension(command),
        Command::Reports(ReportsCommand::Purge { flags, before }) => {
            let config = Config::load(&flags)?;
            let before = match (before, config.retention_days) {
                (Some(t), _) => t,
                (None, Some(days)) => time::OffsetDateTime::now_utc().unix_timestamp() - i64::from(days) * 86400,
                (None, None) => bail!("give --retention-days (or retention_days in the configuration file) or --before"),
            };
            let removed = actix_web::rt::System::new().block_on(async {
                let store = crate::store::open(&config.database_url).await?;
                store.purge_events(before).await
            })?;
            print_json(&serde_json::json!({"removed": removed, "before": crate::lifecycle::rfc3339(before)}))
        }
    }
}

fn extension(command: ExtensionCommand) -> anyhow::Result<()> {
    use crate::crx::{ExtensionKey, MAX_CRX_BYTES, pack, verify, write_atomically};
    match command {
        ExtensionCommand::Vocabulary => {
            print!("{}", lifeguard_core::Vocabulary::js_module());
            Ok(())
        }
        ExtensionCommand::Key { key } => {
            let path = key.path()?;
            let (key, created) = ExtensionKey::load_or_create(&path)?;
            if created {
                eprintln!("created the extension signing key {} (keep it: it fixes the extension id)", path.display());
            }
            print_json(&serde_json::json!({"id": key.extension_id(), "public_key": key.manifest_key(), "key_file": path, "created": created}))
        }
        ExtensionCommand::Pack { key, out, dir } => {
            let path = key.path()?;
            if !path.exists() {
                bail!("no extension key at {} (make one with `lifeguard extension key`)", path.display());
            }
            let (crx, info) = pack(&dir, &ExtensionKey::load(&path)?)?;
            write_atomically(&out, &crx)?;
            print_json(&serde_json::json!({"id": info.id, "version": info.version, "crx": out, "bytes": crx.len()}))
        }
        ExtensionCommand::Verify { file } => print_json(&verify(&read_limited(&file, MAX_CRX_BYTES)?).with_context(|| format!("{} cannot be installed", file.display()))?),
        ExtensionCommand::Publish { flags, file } => {
            let config = Config::load(&flags)?;
            let crx = read_limited(&file, MAX_CRX_BYTES)?;
            let info = verify(&crx).with_context(|| format!("{} cannot be installed", file.display()))?;
            let dir = config.data_dir.join("extension");
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            // The CRX first: a browser told of a new version must find its file.
            write_atomically(&dir.join("lifeguard.crx"), &crx)?;
            write_atomically(&dir.join("extension.json"), &serde_json::to_vec(&info)?)?;
            print_json(&info)
        }
    }
}

/// Who the audit log names for a change made on the command line: the operating-system user
/// (`$SUDO_USER` under sudo, else `$USER`), marked `(CLI)`, as CLI tokens are marked
/// `(CLI token)`: whoever holds the server's keys, never a console account.
fn cli_actor() -> String {
    let user = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| !u.is_empty() && u.len() <= 64 && u.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
        .unwrap_or_else(|| "operator".into());
    format!("{user} (CLI)")
}

/// Reads a file of at most `limit` bytes.
fn read_limited(path: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    f.take(limit + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!("{} is larger than {} MiB", path.display(), limit >> 20);
    }
    Ok(bytes)
}

/// Logs to standard error: text by default, JSON lines with LIFEGUARD_LOG_FORMAT=json;
/// levels from RUST_LOG (default `info`).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("LIFEGUARD_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
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
