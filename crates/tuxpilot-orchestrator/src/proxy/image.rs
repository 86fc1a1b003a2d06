//! The proxy's image, built on the engine from the local `tuxpilot-proxy` binary and the shared
//! libraries `ldd` lists (`docker import` of that root filesystem): nothing is pulled.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tuxpilot_docker::{Engine, ImportSpec};

use crate::error::{Error, Result};

/// The image repository.
pub const IMAGE_REPO: &str = "tuxpilot/proxy";
/// The binary's name.
pub const BINARY: &str = "tuxpilot-proxy";
/// Where the binary is looked for first.
pub const BINARY_ENV: &str = "TUXPILOT_PROXY_BIN";

/// The proxy binary: `$TUXPILOT_PROXY_BIN`, else next to the running program (or one directory
/// up, for test programs in `target/*/deps`).
pub fn find_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(BINARY_ENV) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::Proxy(format!("{BINARY_ENV}={} is not a file", p.display())))
        };
    }
    let exe = std::env::current_exe().map_err(|e| Error::Proxy(format!("cannot find the running program: {e}")))?;
    let mut tried = Vec::new();
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let p = d.join(BINARY);
        if p.is_file() {
            return Ok(p);
        }
        tried.push(p.display().to_string());
        dir = d.parent();
    }
    Err(Error::Proxy(format!(
        "the managed-port proxy binary `{BINARY}` was not found (looked at {}); build it with `cargo build --release -p tuxpilot-proxy` (or `cargo install tuxpilot-proxy`), set {BINARY_ENV}, or set `proxy: off` on the container to publish its port directly",
        tried.join(", ")
    )))
}

/// The engine's name for this machine's architecture (`docker version` → `Arch`).
pub fn engine_arch(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// The libraries of one `ldd` output, the loader included (pure).
pub fn parse_ldd(output: &str) -> std::result::Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.contains("not found") {
            return Err(format!("a library of the proxy is missing: {line}"));
        }
        if line.contains("statically linked") || line.starts_with("linux-vdso") || line.starts_with("linux-gate") {
            continue;
        }
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next().unwrap_or(""),
            None => line.split_whitespace().next().unwrap_or(""),
        };
        if path.starts_with('/') {
            out.push(PathBuf::from(path));
        }
    }
    Ok(out)
}

/// A root filesystem with the binary at `/tuxpilot-proxy`, its libraries at their paths, and
/// `/state` and `/tmp`.
pub fn rootfs(binary: &Path, libraries: &[PathBuf]) -> Result<Vec<u8>> {
    let io =
        |what: &Path, e: std::io::Error| Error::Proxy(format!("building the proxy image: {}: {e}", what.display()));
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(true);
    tar.sparse(false);
    for dir in ["state", "tmp"] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(if dir == "tmp" { 0o1777 } else { 0o755 });
        h.set_size(0);
        h.set_cksum();
        tar.append_data(&mut h, format!("{dir}/"), std::io::empty()).map_err(|e| io(Path::new(dir), e))?;
    }
    tar.append_path_with_name(binary, BINARY).map_err(|e| io(binary, e))?;
    for lib in libraries {
        let name = lib.strip_prefix("/").unwrap_or(lib);
        tar.append_path_with_name(lib, name).map_err(|e| io(lib, e))?;
    }
    tar.into_inner().map_err(|e| io(binary, e))
}

/// The tag of the image for `binary`: the crate version and the binary's hash, so a new build
/// gets a new image.
pub fn tag_for(binary_bytes: &[u8]) -> String {
    let hash = Sha256::digest(binary_bytes);
    let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", env!("CARGO_PKG_VERSION"))
}

