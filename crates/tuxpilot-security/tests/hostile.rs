//! Hostile image archives: corrupt and truncated tars, absolute and `../` paths, symlink
//! loops, a multi-gigabyte sparse file, whiteouts and opaque directories. The scanner must give
//! a clear error or skip, never panic, never write to disk, and keep memory bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use tuxpilot_security::layers::{ArchiveError, Limits, clean_path, scan_archive};

fn header(path: &str, size: u64, kind: tar::EntryType, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    // Raw name bytes: set_path refuses `..` and absolute paths, which is what we test.
    let name = &mut h.as_old_mut().name;
    name[..path.len()].copy_from_slice(path.as_bytes());
    h.set_cksum();
    h
}

fn layer(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, body) in entries {
        let h = header(path, body.len() as u64, tar::EntryType::Regular, 0o644);
        b.append(&h, body.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

fn image(layers: &[Vec<u8>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let names: Vec<String> = (0..layers.len()).map(|i| format!("l{i}/layer.tar")).collect();
    for (name, l) in names.iter().zip(layers) {
        let mut h = tar::Header::new_gnu();
        h.set_size(l.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, l.as_slice()).unwrap();
    }
    let manifest =
        serde_json::to_vec(&serde_json::json!([{"Config": "c.json", "RepoTags": ["x:1"], "Layers": names}])).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "manifest.json", manifest.as_slice()).unwrap();
    b.into_inner().unwrap()
}

const KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1Zx9Kq3vW8mT4rY2uP0oL6iN3bH7gF5dS1aZ9xC4vB8nM2kJ0\n-----END RSA PRIVATE KEY-----\n";

#[test]
fn corrupt_and_truncated_archives_are_clear_errors() {
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let err = scan_archive(Cursor::new(garbage), Limits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. } | ArchiveError::NoManifest), "{err}");

    let good = image(&[layer(&[("etc/os-release", "ID=debian\nVERSION_ID=12\n")])]);
    for cut in [100, 700, good.len() / 2, good.len() - 1100] {
        let r = scan_archive(Cursor::new(&good[..cut]), Limits::default());
        let err = r.expect_err("a truncated archive must not scan");
        let text = err.to_string();
        assert!(text.contains("image archive") || text.contains("manifest"), "{text}");
    }

    // A layer that is not a tar at all inside a valid archive.
    let bad_layer = {
        let mut l = layer(&[("a", "b")]);
        l[148..156].copy_from_slice(b"garbage!"); // breaks the header checksum
        l
    };
    let err = scan_archive(Cursor::new(image(&[bad_layer])), Limits::default()).unwrap_err();
    assert!(err.to_string().contains("l0/layer.tar"), "names the layer: {err}");
}

#[test]
fn escaping_paths_are_skipped_and_never_read() {
    let l = layer(&[
        ("/etc/os-release", "ID=alpine\nVERSION_ID=3.19.0\n"),
        ("../../root/.ssh/id_rsa", KEY),
        ("ok/../../x", KEY),
    ]);
    let c = scan_archive(Cursor::new(image(&[l])), Limits::default()).unwrap();
    // An absolute path is made relative (it is inside the image); `..` is refused.
    assert_eq!(c.os.as_ref().map(|o| o.id.as_str()), Some("alpine"));
    assert!(c.secrets.is_empty(), "{:?}", c.secrets);
    assert_eq!(c.skipped.iter().filter(|s| s.contains("unsafe path")).count(), 2, "{:?}", c.skipped);
    assert_eq!(clean_path("/a/./b//c"), Some("a/b/c".into()));
    assert_eq!(clean_path("a/../../b"), None);
}

#[test]
fn symlink_loops_are_not_followed() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, target) in
        [("loop/a", "b"), ("loop/b", "a"), ("etc/os-release", "../etc/os-release"), ("secret", "/etc/shadow")]
    {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        h.set_path(name).unwrap();
        h.set_link_name(target).unwrap();
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
    }
    let c = scan_archive(Cursor::new(image(&[b.into_inner().unwrap()])), Limits::default()).unwrap();
    assert!(c.os.is_none() && c.secrets.is_empty() && c.packages.is_empty());
}

#[test]
fn whiteouts_and_opaque_dirs_hide_lower_layers() {
    let base = layer(&[
        ("app/secret.pem", KEY),
        ("app/keep.pem", KEY),
        ("data/old/key.pem", KEY),
        ("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n"),
    ]);
    let top = layer(&[
        ("app/.wh.secret.pem", ""),
        ("data/.wh..wh..opq", ""),
        ("data/new.txt", "nothing"),
        ("var/lib/dpkg/status", "Package: b\nStatus: install ok installed\nVersion: 2\n"),
    ]);
    let c = scan_archive(Cursor::new(image(&[base, top])), Limits::default()).unwrap();
    let paths: Vec<&str> = c.secrets.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["app/keep.pem"], "deleted and opaque-hidden files are gone");
    assert_eq!(c.packages.len(), 1, "the upper layer's package database replaces the lower one");
    assert_eq!(c.packages[0].name, "b");
    assert_eq!(c.layers.len(), 2);
    assert!(c.secrets[0].layer.starts_with("sha256:"));
}

