//! The server's secrets: the Ed25519 key that signs policy bundles and the HMAC secret that
//! signs JWTs.
//!
//! Both live in the data folder as files only their owner can read (mode 0600), created on
//! first use. Replicas that share a database must share these files too (same folder, or a
//! copy): a device token issued by one must verify on the other, and extensions pin the
//! policy key.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

const SIGNING_KEY_FILE: &str = "policy-signing-key.pem";
const JWT_SECRET_FILE: &str = "jwt-secret";

/// The server's key material.
pub struct Keys {
    signing: SigningKey,
    jwt_secret: Vec<u8>,
    kid: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets, even in debug output.
        f.debug_struct("Keys").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl Keys {
    /// Loads the keys from `dir`, creating the folder and any missing key.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Keys> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create data folder {}", dir.display()))?;
        // The folder also holds the SQLite database (reports name staff): owner only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let key_path = dir.join(SIGNING_KEY_FILE);
        let pem = read_or_create(&key_path, || {
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let key = SigningKey::from_bytes(&seed);
            Ok(key.to_pkcs8_pem(Default::default()).context("cannot encode the signing key")?.as_bytes().to_vec())
        })?;
        let pem = std::str::from_utf8(&pem).context("the signing key file is not text")?;
        let signing = SigningKey::from_pkcs8_pem(pem).with_context(|| format!("{} is not an Ed25519 PKCS#8 key", key_path.display()))?;
        let secret_path = dir.join(JWT_SECRET_FILE);
        let secret = read_or_create(&secret_path, || {
            let mut secret = [0u8; 64];
            rand::rngs::OsRng.fill_bytes(&mut secret);
            Ok(B64.encode(secret).into_bytes())
        })?;
        let jwt_secret = B64
            .decode(String::from_utf8_lossy(&secret).trim())
            .with_context(|| format!("{} is not base64url", secret_path.display()))?;
        if jwt_secret.len() < 32 {
            bail!("{} holds fewer than 32 bytes; delete it to make a new one", secret_path.display());
        }
        let kid = kid_of(&signing.verifying_key());
        Ok(Keys { signing, jwt_secret, kid })
    }

    /// The public half of the policy key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The key id put in bundle headers: the first 16 characters of the base64url SHA-256 of
    /// the raw public key, so a key change is visible in every bundle.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The raw 32-byte public key, base64url without padding (what `policyPublicKey` takes).
    pub fn public_key_b64(&self) -> String {
        B64.encode(self.verifying_key().as_bytes())
    }

    /// The public key as a PEM SubjectPublicKeyInfo.
    pub fn public_key_pem(&self) -> anyhow::Result<String> {
        self.verifying_key().to_public_key_pem(Default::default()).context("cannot encode the public key")
    }

    /// The public key as a JWK (RFC 8037).
    pub fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid, "x": self.public_key_b64()})
    }

    /// Signs bytes with the policy key.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The JWT HMAC secret.
    pub fn jwt_secret(&self) -> &[u8] {
        &self.jwt_secret
    }

    /// Where the key files are, for messages to the operator.
    pub fn files(dir: &Path) -> [PathBuf; 2] {
        [dir.join(SIGNING_KEY_FILE), dir.join(JWT_SECRET_FILE)]
    }
}

fn kid_of(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    B64.encode(digest)[..16].to_owned()
}

/// Reads a secret file, or creates it with mode 0600. `create_new` makes two processes that
/// start at once agree: the loser of the race reads the winner's key.
pub(crate) fn read_or_create(path: &Path, make: impl FnOnce() -> anyhow::Result<Vec<u8>>) -> anyhow::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) if !bytes.is_empty() => return Ok(bytes),
        Ok(_) => bail!("{} is empty; delete it to make a new key", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let bytes = make()?;
    // Written to a temporary file first so a crash never leaves a half-written key.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    // hard_link fails if the target exists: the first process to get here wins.
    match std::fs::hard_link(&tmp, path) {
        Ok(()) => {
            let _ = std::fs::remove_file(&tmp);
            tracing::info!(file = %path.display(), "created a new key");
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e).with_context(|| format!("cannot create {}", path.display()))
        }
    }
}
