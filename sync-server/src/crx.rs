//! Packing the browser extension as a CRX3 file, and verifying one, without a browser.
//!
//! A CRX3 file is `"Cr24"`, the format version (3), the length of a protobuf header, the
//! header, then the extension as a ZIP archive. The header (`CrxFileHeader` in Chromium's
//! `components/crx_file/crx3.proto`) holds one RSA-SHA256 proof per signing key and
//! `signed_header_data`, a `SignedData` message naming the CRX id: the first 16 bytes of
//! SHA-256 of the signing key's SubjectPublicKeyInfo. Each proof signs
//! `"CRX3 SignedData\0"`, the little-endian length of `signed_header_data`, the
//! `signed_header_data` itself and the archive. The extension id Chrome shows is the CRX id
//! in hex with the digits 0-f written as the letters a-p.
//!
//! The signing key is the city's own (RSA, PKCS#8 PEM) and fixes the extension id, which
//! `ExtensionInstallForcelist` and managed storage name: [`ExtensionKey::load_or_create`]
//! makes it once and never overwrites it.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use prost::Message;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 4] = b"Cr24";
const FORMAT_VERSION: u32 = 3;
const SIGNED_DATA_PREFIX: &[u8] = b"CRX3 SignedData\0";
/// Chromium refuses headers above this size; so does [`verify`].
const MAX_HEADER: usize = 1 << 18;
/// The largest `manifest.json` read out of an archive.
const MAX_MANIFEST: u64 = 1 << 20;
/// The largest extension folder packed or CRX verified (the built extension is about 1 MB).
pub const MAX_CRX_BYTES: u64 = 64 * 1024 * 1024;
/// RSA modulus size of a new signing key (what Chromium's packer makes).
const KEY_BITS: usize = 2048;

/// `CrxFileHeader` of crx3.proto (proto2; the ECDSA proofs are read and ignored).
#[derive(Clone, PartialEq, Message)]
struct CrxFileHeader {
    #[prost(message, repeated, tag = "2")]
    sha256_with_rsa: Vec<AsymmetricKeyProof>,
    #[prost(message, repeated, tag = "3")]
    sha256_with_ecdsa: Vec<AsymmetricKeyProof>,
    #[prost(bytes = "vec", optional, tag = "10000")]
    signed_header_data: Option<Vec<u8>>,
}

/// `AsymmetricKeyProof`: a SubjectPublicKeyInfo and its signature over the signed data.
#[derive(Clone, PartialEq, Message)]
struct AsymmetricKeyProof {
    #[prost(bytes = "vec", optional, tag = "1")]
    public_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    signature: Option<Vec<u8>>,
}

/// `SignedData`: what the proofs sign besides the archive.
#[derive(Clone, PartialEq, Message)]
struct SignedData {
    #[prost(bytes = "vec", optional, tag = "1")]
    crx_id: Option<Vec<u8>>,
}

/// The extension signing key.
pub struct ExtensionKey {
    key: RsaPrivateKey,
    public_der: Vec<u8>,
}

impl ExtensionKey {
    /// Reads a PKCS#8 PEM RSA key (what `openssl genpkey` and this module write).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read(path).with_context(|| format!("cannot read the extension key {}", path.display()))?;
        Self::parse(path, &pem)
    }

    fn parse(path: &Path, pem: &[u8]) -> anyhow::Result<Self> {
        let not_a_key = || format!("{} is not an RSA private key in PKCS#8 PEM (\"BEGIN PRIVATE KEY\")", path.display());
        let pem = std::str::from_utf8(pem).with_context(not_a_key)?;
        Self::from_key(RsaPrivateKey::from_pkcs8_pem(pem).with_context(not_a_key)?)
    }

    /// Reads the key, or makes a new one there (mode 0600) if the file does not exist, as the
    /// server's own keys are made ([`crate::keys::read_or_create`]: never half-written, and
    /// two builds racing agree on the winner's key). Returns the key and whether this call
    /// made it.
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Self, bool)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut made = None;
        let pem = crate::keys::read_or_create(path, || {
            let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS).context("cannot generate an RSA key")?;
            let pem = key.to_pkcs8_pem(LineEnding::LF).context("cannot encode the extension key")?.as_bytes().to_vec();
            made = Some(pem.clone());
            Ok(pem)
        })?;
        let created = made.as_deref() == Some(pem.as_slice());
        Ok((Self::parse(path, &pem)?, created))
    }

    fn from_key(key: RsaPrivateKey) -> anyhow::Result<Self> {
        let public_der = key.to_public_key().to_public_key_der().context("cannot encode the public key")?.as_bytes().to_vec();
        Ok(Self { key, public_der })
    }

    /// The public key as the manifest's `"key"`: SubjectPublicKeyInfo DER, base64.
    pub fn manifest_key(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.public_der)
    }

    /// The extension id this key gives.
    pub fn extension_id(&self) -> String {
        extension_id(&crx_id(&self.public_der))
    }
}

