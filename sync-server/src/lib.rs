//! Lifeguard's sync server and operator command line (`lifeguard`).
//!
//! The server keeps the city's AI-use policy (APP 04.05) and what managed browsers report:
//!
//! - **Policy lifecycle** ([`lifecycle`]): a draft edited through the console API, validated
//!   by lifeguard-core on every edit, published as immutable numbered versions, each signed
//!   once as a JWS ([`bundle`]) with the Ed25519 key from [`keys`].
//! - **Sync** ([`api`]): devices fetch the signed bundle (`ETag`/304 from memory) and send
//!   report batches ([`reports`]), stored exactly once by client UUID; when each device last
//!   synced is kept in memory and flushed to the database in batches ([`devices`]).
//! - **People** ([`tokens`], [`auth`]): device tokens and console sessions are JWTs with a role;
//!   what each role may do is one table ([`access`]); [`approvals`] are staff's requests to use a tool; every change lands in the audit log.
//! - **Storage** ([`store`]): a [`store::Store`] trait with SQLite and PostgreSQL
//!   implementations running the same SQL; several replicas can share one PostgreSQL.
//!
//! Dependencies point one way: [`api`] handlers → domain modules → [`store`].

#![deny(missing_docs)]

pub mod access;
pub mod api;
pub mod approvals;
pub mod auth;
pub mod bundle;
pub mod cli;
pub mod client;
pub mod config;
pub mod crx;
pub mod devices;
pub mod error;
pub mod incidents;
pub mod keys;
pub mod lifecycle;
pub mod metrics;
pub mod privacy;
pub mod ratelimit;
pub mod reports;
pub mod revocations;
pub mod server;
pub mod state;
pub mod store;
pub mod tokens;
