//! The schema, written once for both databases. Each migration in `migrations/` is one text;
//! where SQLite and PostgreSQL differ (integer widths, the audit log's identity column, a word
//! in a comment) it says both, `{{sqlite|postgres}}`, and [`render`] picks one. Every query in
//! `sql.rs` runs unchanged on either.
//!
//! The migrations shipped while the schema was kept as two copies (1 to 5) render to exactly
//! the text each database recorded when it applied them: sqlx refuses to start on a database
//! whose applied migration's checksum changed, and a test below holds the old checksums. So
//! they keep every byte, their comments about the two copies included; migrations from 6 on
//! say only what differs.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// The database a text is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: the embedded database.
    Sqlite,
    /// PostgreSQL: several replicas share it.
    Postgres,
}

/// Every migration: version, description, text (with both dialects).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/0001_initial.sql")),
    (2, "devices", include_str!("../../migrations/0002_devices.sql")),
    (3, "network_guard", include_str!("../../migrations/0003_network_guard.sql")),
    (4, "sessions", include_str!("../../migrations/0004_sessions.sql")),
    (5, "revoked_tokens", include_str!("../../migrations/0005_revoked_tokens.sql")),
    (6, "report_fields", include_str!("../../migrations/0006_report_fields.sql")),
];

/// A migration's text for one database: each `{{sqlite|postgres}}` becomes its side.
pub fn render(text: &str, dialect: Dialect) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let pair = match (after.find('|'), after.find("}}")) {
            (Some(bar), Some(end)) if bar < end => Some((bar, end)),
            _ => None,
        };
        let Some((bar, end)) = pair else {
            // Not a pair: kept as written (no migration has one; the test below checks).
            out.push_str("{{");
            rest = after;
            continue;
        };
        out.push_str(match dialect {
            Dialect::Sqlite => &after[..bar],
            Dialect::Postgres => &after[bar + 1..end],
        });
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The migrator for one database. sqlx's `migrate!` macro would embed files too, but needs
/// its `macros` feature (a second build of the drivers) and one folder per database.
pub fn migrator(dialect: Dialect) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|&(version, description, text)| Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, Cow::Owned(render(text, dialect)), false))
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-384 of each migration as SQLite and PostgreSQL databases applied it when the
    /// schema was two copies: a database made then must start on this build.
    const SHIPPED: [(i64, &str, &str); 5] = [
        (1, "b1dc44b6a11af243fc11edabf622b836c5f462c74b3e78afc2f6a90cbfb8ba51ceb698e951d26d62ffa455474451a5f4", "3dd3b4e46a2a1f275de8779066baedc26b348ff70a59e7f04c784d3ace517d33062b44fbc5e1b35b82b6025c47d96286"),
        (2, "a32fe853b3ce2bbf3d272391455be687a81302a866753b564e5aedebbb9cc5e3f010f65d4680c279912491578189afc9", "70aad8f15688dfd60d7c25deedd0dfcd3b7895badfea96d2a9098c17fafa3881e2661ad5cb0806f8dceade3e771ef50b"),
        (3, "b2f41cead802c77b9c42dd4ca31b174b9518cb6280886a7e2d1cbf9119da950618034c59c7dc276f837eb16f7cea6554", "c1ebed47769c10fe61fae1cafc3a80f51808479568d47866588a5b59f9598548a02cd9d54e471792e79aa5330382f4bc"),
        (4, "e1b3d78a63937b54652c0f507e802960e27c81f7383bd86ebb1fbd2e529c9ba9e8f0e0806e9f0d0a87fb1c019f42589b", "dff82d030ab49ecca01a3a81eeb4ebe95848da3962b0492c2c019b01a29af4e622cbb55cb52cc31e07ea5017308e7fa2"),
        (5, "9c73b43421fa7f1efad4816b578ab3890f613724118903c98814e557c2115c7efee5234d8102348861b3626c74d3c502", "eba93511f04a69792609a389033e1d7a61fa1f15db5b1d23fb20a370003c3733f3430c598728bfdb926e7462ce8686fb"),
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn shipped_migrations_render_to_what_databases_applied() {
        let (sqlite, postgres) = (migrator(Dialect::Sqlite), migrator(Dialect::Postgres));
        for (version, s, p) in SHIPPED {
            let of = |m: &Migrator| m.iter().find(|m| m.version == version).map(|m| hex(&m.checksum)).expect("a migration of this version");
            assert_eq!(of(&sqlite), s, "SQLite migration {version} changed");
            assert_eq!(of(&postgres), p, "PostgreSQL migration {version} changed");
        }
    }

    #[test]
    fn each_dialect_gets_its_side_and_nothing_is_left_over() {
        assert_eq!(render("a {{INTEGER|BIGINT}} b", Dialect::Sqlite), "a INTEGER b");
        assert_eq!(render("a {{INTEGER|BIGINT}} b", Dialect::Postgres), "a BIGINT b");
        assert_eq!(render("{{x}} {{a|b}}", Dialect::Postgres), "{{x}} b");
        for (_, _, text) in MIGRATIONS {
            for d in [Dialect::Sqlite, Dialect::Postgres] {
                let sql = render(text, d);
                assert!(!sql.contains("{{") && !sql.contains("}}"), "{sql}");
            }
        }
        // The widths are the point: SQLite's INTEGER is 64-bit already, PostgreSQL's is not.
        assert!(!render(MIGRATIONS[0].2, Dialect::Postgres).contains(" INTEGER"));
    }
}