/// The proxy image on `engine` (`tuxpilot/proxy:<version>-<hash>`), built from `binary` when
/// the engine does not have it. An engine of another architecture or OS is refused.
pub async fn ensure(engine: &dyn Engine, binary: &Path) -> Result<String> {
    let bytes = tuxpilot_docker::files::read(binary)
        .map_err(|e| Error::Proxy(format!("reading the proxy binary {}: {e}", binary.display())))?;
    let tag = tag_for(&bytes);
    let reference = format!("{IMAGE_REPO}:{tag}");
    if engine.inspect_image(&reference).await.is_ok() {
        return Ok(reference);
    }
    let v = engine.version().await?;
    let here = engine_arch(std::env::consts::ARCH);
    if !v.os.eq_ignore_ascii_case("linux") || !v.arch.eq_ignore_ascii_case(here) {
        return Err(Error::Proxy(format!(
            "the engine runs {}/{}, and the proxy binary here is linux/{here}: managed ports need an engine of this machine's architecture; set `proxy: off` on the containers that publish ports, or run tuxpilot from a {}/{} machine",
            v.os, v.arch, v.os, v.arch
        )));
    }
    let bin = binary.to_path_buf();
    let libs = tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("ldd")
            .arg(&bin)
            .output()
            .map_err(|e| Error::Proxy(format!("running ldd on {}: {e}", bin.display())))?;
        // A static binary makes ldd exit 1 with "not a dynamic executable".
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            return Ok(Vec::new());
        }
        parse_ldd(&text).map_err(Error::Proxy)
    })
    .await
    .map_err(|e| Error::Proxy(format!("ldd: {e}")))??;
    let tar = rootfs(binary, &libs)?;
    let spec = ImportSpec {
        repo: IMAGE_REPO.into(),
        tag: Some(tag),
        changes: vec![format!("ENTRYPOINT [\"/{BINARY}\"]"), "CMD [\"run\"]".into()],
        message: Some("tuxpilot managed-port proxy".into()),
    };
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(tar)) });
    engine.import_image(spec, Box::pin(stream)).await?;
    Ok(reference)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ldd_output_gives_the_libraries_and_the_loader() {
        let out = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x1)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x2)\n\t/lib64/ld-linux-x86-64.so.2 (0x3)\n";
        let libs = parse_ldd(out).unwrap();
        assert_eq!(
            libs,
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2")
            ]
        );
        assert!(parse_ldd("\tlibfoo.so => not found\n").unwrap_err().contains("libfoo"));
        assert!(parse_ldd("\tstatically linked\n").unwrap().is_empty());
    }

    #[test]
    fn architectures_are_named_as_the_engine_names_them() {
        assert_eq!(engine_arch("x86_64"), "amd64");
        assert_eq!(engine_arch("aarch64"), "arm64");
        assert_eq!(engine_arch("s390x"), "s390x");
    }

    #[tokio::test]
    async fn an_engine_of_another_architecture_is_refused_before_anything_is_built() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join(BINARY);
        std::fs::write(&bin, b"not really a program").unwrap();
        let mut engine = tuxpilot_docker::MockEngine::new();
        engine.expect_inspect_image().returning(|r| {
            Err(tuxpilot_docker::EngineError::NotFound {
                kind: tuxpilot_docker::ResourceKind::Image,
                name: r.to_string(),
                message: "no such image".into(),
            })
        });
        let other = if engine_arch(std::env::consts::ARCH) == "arm64" { "amd64" } else { "arm64" };
        engine.expect_version().returning(move || {
            Ok(tuxpilot_docker::EngineVersion { os: "linux".into(), arch: other.into(), ..Default::default() })
        });
        engine.expect_import_image().never();
        let e = ensure(&engine, &bin).await.unwrap_err().to_string();
        assert!(e.contains(&format!("linux/{other}")) && e.contains("proxy: off"), "{e}");
    }

    #[test]
    fn a_new_binary_gets_a_new_tag() {
        assert_ne!(tag_for(b"one"), tag_for(b"two"));
        assert!(tag_for(b"one").starts_with(env!("CARGO_PKG_VERSION")));
    }
}
