//! Image contents, read from the engine's image export (`docker save` format, legacy or OCI
//! layout) as a stream: each layer tar is analysed as it passes (never extracted to disk,
//! links never followed), then the layers are merged base → top applying whiteouts
//! (`.wh.<name>`) and opaque directories (`.wh..wh..opq`), so a file deleted by a later layer
//! is not reported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::packages::{OsInfo, Package, parse_apk_installed, parse_dpkg_status, parse_os_release};
use crate::secrets::{SecretHit, scan_text, skip_path};

/// Bounds on what the scanner reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files larger than this are not scanned for secrets (Trivy uses 10 MB).
    pub max_secret_file: u64,
    /// Package databases larger than this are refused.
    pub max_db_file: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_secret_file: 10 << 20, max_db_file: 64 << 20 }
    }
}

/// Why an archive could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The outer archive or a layer is not a valid tar (corrupt or truncated).
    #[error("image archive unreadable{}: {source}", .layer.as_ref().map(|l| format!(" (layer {l})")).unwrap_or_default())]
    Corrupt {
        /// The layer, when the error is inside one.
        layer: Option<String>,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The archive has no manifest.json, so layer order is unknown.
    #[error("image archive has no manifest.json (is it a `docker save` archive?)")]
    NoManifest,
}

/// A setuid or setgid file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecialFile {
    /// Path in the image (no leading `/`).
    pub path: String,
    /// Permission bits, octal.
    pub mode: String,
    /// The layer that holds it.
    pub layer: String,
}

/// A secret in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSecret {
    /// Path in the image.
    pub path: String,
    /// The layer that holds it.
    pub layer: String,
    /// What was found.
    pub hit: SecretHit,
}

/// What the image contains, after merging its layers.
#[derive(Debug, Clone, Default)]
pub struct ImageContents {
    /// The distribution.
    pub os: Option<OsInfo>,
    /// Installed packages.
    pub packages: Vec<Package>,
    /// setuid/setgid files.
    pub special_files: Vec<SpecialFile>,
    /// Secrets in files.
    pub secrets: Vec<FileSecret>,
    /// Entries skipped and why (unsafe paths, oversized files).
    pub skipped: Vec<String>,
    /// Layer diff ids, base first.
    pub layers: Vec<String>,
}

#[derive(Debug)]
enum Record {
    OsRelease(String),
    Dpkg(String),
    Apk(String),
}

#[derive(Debug, Default)]
struct LayerScan {
    diff_id: String,
    paths: HashSet<String>,
    whiteouts: Vec<String>,
    opaque: Vec<String>,
    records: BTreeMap<String, Record>,
    special: Vec<(String, u32)>,
    secrets: Vec<(String, SecretHit)>,
    skipped: Vec<String>,
}

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// A path made relative and clean; `None` when it climbs out of the image (`..`).
pub fn clean_path(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

fn is_record_path(p: &str) -> bool {
    matches!(
        p,
        "etc/os-release"
            | "usr/lib/os-release"
            | "var/lib/dpkg/status"
            | "lib/apk/db/installed"
            | "usr/lib/apk/db/installed"
    ) || p.starts_with("var/lib/dpkg/status.d/")
}

fn scan_layer<R: Read>(reader: R, name: &str, limits: Limits) -> Result<LayerScan, ArchiveError> {
    let corrupt = |source| ArchiveError::Corrupt { layer: Some(name.to_string()), source };
    let mut hashing = HashingReader { inner: reader, hash: Sha256::new() };
    let mut scan = LayerScan::default();
    {
        let mut archive = tar::Archive::new(&mut hashing);
        for entry in archive.entries().map_err(corrupt)? {
            let mut entry = entry.map_err(corrupt)?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(path) = clean_path(&raw) else {
                scan.skipped.push(format!("{name}: unsafe path {raw:?} ignored"));
                continue;
            };
            if path.is_empty() {
                continue;
            }
            let (dir, base) = match path.rsplit_once('/') {
                Some((d, b)) => (d.to_string(), b),
                None => (String::new(), path.as_str()),
            };
            if base == ".wh..wh..opq" {
                scan.opaque.push(dir);
                continue;
            }
            if let Some(hidden) = base.strip_prefix(".wh.") {
                scan.whiteouts.push(if dir.is_empty() { hidden.to_string() } else { format!("{dir}/{hidden}") });
                continue;
            }
            scan.paths.insert(path.clone());
            let header = entry.header();
            let kind = header.entry_type();
            if !kind.is_file() {
                continue; // directories, links and devices carry no content we read
            }
            let mode = header.mode().unwrap_or(0);
            if mode & 0o6000 != 0 {
                scan.special.push((path.clone(), mode));
            }
            let size = entry.size();
            if is_record_path(&path) {
                if size > limits.max_db_file {
                    scan.skipped
                        .push(format!("{path}: {size} bytes, larger than the {} byte limit", limits.max_db_file));
                    continue;
                }
                let mut text = String::new();
                entry.by_ref().take(limits.max_db_file).read_to_string(&mut text).map_err(corrupt)?;
                let rec = if path.ends_with("os-release") {
                    Record::OsRelease(text)
                } else if path.contains("dpkg") {
                    Record::Dpkg(text)
                } else {
                    Record::Apk(text)
                };
                scan.records.insert(path, rec);
                continue;
            }
            if size == 0 || skip_path(&path) {
                continue;
            }
            if size > limits.max_secret_file {
                continue; // large files are data, not config; skipped as Trivy does
            }
            let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
            entry.by_ref().take(limits.max_secret_file).read_to_end(&mut buf).map_err(corrupt)?;
            if buf.iter().take(8192).any(|b| *b == 0) {
                continue; // binary
            }
            let text = String::from_utf8_lossy(&buf);
            for hit in scan_text(&text) {
                scan.secrets.push((path.clone(), hit));
            }
        }
    }
    // Drain what the tar reader left (padding) so the hash covers the whole layer.
    io::copy(&mut hashing, &mut io::sink()).map_err(corrupt)?;
    scan.diff_id = format!("sha256:{:x}", hashing.hash.finalize());
    Ok(scan)
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// Scans a `docker save` archive from `reader`.
pub fn scan_archive<R: Read>(reader: R, limits: Limits) -> Result<ImageContents, ArchiveError> {
    let corrupt = |source| ArchiveError::Corrupt { layer: None, source };
    let mut outer = tar::Archive::new(reader);
    let mut layers: HashMap<String, LayerScan> = HashMap::new();
    let mut manifest: Option<Vec<String>> = None;
    let mut skipped = Vec::new();
    for entry in outer.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = clean_path(&raw) else {
            skipped.push(format!("unsafe path {raw:?} in the image archive ignored"));
            continue;
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        if path == "manifest.json" {
            let mut text = String::new();
            entry.by_ref().take(16 << 20).read_to_string(&mut text).map_err(corrupt)?;
            let parsed: Vec<ManifestEntry> = serde_json::from_str(&text)
                .map_err(|e| corrupt(io::Error::new(io::ErrorKind::InvalidData, format!("manifest.json: {e}"))))?;
            manifest = parsed.into_iter().next().map(|m| m.layers);
            continue;
        }
        let candidate = path.ends_with("layer.tar") || path.starts_with("blobs/sha256/");
        if !candidate {
            continue;
        }
        // OCI layouts keep configs and manifests among the blobs: peek for a tar header.
        let mut head = vec![0u8; 512];
        let mut got = 0;
        while got < 512 {
            match entry.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => return Err(corrupt(e)),
            }
        }
        head.truncate(got);
        let is_tar = got == 512 && &head[257..262] == b"ustar";
        let (gzip, zstd) = (head.starts_with(&[0x1f, 0x8b]), head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]));
        let stream = io::Cursor::new(head).chain(&mut entry);
        // An image store that keeps layers as pulled (containerd) exports them compressed.
        let scan = if gzip {
            scan_layer(flate2::read::GzDecoder::new(stream), &path, limits)?
        } else if zstd {
            let decoder = ruzstd::decoding::StreamingDecoder::new(stream).map_err(|e| ArchiveError::Corrupt {
                layer: Some(path.clone()),
                source: io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")),
            })?;
            scan_layer(decoder, &path, limits)?
        } else if is_tar || !path.starts_with("blobs/") {
            scan_layer(stream, &path, limits)?
        } else {
            continue; // a config or manifest blob
        };
        layers.insert(path, scan);
    }
    let order = manifest.ok_or(ArchiveError::NoManifest)?;
    Ok(merge(order, layers, skipped))
}

fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

fn merge(order: Vec<String>, mut layers: HashMap<String, LayerScan>, mut skipped: Vec<String>) -> ImageContents {
    // What is visible so far: path → (layer diff id, what it holds).
    let mut records: BTreeMap<String, (String, Record)> = BTreeMap::new();
    let mut special: BTreeMap<String, (String, u32)> = BTreeMap::new();
    let mut secrets: BTreeMap<String, (String, Vec<SecretHit>)> = BTreeMap::new();
    let mut diff_ids = Vec::new();
    for name in order {
        let Some(l) = layers.remove(&name) else {
            skipped.push(format!("layer {name} listed in manifest.json is missing from the archive"));
            continue;
        };
        let hide = |p: &str| {
            l.opaque.iter().any(|d| under(p, d) && p != d)
                || l.whiteouts.iter().any(|w| under(p, w))
                || l.paths.contains(p)
        };
        records.retain(|p, _| !hide(p));
        special.retain(|p, _| !hide(p));
        secrets.retain(|p, _| !hide(p));
        for (p, r) in l.records {
            records.insert(p, (l.diff_id.clone(), r));
        }
        for (p, m) in l.special {
            special.insert(p, (l.diff_id.clone(), m));
        }
        for (p, h) in l.secrets {
            secrets.entry(p).or_insert_with(|| (l.diff_id.clone(), Vec::new())).1.push(h);
        }
        skipped.extend(l.skipped);
        diff_ids.push(l.diff_id);
    }
    let mut out = ImageContents { skipped, layers: diff_ids, ..Default::default() };
    for (path, (_, rec)) in &records {
        match rec {
            Record::OsRelease(t) => {
                // /etc/os-release wins over /usr/lib/os-release.
                if out.os.is_none() || path == "etc/os-release" {
                    out.os = parse_os_release(t).or(out.os.take());
                }
            }
            Record::Dpkg(t) => out.packages.extend(parse_dpkg_status(t, path)),
            Record::Apk(t) => out.packages.extend(parse_apk_installed(t, path)),
        }
    }
    out.packages.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version)));
    out.packages.dedup_by(|a, b| a.name == b.name && a.version == b.version);
    out.special_files = special
        .into_iter()
        .map(|(path, (layer, mode))| SpecialFile { path, mode: format!("{:04o}", mode & 0o7777), layer })
        .collect();
    out.secrets = secrets
        .into_iter()
        .flat_map(|(path, (layer, hits))| {
            hits.into_iter().map(move |hit| FileSecret { path: path.clone(), layer: layer.clone(), hit })
        })
        .collect();
    out
}
