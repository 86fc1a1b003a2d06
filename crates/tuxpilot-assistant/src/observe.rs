//! The executor's observing intents: optimize (and applying its limits) and monitor.

use std::time::Duration;

use serde_json::json;

use crate::diagnose::human_bytes;
use crate::error::ExecError;
use crate::exec::Executor;
use crate::intent::{MonitorArgs, Sort};
use crate::outcome::{Handoff, Offer, Outcome};

impl Executor {
    pub(crate) async fn optimize(&self, target: &str) -> Result<Outcome, ExecError> {
        let options = tuxpilot_monitor::ObserveOptions {
            containers: if target == "all" { Vec::new() } else { vec![target.to_string()] },
            window: self.settings.optimize_window,
            ..Default::default()
        };
        let recs = tuxpilot_monitor::observe(self.engine.clone(), &options, &mut |_, _| {}).await?;
        if recs.is_empty() {
            return Ok(Outcome::text("No running containers to size.", json!({ "recommendations": [] })));
        }
        let mut reply =
            format!("Observed {} container(s) for {}s:\n", recs.len(), self.settings.optimize_window.as_secs());
        for r in &recs {
            reply.push_str(&format!(
                "  {}: CPU p90 {:.3} → {:.2} cpus; memory peak {} → limit {} ({:?} confidence)\n    {}\n",
                r.name,
                r.cpu_p90,
                r.cpus,
                human_bytes(r.memory_peak_bytes as i64),
                human_bytes(r.memory_bytes as i64),
                r.confidence,
                r.docker_update()
            ));
        }
        let data = json!({ "recommendations": recs });
        let mut o = Outcome::text(reply.trim_end(), data);
        o.offer = Some(Offer {
            description: format!("apply these limits to {} container(s)", recs.len()),
            commands: recs.iter().map(|r| r.docker_update()).collect(),
            recommendations: recs,
        });
        Ok(o)
    }

    /// Applies optimize's recommendations (after their own confirmation).
    pub async fn apply(&self, offer: &Offer) -> Result<Outcome, ExecError> {
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for r in &offer.recommendations {
            match r.apply(self.engine.as_ref()).await {
                Ok(()) => done.push(r.name.clone()),
                Err(e) => failed.push(format!("{}: {e}", r.name)),
            }
        }
        let reply = format!(
            "Applied limits to {}.{}",
            if done.is_empty() { "nothing".to_string() } else { done.join(", ") },
            if failed.is_empty() { String::new() } else { format!(" Failed: {}", failed.join("; ")) }
        );
        Ok(Outcome::text(reply, json!({ "applied": done, "failed": failed })))
    }

