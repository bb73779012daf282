//! Starting the server: open the database, load or create the keys, publish the default
//! policy on first start, then serve until SIGINT/SIGTERM (actix-web drains open requests
//! before it exits).

use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context;

use crate::tokens::Tokens;
use crate::bundle::{BundleCache, Signer};
use crate::config::Config;
use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::state::AppState;

/// Builds the shared state: database (migrated), keys, first policy version.
pub async fn state(config: Config) -> anyhow::Result<AppState> {
    let keys = Arc::new(Keys::load_or_create(&config.data_dir)?);
    let store = crate::store::open(&config.database_url).await.context("cannot open the database")?;
    let signer = Signer { keys: Arc::clone(&keys), valid_days: config.bundle_valid_days };
    let state = AppState {
        store,
        tokens: Tokens::for_config(&keys, &config),
        keys,
        bundles: Arc::new(BundleCache::new(config.policy_recheck_ms, signer)),
        metrics: Arc::new(Metrics::default()),
        limiter: Arc::new(RateLimiter::new(config.rate_limit_per_minute)),
        login_limiter: Arc::new(RateLimiter::new(config.login_per_minute)),
        devices: Arc::new(crate::devices::DeviceTracker::default()),
        revoked: Arc::new(crate::revocations::Revocations::new(config.policy_recheck_ms)),
        config: Arc::new(config),
    };
    crate::lifecycle::ensure_initial(&state).await.context("cannot publish the first policy version")?;
    Ok(state)
}

/// Purges reports past retention now and then every hour, while the server runs.
fn spawn_retention(state: &AppState) {
    let Some(days) = state.config.retention_days else { return };
    let store = Arc::clone(&state.store);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let before = time::OffsetDateTime::now_utc().unix_timestamp() - i64::from(days) * 86400;
            match store.purge_events(before).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, days, "purged report events past retention"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = format!("{e:#}"), "retention purge failed"),
            }
        }
    });
}

/// Flushes the devices' last-seen times to the database every `device_flush_seconds`.
fn spawn_device_flush(state: &AppState) {
    let (store, devices) = (Arc::clone(&state.store), Arc::clone(&state.devices));
    let every = std::time::Duration::from_secs(state.config.device_flush_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        // A slow database must not make flushes pile up behind each other.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = devices.flush(&*store).await {
                tracing::error!(error = format!("{e:#}"), "cannot record when devices last synced; will retry");
            }
        }
    });
}

/// The console account made on first start, so a fresh install can be used at once.
pub const INITIAL_ADMIN: &str = "admin@lifeguard.local";
/// Where its password is written (in the data folder, mode 0600).
pub const INITIAL_PASSWORD_FILE: &str = "initial-admin-password";

/// With no console account at all, creates [`INITIAL_ADMIN`] (it_admin) with a random
/// password written to [`INITIAL_PASSWORD_FILE`]: never printed to a log that others read.
async fn ensure_console_account(state: &AppState) -> anyhow::Result<()> {
    if state.store.user_count().await? > 0 {
        return Ok(());
    }
    let password = crate::auth::generate_password();
    let path = state.config.data_dir.join(INITIAL_PASSWORD_FILE);
    let hash = tokio::task::spawn_blocking({
        let password = password.clone();
        move || crate::auth::hash_password(&password)
    })
    .await??;
    // Its password sits in a file: whoever signs in first must replace it.
    let user = crate::store::User { email: INITIAL_ADMIN.into(), password_hash: hash, role: "it_admin".into(), department: None, session_epoch: 0, must_change_password: true };
    if state.store.add_user(&user).await? == crate::store::Write::Done {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&path).with_context(|| format!("cannot write {}", path.display()))?;
        std::io::Write::write_all(&mut f, format!("{password}\n").as_bytes())?;
        tracing::warn!(
            account = INITIAL_ADMIN,
            password_file = %path.display(),
            "created the first console account; its password is in the file (the console asks for a new one at the first sign-in)"
        );
    }
    Ok(())
}

/// Says, on standard output, how browsers force-install the extension this server hosts
/// (if one is published in the data folder): the `ExtensionInstallForcelist` entry for its
/// public URL (by default the address it listens on).
fn announce_extension(state: &AppState, addrs: &[std::net::SocketAddr]) {
    let path = state.config.data_dir.join("extension").join("extension.json");
    let Ok(bytes) = std::fs::read(&path) else { return };
    let Ok(crate::crx::CrxInfo { id, version }) = serde_json::from_slice(&bytes) else {
        tracing::warn!(file = %path.display(), "not an extension.json; /extension/update.xml will fail (run `lifeguard extension publish`)");
        return;
    };
    println!("Extension {id} version {version} is published here. ExtensionInstallForcelist entry:");
    if let Some(base) = &state.config.public_url {
        println!("  {id};{base}/extension/update.xml");
        return;
    }
    for addr in addrs {
        if addr.ip().is_unspecified() {
            // Every interface: the browsers need a name of this machine they can reach.
            println!("  {id};http://HOST:{}/extension/update.xml   (HOST: this machine's name or address as devices reach it)", addr.port());
        } else {
            println!("  {id};http://{addr}/extension/update.xml");
        }
    }
    println!("(set public_url, or LIFEGUARD_PUBLIC_URL, to the address devices reach, e.g. the city's TLS proxy's https:// address; until then /extension/update.xml answers 404)");
}

/// Runs `lifeguard serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let workers = config.workers;
    let state = state(config).await?;
    ensure_console_account(&state).await?;
    spawn_retention(&state);
    spawn_device_flush(&state);
    tracing::info!(%listen, database = state.store.kind(), data_dir = %state.config.data_dir.display(), "lifeguard serving");
    let app_state = state.clone();
    let mut server = HttpServer::new(move || App::new().configure(crate::api::configure(app_state.clone())))
        .bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?
        .shutdown_timeout(30);
    if let Some(n) = workers {
        server = server.workers(n);
    }
    announce_extension(&state, &server.addrs());
    server.run().await.context("server error")?;
    // The sightings since the last periodic flush would otherwise be lost with the process.
    if let Err(e) = state.devices.flush(&*state.store).await {
        tracing::error!(error = format!("{e:#}"), "cannot record when devices last synced");
    }
    tracing::info!("lifeguard stopped");
    Ok(())
}
