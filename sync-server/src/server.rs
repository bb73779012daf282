//! Starting the server: open the database, load or create the keys, publish the default
//! policy on first start, then serve until SIGINT/SIGTERM (actix-web drains open requests
//! before it exits).

use std::sync::Arc;

use actix_web::{App, HttpServer};
use anyhow::Context;

use crate::auth::Tokens;
use crate::bundle::BundleCache;
use crate::config::Config;
use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::state::AppState;

/// Builds the shared state: database (migrated), keys, first policy version.
pub async fn state(config: Config) -> anyhow::Result<AppState> {
    let keys = Keys::load_or_create(&config.data_dir)?;
    let store = crate::store::open(&config.database_url).await.context("cannot open the database")?;
    let state = AppState {
        store,
        tokens: Tokens::new(keys.jwt_secret(), &config.token_issuer, &config.token_audience),
        keys: Arc::new(keys),
        bundles: Arc::new(BundleCache::new(config.policy_recheck_ms)),
        metrics: Arc::new(Metrics::default()),
        limiter: Arc::new(RateLimiter::new(config.rate_limit_per_minute)),
        login_limiter: Arc::new(RateLimiter::new(config.login_per_minute)),
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

/// Runs `lifeguard serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let workers = config.workers;
    let state = state(config).await?;
    spawn_retention(&state);
    tracing::info!(%listen, database = state.store.kind(), data_dir = %state.config.data_dir.display(), "lifeguard serving");
    let app_state = state.clone();
    let mut server = HttpServer::new(move || App::new().configure(crate::api::configure(app_state.clone())))
        .bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?
        .shutdown_timeout(30);
    if let Some(n) = workers {
        server = server.workers(n);
    }
    server.run().await.context("server error")?;
    tracing::info!("lifeguard stopped");
    Ok(())
}
