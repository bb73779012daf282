//! Server configuration: command-line flags and environment variables (through clap) over a
//! TOML file over built-in defaults.
//!
//! The raw layers ([`ServerFlags`], [`FileConfig`]) are parsed first and then resolved into a
//! [`Config`], the only type the rest of the server sees, so a value's origin never matters
//! past this module.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use lifeguard_core::Severity;
use serde::Deserialize;

/// The default request budget, per minute, of one token (or, for requests without a valid
/// token, of one client address), in bursts of as many: 200 a second. A device makes about one
/// request a minute at most (a report batch a minute while it has events, a policy check every
/// `syncMinutes`, an update check every few hours), so one department token shared by 2,000
/// devices behind one NAT address, all starting at once (policy, key, reports and update
/// check: about 5 requests each), stays under it; a single client flooding is held to 200
/// requests a second. Benchmarks and fuzzers that need a flood set `rate_limit_per_minute = 0`.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 12_000;

/// Flags shared by `serve` and the commands that touch the server's data folder or database.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServerFlags {
    /// TOML configuration file (flags and environment variables override it).
    #[arg(long, env = "LIFEGUARD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder for the keys and the SQLite database [default: ./lifeguard-data].
    #[arg(long, env = "LIFEGUARD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: sqlite://FILE or postgres://... [default: SQLite in the data folder].
    #[arg(long, env = "LIFEGUARD_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "LIFEGUARD_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// The URL browsers reach this server at, e.g. https://lifeguard.city.gov [default:
    /// http://LISTEN when that is one address].
    #[arg(long, env = "LIFEGUARD_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Bearer token `/metrics` requires (without one, `/metrics` is off).
    #[arg(long, env = "LIFEGUARD_METRICS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Delete report events older than this many days (none: keep them).
    #[arg(long, env = "LIFEGUARD_RETENTION_DAYS", value_name = "DAYS")]
    pub retention_days: Option<u32>,
    /// How often to write when devices last synced to the database, in seconds [default: 60].
    #[arg(long, env = "LIFEGUARD_DEVICE_FLUSH_SECONDS", value_name = "SECONDS")]
    pub device_flush_seconds: Option<u64>,
}

/// The configuration file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    retention_days: Option<u32>,
    /// Largest request body in bytes.
    body_limit: Option<usize>,
    /// How often a replica re-reads the current policy version from the database.
    policy_recheck_ms: Option<u64>,
    /// How long an admin session token lasts.
    admin_token_hours: Option<u32>,
    /// The address browsers reach this server at (e.g. the TLS proxy's `https://lifeguard.city.gov`):
    /// the update manifest names the CRX there.
    public_url: Option<String>,
    /// Token issuer and audience; change them to keep tokens of two deployments apart.
    token_issuer: Option<String>,
    token_audience: Option<String>,
    /// HTTP worker threads (default: one per core).
    workers: Option<usize>,
    /// Requests per minute per token (a request with a valid token) or per client address
    /// (any other request); 0: no limit. Default [`DEFAULT_RATE_LIMIT_PER_MINUTE`].
    rate_limit_per_minute: Option<u32>,
    /// Login attempts per minute per client address.
    login_per_minute: Option<u32>,
    /// How often devices' last-seen times are written to the database, in seconds.
    device_flush_seconds: Option<u64>,
    /// How long a signed policy bundle is valid, in days; a device holding an older one still
    /// enforces it but reports it stale.
    bundle_valid_days: Option<u32>,
    /// The bearer token `/metrics` requires; without one `/metrics` is off.
    metrics_token: Option<String>,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    incidents: IncidentFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentFile {
    min_severity: Option<Severity>,
    #[serde(default)]
    webhooks: Vec<Webhook>,
}

/// An alert webhook: incidents are POSTed to `url`, signed with `secret`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// Where to send: `https://` (verified against Mozilla's roots, or only `ca_file`) or
    /// `http://` (for a relay on this machine or network).
    pub url: String,
    /// Shared secret for the `X-Lifeguard-Signature` HMAC-SHA256.
    pub secret: String,
    /// PEM file of the certificate authorities to trust for this webhook instead of the public
    /// roots (a city relay with an internal CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The TLS client for `ca_file`, made when the configuration is loaded.
    #[serde(skip)]
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl Webhook {
    /// A webhook to `url` with the public roots (for tests and embedding).
    pub fn new(url: &str, secret: &str) -> Webhook {
        Webhook { url: url.into(), secret: secret.into(), ca_file: None, tls: None }
    }

    /// Checks the URL and loads `ca_file`: a bad webhook stops the start, not the first alert.
    pub fn prepare(mut self) -> anyhow::Result<Webhook> {
        let u = url::Url::parse(&self.url).with_context(|| format!("webhook url `{}` is not a URL", self.url))?;
        anyhow::ensure!(matches!(u.scheme(), "http" | "https") && u.host_str().is_some(), "webhook url `{}` must be http(s)://host/...", self.url);
        if let Some(path) = &self.ca_file {
            anyhow::ensure!(u.scheme() == "https", "webhook `{}`: ca_file is for https:// URLs", self.url);
            self.tls = Some(std::sync::Arc::new(tls_trusting(path)?));
        }
        Ok(self)
    }
}