#[test]
fn a_huge_sparse_file_is_skipped_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("data")).unwrap();
    let f = std::fs::File::create(root.join("data/disk.img")).unwrap();
    f.set_len(4 << 30).unwrap(); // 4 GiB of holes
    std::fs::write(root.join("data/creds.env"), "AWS_ACCESS_KEY_ID=AKIAZ7QWERTYUIOPLKJH\n").unwrap();
    let layer_path = dir.path().join("layer.tar");
    let ok = std::process::Command::new("tar")
        .args(["--sparse", "-cf"])
        .arg(&layer_path)
        .arg("-C")
        .arg(&root)
        .arg("data")
        .status()
        .unwrap();
    assert!(ok.success());
    let layer_bytes = std::fs::read(&layer_path).unwrap();
    assert!(layer_bytes.len() < 1 << 20, "sparse tar stays small: {}", layer_bytes.len());
    let c = scan_archive(Cursor::new(image(&[layer_bytes])), Limits::default()).unwrap();
    assert_eq!(c.secrets.len(), 1, "the small file is still scanned");
    assert_eq!(c.secrets[0].path, "data/creds.env");
}

#[test]
fn distroless_status_d_and_alpine_databases_are_read() {
    // Distroless images keep one dpkg status file per package under status.d/.
    let distroless = layer(&[
        ("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Distroless\"\n"),
        (
            "var/lib/dpkg/status.d/libc6",
            "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\n",
        ),
        ("var/lib/dpkg/status.d/openssl", "Package: libssl3\nVersion: 3.0.11-1~deb12u1\nSource: openssl\n"),
    ]);
    let c = scan_archive(Cursor::new(image(&[distroless])), Limits::default()).unwrap();
    assert_eq!(c.os.as_ref().and_then(|o| o.ecosystem()).as_deref(), Some("Debian:12"));
    let names: Vec<(&str, &str)> = c.packages.iter().map(|p| (p.name.as_str(), p.source_name.as_str())).collect();
    assert_eq!(names, [("libc6", "glibc"), ("libssl3", "openssl")]);

    let alpine = layer(&[
        ("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
        (
            "lib/apk/db/installed",
            "P:musl\nV:1.2.4_git20230717-r4\no:musl\nL:MIT\n\nP:libcrypto3\nV:3.1.4-r1\no:openssl\n",
        ),
    ]);
    let c = scan_archive(Cursor::new(image(&[alpine])), Limits::default()).unwrap();
    assert_eq!(c.os.as_ref().and_then(|o| o.ecosystem()).as_deref(), Some("Alpine:v3.19"));
    assert_eq!(c.packages.len(), 2);
    let db = tuxpilot_security::VulnDb::open(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/osv"))
        .unwrap();
    let hits: Vec<String> =
        c.packages.iter().flat_map(|p| db.matches("Alpine:v3.19", p)).map(|m| m.record.id.clone()).collect();
    assert_eq!(hits, ["TEST-2026-0006"], "libcrypto3 3.1.4-r1 (origin openssl) < 3.1.4-r5");
}

#[test]
fn oci_layout_with_gzip_and_zstd_layers_and_config_blobs() {
    use std::io::Write;
    let base = layer(&[("etc/os-release", "ID=debian\nVERSION_ID=12\n"), ("app/key.pem", KEY)]);
    let top = layer(&[("app/.wh.key.pem", ""), ("srv/creds.env", "AWS_ACCESS_KEY_ID=AKIAZ7QWERTYUIOPLKJH\n")]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&base).unwrap();
    let gz = gz.finish().unwrap();
    let zst = ruzstd::encoding::compress_to_vec(top.as_slice(), ruzstd::encoding::CompressionLevel::Fastest);
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
    let mut b = tar::Builder::new(Vec::new());
    let blobs = [("blobs/sha256/aaa", gz), ("blobs/sha256/ccc", config), ("blobs/sha256/bbb", zst)];
    for (name, body) in &blobs {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, body.as_slice()).unwrap();
    }
    let manifest =
        br#"[{"Config":"blobs/sha256/ccc","RepoTags":["x:1"],"Layers":["blobs/sha256/aaa","blobs/sha256/bbb"]}]"#;
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "manifest.json", manifest.as_slice()).unwrap();
    let c = scan_archive(Cursor::new(b.into_inner().unwrap()), Limits::default()).unwrap();
    assert_eq!(c.layers.len(), 2, "{:?}", c.skipped);
    assert_eq!(c.os.as_ref().map(|o| o.id.as_str()), Some("debian"));
    let paths: Vec<&str> = c.secrets.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["srv/creds.env"], "the gzip layer's key is whited out by the zstd layer");
    // Diff ids are digests of the uncompressed layers.
    use sha2::Digest;
    assert_eq!(c.layers[0], format!("sha256:{:x}", sha2::Sha256::digest(&base)));
}