/// The first 16 bytes of SHA-256 of a SubjectPublicKeyInfo.
fn crx_id(public_der: &[u8]) -> [u8; 16] {
    let digest = Sha256::digest(public_der);
    let mut id = [0; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// A CRX id as Chrome writes it: each hex digit 0-f as a letter a-p.
fn extension_id(crx_id: &[u8]) -> String {
    crx_id.iter().flat_map(|b| [b >> 4, b & 0xf]).map(|n| char::from(b'a' + n)).collect()
}

/// What a packed or verified CRX is: also `<data-dir>/extension/extension.json`, which
/// `lifeguard extension publish` writes and `lifeguard serve` reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CrxInfo {
    /// The extension id (32 letters a-p).
    pub id: String,
    /// `version` of the archive's manifest.json.
    pub version: String,
}

/// Packs the extension folder `dir` and signs it: returns the CRX bytes.
///
/// The archive is reproducible (entries sorted, fixed times and modes), so packing the same
/// folder with the same key twice gives the same file. A manifest that carries a `"key"`
/// must carry this key's, or the unpacked build and the CRX would have different ids.
pub fn pack(dir: &Path, key: &ExtensionKey) -> anyhow::Result<(Vec<u8>, CrxInfo)> {
    let archive = zip_folder(dir)?;
    let manifest = manifest_of(&archive).with_context(|| format!("{} is not an extension folder", dir.display()))?;
    if let Some(k) = manifest.get("key") {
        ensure!(
            k.as_str() == Some(key.manifest_key().as_str()),
            "{}/manifest.json has a \"key\" that is not the signing key's public key (id {}): the extension would change id",
            dir.display(),
            key.extension_id()
        );
    }
    let version = manifest_version(&manifest)?;

    let id = crx_id(&key.public_der);
    let signed_header_data = SignedData { crx_id: Some(id.to_vec()) }.encode_to_vec();
    let signer = SigningKey::<Sha256>::new(key.key.clone());
    let signature = signer.sign(&signed_message(&signed_header_data, &archive)).to_vec();
    let header = CrxFileHeader {
        sha256_with_rsa: vec![AsymmetricKeyProof { public_key: Some(key.public_der.clone()), signature: Some(signature) }],
        sha256_with_ecdsa: Vec::new(),
        signed_header_data: Some(signed_header_data),
    }
    .encode_to_vec();

    let mut crx = Vec::with_capacity(12 + header.len() + archive.len());
    crx.extend_from_slice(MAGIC);
    crx.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    crx.extend_from_slice(&u32::try_from(header.len())?.to_le_bytes());
    crx.extend_from_slice(&header);
    crx.extend_from_slice(&archive);
    Ok((crx, CrxInfo { id: extension_id(&id), version }))
}

/// Checks a CRX3 file as Chromium does before installing it: the format, every RSA proof's
/// signature, and a proof by the key the CRX id names. Returns the id and the version.
pub fn verify(crx: &[u8]) -> anyhow::Result<CrxInfo> {
    ensure!(crx.len() >= 12 && &crx[..4] == MAGIC, "not a CRX file (it does not start with \"Cr24\")");
    let format = u32::from_le_bytes(crx[4..8].try_into()?);
    ensure!(format == FORMAT_VERSION, "CRX format version {format}; only CRX3 is accepted");
    let header_len = u32::from_le_bytes(crx[8..12].try_into()?) as usize;
    ensure!(header_len <= MAX_HEADER && 12 + header_len <= crx.len(), "the CRX header length ({header_len} bytes) is out of range");
    let header = CrxFileHeader::decode(&crx[12..12 + header_len]).context("the CRX header is not a valid CrxFileHeader")?;
    let archive = &crx[12 + header_len..];
    let Some(signed_header_data) = header.signed_header_data.as_deref() else { bail!("the CRX header has no signed_header_data") };
    let signed = SignedData::decode(signed_header_data).context("signed_header_data is not a valid SignedData")?;
    let Some(id) = signed.crx_id.filter(|id| id.len() == 16) else { bail!("signed_header_data has no 16-byte crx_id") };
    ensure!(!header.sha256_with_rsa.is_empty(), "the CRX has no RSA-SHA256 proof");

    let message = signed_message(signed_header_data, archive);
    let mut by_id_key = false;
    for (i, proof) in header.sha256_with_rsa.iter().enumerate() {
        let (Some(der), Some(sig)) = (proof.public_key.as_deref(), proof.signature.as_deref()) else { bail!("RSA proof {i} lacks a key or a signature") };
        let public = RsaPublicKey::from_public_key_der(der).with_context(|| format!("RSA proof {i}: not an RSA SubjectPublicKeyInfo"))?;
        let sig = Signature::try_from(sig).with_context(|| format!("RSA proof {i}: malformed signature"))?;
        VerifyingKey::<Sha256>::new(public).verify(&message, &sig).map_err(|_| anyhow::anyhow!("RSA proof {i}: the signature does not match the contents"))?;
        by_id_key |= crx_id(der)[..] == id[..];
    }
    ensure!(by_id_key, "no proof is signed by the key the CRX id {} names", extension_id(&id));
    let manifest = manifest_of(archive)?;
    Ok(CrxInfo { id: extension_id(&id), version: manifest_version(&manifest)? })
}

/// Writes a file whole or not at all (a temporary file beside it, then a rename), readable
/// by all: a server reading it meanwhile sees the old file or the new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn signed_message(signed_header_data: &[u8], archive: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNED_DATA_PREFIX.len() + 4 + signed_header_data.len() + archive.len());
    m.extend_from_slice(SIGNED_DATA_PREFIX);
    m.extend_from_slice(&(signed_header_data.len() as u32).to_le_bytes());
    m.extend_from_slice(signed_header_data);
    m.extend_from_slice(archive);
    m
}

