//! `containers prune`: lists what goes, asks, removes. The rules (what is stopped, dangling or
//! unused, and that TuxPilot's own objects and volumes are never touched) are the
//! orchestrator's [`tuxpilot_orchestrator::prune`], the same chat and MCP use.

use std::io::{IsTerminal, Write};

use comfy_table::Cell;
use tuxpilot_docker::Engine;
use tuxpilot_orchestrator::prune;

use crate::args::PruneArgs;
use crate::error::NotConfirmed;
use crate::output::Ui;

/// `containers prune`.
pub async fn prune(engine: &dyn Engine, ui: &mut Ui<'_>, args: &PruneArgs) -> anyhow::Result<()> {
    let plan = prune::plan(engine).await?;
    if plan.is_empty() {
        if ui.json() {
            return ui.print_json(&serde_json::json!({ "plan": plan, "removed": [], "failed": [] }));
        }
        writeln!(ui.out, "Nothing to prune.")?;
        return Ok(());
    }
    if args.dry_run {
        if ui.json() {
            return ui.print_json(&serde_json::json!({ "plan": plan, "dry_run": true }));
        }
        return print_plan(ui, &plan);
    }
    if !args.force {
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        if !terminal {
            if ui.json() {
                ui.print_json(&serde_json::json!({ "plan": plan, "removed": [], "failed": [] }))?;
            } else {
                print_plan(ui, &plan)?;
            }
            return Err(NotConfirmed(
                "prune removes the objects listed; run again with --force to confirm (no terminal to ask on)".into(),
            )
            .into());
        }
        print_plan_to(ui.err, &plan)?;
        if !crate::output::ask(ui.err, &format!("Remove these {} object(s)? [y/N] ", plan.items().count()))? {
            writeln!(ui.err, "Nothing removed.")?;
            return Ok(());
        }
    }
    let report = prune::apply(engine, &plan).await;
    if ui.json() {
        ui.print_json(&report)?;
    } else {
        for item in &report.removed {
            writeln!(ui.out, "removed {} {}", item.kind, item.name)?;
        }
        for (item, why) in &report.failed {
            writeln!(ui.err, "not removed: {} {}: {why}", item.kind, item.name)?;
        }
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} object(s) could not be removed (listed above)", report.failed.len())
    }
}

fn print_plan(ui: &mut Ui<'_>, plan: &prune::PrunePlan) -> anyhow::Result<()> {
    let rows = plan.items().map(|i| vec![Cell::new(i.kind), Cell::new(&i.name), Cell::new(short(&i.id))]).collect();
    ui.print_table(&["KIND", "NAME", "ID"], rows)
}

fn print_plan_to(w: &mut dyn Write, plan: &prune::PrunePlan) -> std::io::Result<()> {
    writeln!(w, "These would be removed (TuxPilot's own objects and all volumes are kept):")?;
    for i in plan.items() {
        writeln!(w, "  {:<9} {}", i.kind, i.name)?;
    }
    Ok(())
}

fn short(id: &str) -> &str {
    let id = id.trim_start_matches("sha256:");
    &id[..id.len().min(12)]
}