/// A TLS client configuration trusting only the certificates of a PEM file.
fn tls_trusting(path: &Path) -> anyhow::Result<rustls::ClientConfig> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).with_context(|| format!("cannot read ca_file {}", path.display()))? {
        let cert = cert.with_context(|| format!("ca_file {}: not a PEM certificate", path.display()))?;
        roots.add(cert).with_context(|| format!("ca_file {}: a certificate rustls cannot use", path.display()))?;
    }
    anyhow::ensure!(!roots.is_empty(), "ca_file {} holds no certificate", path.display());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions()?.with_root_certificates(roots).with_no_client_auth())
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Keys and the SQLite file live here.
    pub data_dir: PathBuf,
    /// The database.
    pub database_url: String,
    /// Report retention.
    pub retention_days: Option<u32>,
    /// Largest request body.
    pub body_limit: usize,
    /// How often (ms) to re-read the published version, for replicas sharing a database.
    pub policy_recheck_ms: u64,
    /// Admin session lifetime.
    pub admin_token_hours: u32,
    /// Where browsers reach this server (scheme, host, port; no trailing slash), for the
    /// extension's update manifest; `None` when listening on every interface without one.
    pub public_url: Option<String>,
    /// JWT `iss`.
    pub token_issuer: String,
    /// JWT `aud`.
    pub token_audience: String,
    /// HTTP workers.
    pub workers: Option<usize>,
    /// Requests per minute per token, or per client address for requests without a valid
    /// token (bursts of as many); 0 disables.
    pub rate_limit_per_minute: u32,
    /// Login attempts per minute per client address; 0 disables.
    pub login_per_minute: u32,
    /// How often (s) the devices' last-seen times are flushed to the database.
    pub device_flush_seconds: u64,
    /// Events with a finding at or above this severity that were blocked, or pasted after a
    /// warning, are incidents (§IV.4).
    pub incident_min_severity: Severity,
    /// Where incidents are sent.
    pub webhooks: Vec<Webhook>,
    /// Signed bundles expire this many days after signing.
    pub bundle_valid_days: u32,
    /// The bearer token `/metrics` requires; `None`: `/metrics` is off.
    pub metrics_token: Option<String>,
    /// Peers whose `X-Forwarded-For` is believed (for rate limits and the audit log).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Config {
    /// Resolves flags over the file (if any) over defaults.
    pub fn load(flags: &ServerFlags) -> anyhow::Result<Config> {
        let file = match &flags.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let public_url = flags.public_url.clone().or_else(|| file.public_url.clone());
        let trusted_proxies = file.trusted_proxies.iter().map(|p| proxy_of(p)).collect::<anyhow::Result<_>>()?;
        let mut config = Config::resolve(flags, file);
        config.trusted_proxies = trusted_proxies;
        config.webhooks = std::mem::take(&mut config.webhooks).into_iter().map(Webhook::prepare).collect::<anyhow::Result<_>>()?;
        config.public_url = match public_url {
            Some(u) => Some(public_url_of(&u)?),
            // Every interface, or a port picked at start: no address to name.
            None if config.listen.ip().is_unspecified() || config.listen.port() == 0 => None,
            None => Some(format!("http://{}", config.listen)),
        };
        Ok(config)
    }

    fn resolve(flags: &ServerFlags, file: FileConfig) -> Config {
        let data_dir = flags.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("./lifeguard-data"));
        let database_url = flags
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("lifeguard.sqlite3").display()));
        Config {
            listen: flags.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database_url,
            retention_days: flags.retention_days.or(file.retention_days),
            body_limit: file.body_limit.unwrap_or(1024 * 1024),
            policy_recheck_ms: file.policy_recheck_ms.unwrap_or(1000),
            admin_token_hours: file.admin_token_hours.unwrap_or(12),
            public_url: None,
            token_issuer: file.token_issuer.unwrap_or_else(|| "lifeguard".into()),
            token_audience: file.token_audience.unwrap_or_else(|| "lifeguard".into()),
            workers: file.workers,
            rate_limit_per_minute: file.rate_limit_per_minute.unwrap_or(DEFAULT_RATE_LIMIT_PER_MINUTE),
            login_per_minute: file.login_per_minute.unwrap_or(20),
            device_flush_seconds: flags.device_flush_seconds.or(file.device_flush_seconds).unwrap_or(60),
            incident_min_severity: file.incidents.min_severity.unwrap_or(Severity::Critical),
            webhooks: file.incidents.webhooks,
            bundle_valid_days: file.bundle_valid_days.unwrap_or(30).max(1),
            metrics_token: flags.metrics_token.clone().or(file.metrics_token).filter(|t| !t.trim().is_empty()),
            trusted_proxies: Vec::new(),
        }
    }

    /// A configuration for tests and embedding: defaults, with this data folder and database.
    pub fn for_data_dir(data_dir: &Path, database_url: Option<String>) -> Config {
        let flags = ServerFlags { data_dir: Some(data_dir.to_owned()), database_url, ..ServerFlags::default() };
        Config::resolve(&flags, FileConfig::default())
    }
}

