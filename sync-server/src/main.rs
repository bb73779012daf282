//! `lifeguard`: the operator's command line and (with `serve`) the sync server.
//!
//! `check` and `scan` answer "what would the policy do" for a URL or a text, with the same
//! engine the extension runs; their JSON output is an interface tests and scripts rely on
//! (see DESIGN.md, "Command line"). Everything else is in the library, [`lifeguard_server`].

use std::process::ExitCode;

use clap::Parser;
use lifeguard_server::cli;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lifeguard: {e:#}");
            ExitCode::FAILURE
        }
    }
}
