//! Secrets and configs whose value is written in the project (`content:`) or taken from a
//! variable (`environment:`): written into the container before each start, as `docker compose`
//! does without Swarm (a one-file tar through the engine's archive API). Ones from `file:` are
//! bind-mounted instead (`spec.rs`).

use crate::model::{FileObjectConfig, FileRef, Project, Service};

/// One file to write into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InjectedFile {
    /// Absolute path in the container.
    pub target: String,
    /// The file's content.
    pub content: String,
    /// Permission bits (default 0444).
    pub mode: u32,
    /// Owner, when `uid`/`gid` were given.
    pub owner: Option<(u64, u64)>,
}

/// Where a secret or config appears in the container, as compose places it.
pub(crate) fn target(r: &FileRef, secret: bool) -> String {
    match (&r.target, secret) {
        (Some(t), true) if t.starts_with('/') => t.clone(),
        (Some(t), true) => format!("/run/secrets/{t}"),
        (None, true) => format!("/run/secrets/{}", r.source),
        (Some(t), false) => t.clone(),
        (None, false) => format!("/{}", r.source),
    }
}

/// The files `service` needs written in (not the bind-mounted `file:` ones). Errors are in
/// compose's words: an unset variable, a read-only service, an owner that is not a number.
pub(crate) fn files_for(project: &Project, name: &str, service: &Service) -> Result<Vec<InjectedFile>, String> {
    let mut out = Vec::new();
    for (refs, defs, secret) in
        [(&service.secrets, &project.secrets, true), (&service.configs, &project.configs, false)]
    {
        let kind = if secret { "secret" } else { "config" };
        for r in refs {
            let Some(def) = defs.get(&r.source) else { continue };
            let Some(content) = content(def, kind, &r.source)? else { continue };
            if service.read_only == Some(true) {
                return Err(format!(
                    "cannot create {kind} \"{}\" in read-only service {name}: `file` is the sole supported option",
                    r.source
                ));
            }
            let id = |v: &Option<String>, what: &str| -> Result<u64, String> {
                v.as_deref().map_or(Ok(0), |s| {
                    s.parse().map_err(|_| format!("{kind} \"{}\": {what} `{s}` is not a number", r.source))
                })
            };
            let owner =
                (r.uid.is_some() || r.gid.is_some()).then(|| Ok::<_, String>((id(&r.uid, "uid")?, id(&r.gid, "gid")?)));
            out.push(InjectedFile {
                target: target(r, secret),
                content,
                mode: r.mode.and_then(|m| u32::try_from(m).ok()).unwrap_or(0o444),
                owner: owner.transpose()?,
            });
        }
    }
    Ok(out)
}

/// The value to write, or `None` for a `file:` (mounted) or empty one (compose writes nothing).
fn content(def: &FileObjectConfig, kind: &str, key: &str) -> Result<Option<String>, String> {
    if def.file.is_some() {
        return Ok(None);
    }
    if let Some(c) = def.content.as_ref().filter(|c| !c.is_empty()) {
        return Ok(Some(c.clone()));
    }
    match (&def.environment, &def.environment_value) {
        (Some(var), None) => Err(format!("environment variable \"{var}\" required by {kind} \"{key}\" is not set")),
        (Some(_), Some(v)) if !v.is_empty() => Ok(Some(v.clone())),
        _ => Ok(None),
    }
}

/// A tar of `files`, their paths relative to `/` (the archive is extracted at the root).
pub(crate) fn tar(files: &[InjectedFile]) -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let mtime = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for f in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(f.content.len() as u64);
        h.set_mode(f.mode);
        h.set_mtime(mtime);
        let (uid, gid) = f.owner.unwrap_or((0, 0));
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, f.target.trim_start_matches('/'), f.content.as_bytes())?;
    }
    b.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(yaml_secrets: Vec<(&str, FileObjectConfig)>) -> Project {
        let mut p = Project::default();
        for (k, v) in yaml_secrets {
            p.secrets.insert(k.into(), v);
        }
        p
    }

    fn refs(source: &str) -> FileRef {
        FileRef { source: source.into(), target: None, uid: None, gid: None, mode: None }
    }

    #[test]
    fn content_and_environment_are_written_files_are_not() {
        let p = project(vec![
            ("inline", FileObjectConfig { content: Some("s3cret".into()), ..Default::default() }),
            (
                "from_env",
                FileObjectConfig {
                    environment: Some("TOKEN".into()),
                    environment_value: Some("t0k".into()),
                    ..Default::default()
                },
            ),
            ("mounted", FileObjectConfig { file: Some("/x".into()), ..Default::default() }),
        ]);
        let mut custom = refs("from_env");
        custom.target = Some("token".into());
        custom.mode = Some(0o400);
        custom.uid = Some("1000".into());
        let s = Service { secrets: vec![refs("inline"), custom, refs("mounted")], ..Default::default() };
        let files = files_for(&p, "web", &s).unwrap();
        assert_eq!(
            files,
            vec![
                InjectedFile {
                    target: "/run/secrets/inline".into(),
                    content: "s3cret".into(),
                    mode: 0o444,
                    owner: None
                },
                InjectedFile {
                    target: "/run/secrets/token".into(),
                    content: "t0k".into(),
                    mode: 0o400,
                    owner: Some((1000, 0))
                },
            ]
        );
        let tar = tar(&files).unwrap();
        let mut a = tar::Archive::new(&tar[..]);
        let entries: Vec<(String, u32, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().display().to_string(), e.header().mode().unwrap(), e.header().uid().unwrap())
            })
            .collect();
        assert_eq!(entries, [("run/secrets/inline".into(), 0o444, 0), ("run/secrets/token".into(), 0o400, 1000)]);
    }

    #[test]
    fn an_unset_variable_and_a_read_only_service_are_refused_in_composes_words() {
        let p = project(vec![("t", FileObjectConfig { environment: Some("NOPE".into()), ..Default::default() })]);
        let s = Service { secrets: vec![refs("t")], ..Default::default() };
        assert_eq!(
            files_for(&p, "web", &s).unwrap_err(),
            "environment variable \"NOPE\" required by secret \"t\" is not set"
        );
        let p = project(vec![("t", FileObjectConfig { content: Some("x".into()), ..Default::default() })]);
        let s = Service { secrets: vec![refs("t")], read_only: Some(true), ..Default::default() };
        assert!(files_for(&p, "web", &s).unwrap_err().contains("read-only service web"));
    }
}