/// Every regular file under `dir`, sorted by path, as a deflated ZIP archive.
fn zip_folder(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut total = 0u64;
    for (name, path) in files {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        total += bytes.len() as u64;
        ensure!(total <= MAX_CRX_BYTES, "{} holds more than {} MiB", dir.display(), MAX_CRX_BYTES >> 20);
        zip.start_file(name, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read the folder {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() {
            let rel = path.strip_prefix(root)?;
            let name = rel.to_str().with_context(|| format!("{} is not a UTF-8 file name", rel.display()))?.replace('\\', "/");
            out.push((name, path));
        } else {
            // A symlink could pull files from outside the folder into a signed package.
            bail!("{} is neither a file nor a folder (symlinks are not packed)", path.display());
        }
    }
    Ok(())
}

fn manifest_of(archive: &[u8]) -> anyhow::Result<serde_json::Value> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).context("the CRX archive is not a valid ZIP file")?;
    let entry = zip.by_name("manifest.json").context("the archive has no manifest.json")?;
    let mut text = String::new();
    entry.take(MAX_MANIFEST).read_to_string(&mut text).context("manifest.json is not UTF-8 text")?;
    serde_json::from_str(&text).context("manifest.json is not valid JSON")
}

fn manifest_version(manifest: &serde_json::Value) -> anyhow::Result<String> {
    let Some(v) = manifest.get("version").and_then(|v| v.as_str()) else { bail!("manifest.json has no \"version\"") };
    let parts: Vec<_> = v.split('.').collect();
    ensure!(
        (1..=4).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535)),
        "manifest.json's version {v:?} is not 1 to 4 dot-separated integers 0-65535"
    );
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_id_writes_hex_digits_as_letters_a_to_p() {
        assert_eq!(extension_id(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]), "abcdefghijklmnop");
    }

    #[test]
    fn manifest_versions_follow_chrome_rules() {
        for ok in ["1", "1.0", "1.2.3.4", "65535.0"] {
            assert!(manifest_version(&serde_json::json!({ "version": ok })).is_ok(), "{ok}");
        }
        for bad in ["", "1.", ".1", "1.2.3.4.5", "65536", "1.a", "-1", "1 .2"] {
            assert!(manifest_version(&serde_json::json!({ "version": bad })).is_err(), "{bad}");
        }
    }
}