/// A public URL as the update manifest uses it: http(s), a host, no path, query or user.
fn public_url_of(raw: &str) -> anyhow::Result<String> {
    let u = url::Url::parse(raw.trim()).with_context(|| format!("public_url `{raw}` is not a URL"))?;
    let bare = matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && u.username().is_empty() && u.password().is_none() && u.path() == "/" && u.query().is_none() && u.fragment().is_none();
    anyhow::ensure!(bare, "public_url `{raw}` must be http(s)://host[:port], without a path, query or user");
    Ok(u.as_str().trim_end_matches('/').to_owned())
}

/// A trusted proxy: an address (one host) or a CIDR range.
fn proxy_of(raw: &str) -> anyhow::Result<ipnet::IpNet> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| anyhow::anyhow!("trusted_proxies: `{raw}` is not an IP address or CIDR range (10.0.0.0/8)"))
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("configuration file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_file_is_valid() {
        let file: FileConfig = toml::from_str(include_str!("../lifeguard.example.toml")).expect("lifeguard.example.toml parses");
        let c = Config::resolve(&ServerFlags::default(), file);
        assert_eq!(c.listen, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(c.retention_days, Some(400));
        assert_eq!(c.incident_min_severity, Severity::Critical);
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.rate_limit_per_minute, DEFAULT_RATE_LIMIT_PER_MINUTE, "the example shows the default");
    }

    #[test]
    fn rate_limits_are_on_by_default() {
        let c = Config::for_data_dir(Path::new("/nonexistent"), None);
        assert_eq!(c.rate_limit_per_minute, 12_000);
        assert_eq!(c.login_per_minute, 20);
        let off: FileConfig = toml::from_str("rate_limit_per_minute = 0").expect("parses");
        assert_eq!(Config::resolve(&ServerFlags::default(), off).rate_limit_per_minute, 0, "a benchmark turns it off explicitly");
    }

    #[test]
    fn the_public_url_is_configured_or_the_listen_address() {
        let load = |flags: ServerFlags| Config::load(&flags).map(|c| c.public_url);
        assert_eq!(load(ServerFlags::default()).expect("default").as_deref(), Some("http://127.0.0.1:8080"));
        let every = ServerFlags { listen: Some(SocketAddr::from(([0, 0, 0, 0], 8080))), ..ServerFlags::default() };
        assert_eq!(load(every).expect("0.0.0.0"), None, "no name devices could reach");
        let set = ServerFlags { public_url: Some("https://Lifeguard.City.example/".into()), ..ServerFlags::default() };
        assert_eq!(load(set).expect("set").as_deref(), Some("https://lifeguard.city.example"));
        for bad in ["lifeguard.city.example", "ftp://x.example", "https://x.example/path", "https://u@x.example", "https://x.example/?q"] {
            let err = load(ServerFlags { public_url: Some(bad.into()), ..ServerFlags::default() }).expect_err(bad);
            assert!(err.to_string().contains("public_url"), "{bad}: {err}");
        }
    }

    #[test]
    fn flags_override_the_file_and_a_misspelt_key_is_an_error() {
        let file: FileConfig = toml::from_str("listen = \"127.0.0.1:1\"\nretention_days = 5").expect("parses");
        let flags = ServerFlags { listen: Some(SocketAddr::from(([127, 0, 0, 1], 2))), ..ServerFlags::default() };
        let c = Config::resolve(&flags, file);
        assert_eq!(c.listen.port(), 2);
        assert_eq!(c.retention_days, Some(5));
        let err = toml::from_str::<FileConfig>("retention_dayz = 5").expect_err("unknown key");
        assert!(err.to_string().contains("retention_dayz"), "{err}");
    }
}