    pub(crate) async fn monitor(&self, a: &MonitorArgs) -> Result<Outcome, ExecError> {
        let mut written = Vec::new();
        if (a.cpu_threshold.is_some() || a.memory_threshold.is_some())
            && let Some(path) = &self.settings.config_file
        {
            {
                crate::safety::write_thresholds(path, a.cpu_threshold, a.memory_threshold)
                    .map_err(ExecError::Config)?;
                written.push(path.display().to_string());
            }
        }
        if a.persist {
            return self.persist(a, written);
        }
        let wanted = if a.target == "all" { None } else { Some(self.engine.inspect_container(&a.target).await?.id) };
        let mut collector = tuxpilot_monitor::Collector::new(self.engine.clone(), Default::default());
        // CPU needs two samples.
        let _ = collector.sweep().await?;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let mut obs = collector.sweep().await?;
        if let Some(id) = &wanted {
            obs.retain(|o| &o.metrics.id == id);
        }
        match a.sort {
            Some(Sort::Memory) => obs.sort_by_key(|o| std::cmp::Reverse(o.metrics.memory_used_bytes)),
            _ => obs.sort_by(|x, y| y.metrics.cpu_percent.total_cmp(&x.metrics.cpu_percent)),
        }
        let mut reply = String::new();
        for path in &written {
            reply.push_str(&format!(
                "Alert thresholds written to {path}{}{}; `tuxpilot containers monitor` alerts on them.\n",
                a.cpu_threshold.map(|c| format!(", cpu {c} %")).unwrap_or_default(),
                a.memory_threshold.map(|m| format!(", memory {m} %")).unwrap_or_default()
            ));
        }
        let mut rows = Vec::new();
        reply.push_str(&format!("{:<24} {:>7} {:>22} {:>7}\n", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %"));
        for o in &obs {
            let m = &o.metrics;
            let over = a.cpu_threshold.is_some_and(|t| m.cpu_percent > t)
                || a.memory_threshold.is_some_and(|t| m.memory_percent > t);
            reply.push_str(&format!(
                "{:<24} {:>6.2}% {:>22} {:>6.2}%{}\n",
                m.name,
                m.cpu_percent,
                format!("{} / {}", human_bytes(m.memory_used_bytes as i64), human_bytes(m.memory_limit_bytes as i64)),
                m.memory_percent,
                if over { "  ← over threshold" } else { "" }
            ));
            rows.push(json!({"name": m.name, "cpu_percent": m.cpu_percent, "memory_used_bytes": m.memory_used_bytes,
                             "memory_limit_bytes": m.memory_limit_bytes, "memory_percent": m.memory_percent, "over_threshold": over}));
        }
        let mut o = Outcome::text(
            reply.trim_end(),
            json!({ "containers": rows, "thresholds": {"cpu": a.cpu_threshold, "memory": a.memory_threshold}, "config_written": written }),
        );
        if a.realtime {
            o.handoff = Some(Handoff::LiveMonitor { target: a.target.clone(), sort: a.sort });
        }
        Ok(o)
    }

    /// "Set up monitoring": the thresholds are in the config; the alert loop starts in the
    /// background and keeps running after the conversation.
    fn persist(&self, a: &MonitorArgs, written: Vec<String>) -> Result<Outcome, ExecError> {
        let mut argv = self.settings.monitor_command.clone();
        if argv.is_empty() {
            return Err(ExecError::Background(
                "this front end cannot start background monitoring; run `tuxpilot containers monitor --alerts \
                 --detach`"
                    .into(),
            ));
        }
        if a.target != "all" {
            argv.extend(["--filter".to_string(), format!("name={}", a.target)]);
        }
        let mut notes = Vec::new();
        let asked = a.cpu_threshold.is_some() || a.memory_threshold.is_some();
        if asked && written.is_empty() {
            // No config file to keep them in: they go on the command line.
            if let Some(c) = a.cpu_threshold {
                argv.extend(["--cpu-alert".to_string(), c.to_string()]);
            }
            if let Some(m) = a.memory_threshold {
                argv.extend(["--memory-alert".to_string(), m.to_string()]);
            }
        } else if !asked && !self.settings.thresholds_configured {
            argv.extend(["--cpu-alert", "80", "--memory-alert", "90"].map(String::from));
            notes.push("No thresholds were given or configured, so it alerts above 80 % CPU and 90 % memory.");
        }
        let running = tuxpilot_monitor::background::start(&argv, &self.settings.state_dir)
            .map_err(|e| ExecError::Background(e.to_string()))?;
        let mut reply = String::new();
        for path in &written {
            reply.push_str(&format!("Alert thresholds written to {path}.\n"));
        }
        for n in &notes {
            reply.push_str(&format!("{n}\n"));
        }
        reply.push_str(&format!(
            "Monitoring is set up: alerts are evaluated in the background ({}).\nTo see it: {}\nTo stop it: say \
             \"stop monitoring\", or run `tuxpilot containers monitor --stop`.",
            match &running {
                tuxpilot_monitor::background::Running::Systemd { .. } => "a systemd user service".to_string(),
                tuxpilot_monitor::background::Running::Process { .. } => "a detached process".to_string(),
            },
            running.how_to_see()
        ));
        Ok(Outcome::text(
            reply,
            json!({ "background": running, "config_written": written, "command": argv,
                    "thresholds": {"cpu": a.cpu_threshold, "memory": a.memory_threshold} }),
        ))
    }

    /// "Stop monitoring".
    pub(crate) async fn monitor_stop(&self) -> Result<Outcome, ExecError> {
        let stopped = tuxpilot_monitor::background::stop(&self.settings.state_dir)
            .map_err(|e| ExecError::Background(e.to_string()))?;
        let reply = match &stopped {
            Some(r) => format!(
                "Background monitoring stopped ({}).",
                match r {
                    tuxpilot_monitor::background::Running::Systemd { unit_file } =>
                        format!("removed {}", unit_file.display()),
                    tuxpilot_monitor::background::Running::Process { pid, .. } => format!("process {pid}"),
                }
            ),
            None => "No background monitoring was running; nothing changed.".to_string(),
        };
        Ok(Outcome::text(reply, json!({ "stopped": stopped })))
    }
}
