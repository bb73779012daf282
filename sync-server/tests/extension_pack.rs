//! `lifeguard extension key | pack | verify | publish` against the real binary: the signing
//! key is made once and kept, the CRX3 is signed, reproducible and refused when tampered
//! with, and a published CRX is what `lifeguard serve` hosts and announces. (That Chromium
//! force-installs the packed CRX is tests/e2e/force-install.test.js.)

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn lifeguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(args)
        .env_remove("LIFEGUARD_EXTENSION_KEY")
        .env_remove("LIFEGUARD_DATA_DIR")
        .env_remove("LIFEGUARD_CONFIG")
        .env_remove("LIFEGUARD_LISTEN")
        .stdin(Stdio::null())
        .output()
        .expect("run lifeguard")
}

fn ok(out: &Output) -> Value {
    assert!(out.status.success(), "lifeguard failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "lifeguard should have failed; stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty(), "nothing on stdout when it fails");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// An extension folder whose manifest carries `public_key` (or none) as its "key".
fn extension_folder(root: &Path, public_key: Option<&str>) -> PathBuf {
    let dir = root.join("ext");
    std::fs::create_dir_all(dir.join("pages")).expect("mkdir");
    let mut manifest = json!({"manifest_version": 3, "name": "Lifeguard test", "version": "1.2.3"});
    if let Some(k) = public_key {
        manifest["key"] = k.into();
    }
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("write");
    std::fs::write(dir.join("background.js"), "console.log('hello');\n".repeat(200)).expect("write");
    std::fs::write(dir.join("pages/block.html"), "<!doctype html><p>Blocked</p>\n").expect("write");
    dir
}

/// The CRX3 container: magic, version, header length, header, ZIP archive.
fn split(crx: &[u8]) -> (&[u8], &[u8]) {
    assert_eq!(&crx[..4], b"Cr24");
    assert_eq!(u32::from_le_bytes(crx[4..8].try_into().expect("4 bytes")), 3, "CRX format 3");
    let n = u32::from_le_bytes(crx[8..12].try_into().expect("4 bytes")) as usize;
    (&crx[12..12 + n], &crx[12 + n..])
}

/// A new key, an extension folder whose manifest carries it, and where its CRX goes.
struct Packing {
    tmp: tempfile::TempDir,
    key: PathBuf,
    info: Value,
    dir: PathBuf,
    crx: PathBuf,
}

fn packing() -> Packing {
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = tmp.path().join("k.pem");
    let info = ok(&lifeguard(&["extension", "key", "--key", s(&key)]));
    let dir = extension_folder(tmp.path(), info["public_key"].as_str());
    let crx = tmp.path().join("out.crx");
    Packing { tmp, key, info, dir, crx }
}

#[test]
fn the_key_is_made_once_with_private_permissions_and_fixes_the_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = tmp.path().join("keys/extension-key.pem");
    let first = ok(&lifeguard(&["extension", "key", "--key", s(&key)]));
    assert_eq!(first["created"], true);
    let id = first["id"].as_str().expect("id");
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| (b'a'..=b'p').contains(&b)), "{id}");
    assert!(std::fs::read_to_string(&key).expect("key file").starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).expect("stat").permissions().mode() & 0o777, 0o600);
    }
    let again = ok(&lifeguard(&["extension", "key", "--key", s(&key)]));
    assert_eq!(again["created"], false);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["public_key"], first["public_key"]);

    std::fs::write(tmp.path().join("bad.pem"), "not a key").expect("write");
    let err = refused(&lifeguard(&["extension", "key", "--key", s(&tmp.path().join("bad.pem"))]));
    assert!(err.contains("not an RSA private key in PKCS#8 PEM"), "{err}");
}

#[test]
fn a_packed_crx_verifies_is_reproducible_and_holds_the_folder() {
    let Packing { tmp, key, info, dir, crx } = packing();

    let packed = ok(&lifeguard(&["extension", "pack", "--key", s(&key), "--out", s(&crx), s(&dir)]));
    assert_eq!(packed["id"], info["id"]);
    assert_eq!(packed["version"], "1.2.3");
    let bytes = std::fs::read(&crx).expect("crx");
    assert_eq!(packed["bytes"], bytes.len());

    let verified = ok(&lifeguard(&["extension", "verify", s(&crx)]));
    assert_eq!(verified, json!({"id": info["id"], "version": "1.2.3"}));

    // The same folder and key give the same bytes (RSASSA-PKCS1-v1_5 is deterministic).
    let again = tmp.path().join("again.crx");
    ok(&lifeguard(&["extension", "pack", "--key", s(&key), "--out", s(&again), s(&dir)]));
    assert_eq!(std::fs::read(&again).expect("crx"), bytes);

    // The archive after the header is a ZIP of exactly the folder's files.
    let (header, archive) = split(&bytes);
    assert!(!header.is_empty());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).expect("a ZIP archive");
    let mut names: Vec<_> = zip.file_names().map(|n| n.expect("entry name").into_owned()).collect();
    names.sort();
    assert_eq!(names, ["background.js", "manifest.json", "pages/block.html"]);
    let mut page = String::new();
    zip.by_name("pages/block.html").expect("entry").read_to_string(&mut page).expect("read");
    assert_eq!(page, "<!doctype html><p>Blocked</p>\n");
}

