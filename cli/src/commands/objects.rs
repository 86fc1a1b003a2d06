//! Docker's object verbs under `tuxpilot containers`: `images`, `pull`, `top`, `volume
//! ls|inspect|rm` and `network ls|inspect|rm`, shaped and named as docker's, with tables and
//! `--format json`.

use std::collections::BTreeMap;

use comfy_table::Cell;
use futures_util::StreamExt;
use serde::Serialize;
use tuxpilot_docker::{Engine, EngineError};

use crate::args::{NetworkCommand, VolumeCommand};
use crate::output::{Ui, ago, short_id};

/// `4.26MB`: sizes as docker prints them (decimal units, three significant digits).
pub fn size(bytes: i64) -> String {
    let mut v = bytes.max(0) as f64;
    let mut unit = 0;
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let mut s = format!("{v:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{s}{}", UNITS[unit])
}

#[derive(Serialize)]
struct ImageRow {
    repository: String,
    tag: String,
    id: String,
    digest: Option<String>,
    created: chrono::DateTime<chrono::Utc>,
    size: i64,
}

/// `containers images [-a] [-q]`, as `docker images`.
pub async fn images(engine: &dyn Engine, ui: &mut Ui<'_>, all: bool, quiet: bool) -> anyhow::Result<()> {
    let mut list = engine.list_images(all).await?;
    list.sort_by_key(|i| std::cmp::Reverse(i.created));
    let mut rows = Vec::new();
    for i in &list {
        let digest = i.repo_digests.first().and_then(|d| d.split_once('@')).map(|(_, d)| d.to_string());
        let tags: Vec<(String, String)> = if i.repo_tags.is_empty() || i.repo_tags == ["<none>:<none>"] {
            vec![("<none>".into(), "<none>".into())]
        } else {
            i.repo_tags
                .iter()
                .map(|t| {
                    let at = t.rfind(':').filter(|&p| !t[p..].contains('/')).unwrap_or(t.len());
                    (t[..at].to_string(), t.get(at + 1..).unwrap_or("").to_string())
                })
                .collect()
        };
        for (repository, tag) in tags {
            rows.push(ImageRow {
                repository,
                tag,
                id: i.id.clone(),
                digest: digest.clone(),
                created: i.created,
                size: i.size,
            });
        }
    }
    if quiet {
        let mut seen = Vec::new();
        for r in &rows {
            let id = short_id(&r.id).to_string();
            if !seen.contains(&id) {
                writeln!(ui.out, "{id}")?;
                seen.push(id);
            }
        }
        return Ok(());
    }
    if ui.json() {
        return ui.print_json(&rows);
    }
    let cells = rows
        .iter()
        .map(|r| {
            vec![
                Cell::new(&r.repository),
                Cell::new(&r.tag),
                Cell::new(short_id(&r.id)),
                Cell::new(ago(r.created)),
                Cell::new(size(r.size)),
            ]
        })
        .collect();
    ui.print_table(&["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], cells)
}

/// `containers pull IMAGE [-q]`, as `docker pull`: a line per layer step (on stderr), then the
/// digest and the reference.
pub async fn pull(engine: &dyn Engine, ui: &mut Ui<'_>, image: &str, quiet: bool) -> anyhow::Result<()> {
    // As docker: a name without a tag or digest means `:latest`.
    let tagged = image.contains('@') || image.rsplit('/').next().unwrap_or("").contains(':');
    let reference = if tagged { image.to_string() } else { format!("{image}:latest") };
    let mut stream = engine.pull_image(&reference);
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    let mut status_line = String::new();
    while let Some(p) = stream.next().await {
        let p = p?;
        match &p.id {
            Some(id) => {
                // One line per step of a layer, not per progress tick.
                if last.get(id) != Some(&p.status) {
                    if !quiet && !ui.json() {
                        writeln!(ui.err, "{id}: {}", p.status)?;
                    }
                    last.insert(id.clone(), p.status.clone());
                }
            }
            None => status_line = p.status.clone(),
        }
    }
    let details = engine.inspect_image(&reference).await?;
    let digest = details.repo_digests.first().and_then(|d| d.split_once('@')).map(|(_, d)| d.to_string());
    if ui.json() {
        return ui.print_json(
            &serde_json::json!({ "reference": reference, "id": details.id, "digest": digest, "status": status_line }),
        );
    }
    if !quiet {
        if let Some(d) = &digest {
            writeln!(ui.err, "Digest: {d}")?;
        }
        if !status_line.is_empty() {
            writeln!(ui.err, "{status_line}")?;
        }
    }
    writeln!(ui.out, "{reference}")?;
    Ok(())
}

/// `containers top NAME`, as `docker top`.
pub async fn top(engine: &dyn Engine, ui: &mut Ui<'_>, container: &str) -> anyhow::Result<()> {
    let list = engine.top(container).await?;
    if ui.json() {
        return ui.print_json(&serde_json::json!({ "titles": list.titles, "processes": list.processes }));
    }
    let titles: Vec<&str> = list.titles.iter().map(String::as_str).collect();
    let rows = list.processes.iter().map(|p| p.iter().map(Cell::new).collect()).collect();
    ui.print_table(&titles, rows)
}

#[derive(Serialize)]
struct Removed {
    name: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Removes each of `names`; every failure is reported, the first one is the error.
async fn remove_each<F, Fut>(ui: &mut Ui<'_>, names: &[String], f: F) -> anyhow::Result<()>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    let mut out = Vec::new();
    let mut first: Option<EngineError> = None;
    for n in names {
        match f(n.clone()).await {
            Ok(()) => out.push(Removed { name: n.clone(), ok: true, error: None }),
            Err(e) => {
                out.push(Removed { name: n.clone(), ok: false, error: Some(e.to_string()) });
                if first.is_some() && !ui.json() {
                    writeln!(ui.err, "error: {e}")?;
                }
                first.get_or_insert(e);
            }
        }
    }
    if ui.json() {
        ui.print_json(&out)?;
    } else {
        for r in out.iter().filter(|r| r.ok) {
            writeln!(ui.out, "{}", r.name)?;
        }
    }
    match first {
        None => Ok(()),
        Some(e) => Err(e.into()),
    }
}

/// `containers volume ls|inspect|rm`.
pub async fn volume(engine: &dyn Engine, ui: &mut Ui<'_>, cmd: &VolumeCommand) -> anyhow::Result<()> {
    match cmd {
        VolumeCommand::Ls { quiet, filter } => {
            let filters = super::spec::filters(filter)?;
            let mut list = engine.list_volumes(filters).await?;
            list.sort_by(|a, b| a.name.cmp(&b.name));
            if *quiet {
                for v in &list {
                    writeln!(ui.out, "{}", v.name)?;
                }
                return Ok(());
            }
            if ui.json() {
                return ui.print_json(&list);
            }
            let rows = list.iter().map(|v| vec![Cell::new(&v.driver), Cell::new(&v.name)]).collect();
            ui.print_table(&["DRIVER", "VOLUME NAME"], rows)
        }
        VolumeCommand::Inspect { names } => {
            let mut out = Vec::new();
            for n in names {
                out.push(engine.inspect_volume(n).await?);
            }
            ui.print_json(&out)
        }
        VolumeCommand::Rm { force, names } => {
            remove_each(ui, names, |n| async move { engine.remove_volume(&n, *force).await }).await
        }
    }
}

/// `containers network ls|inspect|rm`.
pub async fn network(engine: &dyn Engine, ui: &mut Ui<'_>, cmd: &NetworkCommand) -> anyhow::Result<()> {
    match cmd {
        NetworkCommand::Ls { quiet, filter } => {
            let filters = super::spec::filters(filter)?;
            let mut list = engine.list_networks(filters).await?;
            list.sort_by(|a, b| a.name.cmp(&b.name));
            if *quiet {
                for n in &list {
                    writeln!(ui.out, "{}", short_id(&n.id))?;
                }
                return Ok(());
            }
            if ui.json() {
                return ui.print_json(&list);
            }
            let rows = list
                .iter()
                .map(|n| {
                    vec![Cell::new(short_id(&n.id)), Cell::new(&n.name), Cell::new(&n.driver), Cell::new(&n.scope)]
                })
                .collect();
            ui.print_table(&["NETWORK ID", "NAME", "DRIVER", "SCOPE"], rows)
        }
        NetworkCommand::Inspect { names } => {
            let mut out = Vec::new();
            for n in names {
                out.push(engine.inspect_network(n).await?);
            }
            ui.print_json(&out)
        }
        NetworkCommand::Rm { names } => {
            remove_each(ui, names, |n| async move { engine.remove_network(&n).await }).await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_dockers() {
        assert_eq!(super::size(4_261_234), "4.26MB");
        assert_eq!(super::size(1_200_000), "1.2MB");
        assert_eq!(super::size(123_456_789), "123MB");
        assert_eq!(super::size(999), "999B");
        assert_eq!(super::size(0), "0B");
    }
}