#[test]
fn a_tampered_or_foreign_crx_is_refused() {
    let Packing { tmp, key, info: _, dir, crx } = packing();
    ok(&lifeguard(&["extension", "pack", "--key", s(&key), "--out", s(&crx), s(&dir)]));
    let good = std::fs::read(&crx).expect("crx");
    let header_len = good.len() - split(&good).1.len();

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a byte of the archive changed", { let mut b = good.clone(); let i = b.len() - 30; b[i] ^= 1; b }, "signature does not match"),
        ("a byte of the signature changed", { let mut b = good.clone(); b[header_len - 40] ^= 1; b }, "signature does not match"),
        ("truncated", good[..good.len() / 2].to_vec(), "cannot be installed"),
        ("not a CRX", b"PK\x03\x04 a zip file".to_vec(), "does not start with \"Cr24\""),
        ("CRX2", { let mut b = good.clone(); b[4] = 2; b }, "only CRX3"),
        ("a header length past the end", { let mut b = good.clone(); b[8..12].copy_from_slice(&u32::MAX.to_le_bytes()); b }, "out of range"),
        ("empty", Vec::new(), "not a CRX file"),
    ];
    for (what, bytes, expect) in cases {
        let path = tmp.path().join("bad.crx");
        std::fs::write(&path, &bytes).expect("write");
        let err = refused(&lifeguard(&["extension", "verify", s(&path)]));
        assert!(err.contains(expect), "{what}: {err}");
        let data = tmp.path().join("data");
        let err = refused(&lifeguard(&["extension", "publish", "--data-dir", s(&data), s(&path)]));
        assert!(err.contains(expect), "{what}: {err}");
        assert!(!data.join("extension/lifeguard.crx").exists(), "{what}: nothing published");
    }

    // A manifest "key" of another key would give the unpacked build another id.
    let other = tmp.path().join("other.pem");
    ok(&lifeguard(&["extension", "key", "--key", s(&other)]));
    let err = refused(&lifeguard(&["extension", "pack", "--key", s(&other), "--out", s(&tmp.path().join("x.crx")), s(&dir)]));
    assert!(err.contains("not the signing key's public key"), "{err}");
    // No key: pack says how to make one, and makes none.
    let missing = tmp.path().join("missing.pem");
    let err = refused(&lifeguard(&["extension", "pack", "--key", s(&missing), "--out", s(&tmp.path().join("x.crx")), s(&dir)]));
    assert!(err.contains("lifeguard extension key"), "{err}");
    assert!(!missing.exists());
    // A folder without a manifest.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let err = refused(&lifeguard(&["extension", "pack", "--key", s(&key), "--out", s(&tmp.path().join("x.crx")), s(&empty)]));
    assert!(err.contains("no manifest.json"), "{err}");
}

#[test]
fn a_published_crx_is_hosted_and_announced_by_serve() {
    let Packing { tmp, key, info, dir, crx } = packing();
    ok(&lifeguard(&["extension", "pack", "--key", s(&key), "--out", s(&crx), s(&dir)]));
    let data = tmp.path().join("data");
    let published = ok(&lifeguard(&["extension", "publish", "--data-dir", s(&data), s(&crx)]));
    assert_eq!(published, json!({"id": info["id"], "version": "1.2.3"}));
    assert_eq!(std::fs::read(data.join("extension/lifeguard.crx")).expect("published crx"), std::fs::read(&crx).expect("crx"));

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(["serve", "--data-dir", s(&data), "--listen", &listen])
        .env_remove("LIFEGUARD_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let want = format!("{};http://{listen}/extension/update.xml", info["id"].as_str().expect("id"));
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut announced = false;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
        if line.trim() == want {
            announced = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(announced, "serve prints the ExtensionInstallForcelist entry {want}");
}
