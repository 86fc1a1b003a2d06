//! Why a container is in trouble, in plain words, with the fix: from its state, exit code, OOM
//! kill, health log, restart count and last log lines. Pure: the executor reads the engine.

use serde::Serialize;
use tuxpilot_docker::{ContainerDetails, ContainerState};

/// One thing found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `oom_killed`, `crash_loop`, `exited`, `unhealthy`, `restarting`, `not_running`,
    /// `log_errors`, `healthy`.
    pub kind: &'static str,
    /// What is wrong, in one sentence.
    pub problem: String,
    /// Why, in plain words.
    pub explanation: String,
    /// What to do.
    pub fix: String,
}

/// A diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The container.
    pub container: String,
    /// Its state (`running`, `exited`, `restarting`…).
    pub state: String,
    /// Its exit code (when it is not running).
    pub exit_code: Option<i64>,
    /// Whether the kernel killed it for memory.
    pub oom_killed: bool,
    /// How often the engine restarted it.
    pub restarts: i64,
    /// Its health (`healthy`, `unhealthy`, `starting`), when it has a check.
    pub health: Option<String>,
    /// The memory limit in bytes (0: none).
    pub memory_limit: i64,
    /// The last log lines looked at.
    pub last_logs: Vec<String>,
    /// What was found, most important first.
    pub findings: Vec<Finding>,
}

impl Diagnosis {
    /// Plain-language summary, a paragraph per finding.
    pub fn explain(&self) -> String {
        let mut s = format!(
            "{} is {}{}{}.\n",
            self.container,
            self.state,
            self.exit_code.map(|c| format!(" (exit code {c})")).unwrap_or_default(),
            if self.restarts > 0 { format!(", restarted {} times", self.restarts) } else { String::new() }
        );
        for f in &self.findings {
            s.push_str(&format!("\n• {}\n  Why: {}\n  Fix: {}\n", f.problem, f.explanation, f.fix));
        }
        s
    }
}

/// The meaning of common exit codes.
fn exit_meaning(code: i64) -> &'static str {
    match code {
        0 => "it finished normally: its main process ended by itself",
        1 => "the application failed with a generic error",
        2 => "the command was misused (bad arguments or shell syntax)",
        125 => "the engine could not run the container at all",
        126 => "the command could not be executed (not executable, or permission denied)",
        127 => "the command was not found in the image",
        128..=255 if code - 128 == 9 => "it was killed (SIGKILL), by a stop timeout, `docker kill` or the kernel",
        128..=255 if code - 128 == 15 => "it was stopped with SIGTERM",
        128..=255 if code - 128 == 11 => "it crashed with a segmentation fault",
        128..=255 if code - 128 == 6 => "it aborted (SIGABRT)",
        128..=255 => "it was ended by a signal",
        _ => "the application reported a failure",
    }
}

/// Diagnoses a container from its details and its last log lines.
pub fn diagnose(details: &ContainerDetails, logs: &[String]) -> Diagnosis {
    let st = &details.state;
    let state = format!("{:?}", st.status).to_lowercase();
    let running = st.running && !st.restarting;
    let health = st.health.as_ref().map(|h| format!("{h:?}").to_lowercase());
    let limit = details.host_config.memory;
    let mut findings = Vec::new();
    let name = details.name.trim_start_matches('/').to_string();

    if st.oom_killed {
        let limit_txt = if limit > 0 {
            format!("its memory limit of {}", human_bytes(limit))
        } else {
            "the memory the host had".into()
        };
        findings.push(Finding {
            kind: "oom_killed",
            problem: format!("{name} was killed for using too much memory (OOM kill)"),
            explanation: format!(
                "the kernel ended its main process when it went past {limit_txt}; the exit code {} says SIGKILL",
                st.exit_code
            ),
            fix: if limit > 0 {
                format!(
                    "raise the limit (for example `resources: {{memory: {m}}}` in app.yaml, or `docker update --memory {m} --memory-swap {m} {name}`), or make the application use less (a smaller heap or cache); `tuxpilot containers optimize {name}` measures what it needs",
                    m = docker_size(limit * 2)
                )
            } else {
                "give it a memory limit it fits in and look for a leak; `tuxpilot containers optimize` measures what it needs".into()
            },
        });
    }
    let crash_looping = st.restarting || (details.restart_count >= 3 && (!running || st.exit_code != 0));
    if crash_looping {
        findings.push(Finding {
            kind: "crash_loop",
            problem: format!("{name} is crash-looping: it exits and the engine starts it again ({} restarts so far)", details.restart_count),
            explanation: format!(
                "its restart policy brings it back each time, but it exits again{}",
                if st.exit_code != 0 { format!(" with code {} ({})", st.exit_code, exit_meaning(st.exit_code)) } else { String::new() }
            ),
            fix: "read the last log lines below for the error it stops on; fix the configuration or the command, then restart it. Stopping it ends the loop while you look".into(),
        });
    } else if !running && !st.oom_killed && st.status != ContainerState::Created {
        let code = st.exit_code;
        findings.push(Finding {
            kind: "exited",
            problem: format!("{name} is not running: it exited with code {code}"),
            explanation: format!("{}{}", exit_meaning(code), if st.error.is_empty() { String::new() } else { format!("; the engine said: {}", st.error) }),
            fix: match code {
                0 => "a container lives as long as its main process: run a long-lived command (a server, not a one-off script), or treat it as a job".into(),
                127 | 126 => "check the command and entrypoint: the program must exist in the image and be executable".into(),
                137 => "if it did not stop by request, give it more memory or a longer stop timeout".into(),
                _ => format!("look at its last log lines for the cause, fix it, then `tuxpilot containers start {name}`"),
            },
        });
    } else if st.status == ContainerState::Created {
        findings.push(Finding {
            kind: "not_running",
            problem: format!("{name} was created but never started"),
            explanation: if st.error.is_empty() { "nothing has started it yet".into() } else { format!("starting it failed: {}", st.error) },
            fix: format!("start it (`tuxpilot containers start {name}`); if that fails, the error names what is missing (an image, a port, a volume)"),
        });
    }
    if health.as_deref() == Some("unhealthy") {
        let last = st.health_log.last().cloned().unwrap_or_default();
        findings.push(Finding {
            kind: "unhealthy",
            problem: format!("{name} runs but fails its health check ({} failures in a row)", st.failing_streak),
            explanation: if last.trim().is_empty() {
                "the check command exits non-zero".into()
            } else {
                format!("the check's last output was: {}", last.trim())
            },
            fix: "check that the service listens where the health check looks (port, path, interface 127.0.0.1), and that the check's program exists in the image; a slow start wants a longer start_period".into(),
        });
    }
    let errors: Vec<&String> = logs
        .iter()
        .filter(|l| {
            let l = l.to_lowercase();
            [
                "error",
                "fatal",
                "panic",
                "exception",
                "traceback",
                "killed",
                "cannot",
                "could not",
                "failed",
                "permission denied",
                "no such file",
                "address already in use",
                "out of memory",
            ]
            .iter()
            .any(|k| l.contains(k))
        })
        .collect();
    if let Some(last) = errors.last() {
        let l = last.to_lowercase();
        let fix = if l.contains("address already in use") {
            "another process in the container (or a second copy) holds the port: change the port or stop the other one"
        } else if l.contains("permission denied") {
            "the process cannot read or write a file it needs: check the volume's ownership and the user the container runs as"
        } else if l.contains("no such file") || l.contains("not found") {
            "a file or program it needs is missing: check the image, the command and the mounted volumes"
        } else if l.contains("out of memory") || l.contains("killed") {
            "it ran out of memory: give it more (resources.memory) or make it use less"
        } else if l.contains("connection refused") || l.contains("could not connect") || l.contains("cannot connect") {
            "a service it depends on is not reachable: check that it runs and is healthy, and its name and port (depends_on with a health check makes it wait)"
        } else {
            "the log line names the failure; fix that setting or input and restart it"
        };
        findings.push(Finding {
            kind: "log_errors",
            problem: format!("its logs report an error: {}", last.trim()),
            explanation: format!("{} of the last {} log lines look like errors", errors.len(), logs.len()),
            fix: fix.into(),
        });
    }
    if findings.is_empty() {
        findings.push(Finding {
            kind: "healthy",
            problem: format!("nothing wrong found with {name}"),
            explanation: format!(
                "it is running{}{}, and its last log lines show no error",
                health.as_deref().map(|h| format!(", {h}")).unwrap_or_default(),
                if details.restart_count > 0 {
                    format!(" (restarted {} times before)", details.restart_count)
                } else {
                    String::new()
                }
            ),
            fix: "if it misbehaves anyway, watch it (`monitor it live`) or read more of its logs".into(),
        });
    }
    Diagnosis {
        container: name,
        state,
        exit_code: (!running).then_some(st.exit_code),
        oom_killed: st.oom_killed,
        restarts: details.restart_count,
        health,
        memory_limit: limit,
        last_logs: logs.to_vec(),
        findings,
    }
}

/// `67108864` → `64MiB`.
pub fn human_bytes(b: i64) -> String {
    let b = b.max(0) as f64;
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if (v - v.round()).abs() < 0.05 { format!("{:.0}{}", v, units[u]) } else { format!("{:.1}{}", v, units[u]) }
}

/// `268435456` → `256m`, as `docker update --memory` and app.yaml take it.
pub fn docker_size(b: i64) -> String {
    let mib = (b.max(0) as f64 / 1_048_576.0).ceil() as i64;
    if mib >= 1024 && mib % 1024 == 0 { format!("{}g", mib / 1024) } else { format!("{mib}m") }
}

/// Why a service of an app on a swarm is in trouble, from what the swarm reports of its tasks
/// (`docker service ps`): missing replicas, the task errors in the swarm's words, an update
/// Swarm rolled back or paused. Pure.
pub fn diagnose_service(r: &tuxpilot_orchestrator::ServiceReport) -> Vec<Finding> {
    let mut out = Vec::new();
    let failed: Vec<&tuxpilot_orchestrator::TaskReport> =
        r.tasks.iter().filter(|t| matches!(t.state.as_str(), "failed" | "rejected") || !t.error.is_empty()).collect();
    let pending: Vec<&tuxpilot_orchestrator::TaskReport> =
        r.tasks.iter().filter(|t| t.desired_state == "running" && t.state != "running").collect();
    if let Some(state) =
        r.update_state.as_deref().filter(|s| matches!(*s, "rollback_completed" | "paused" | "rollback_paused"))
    {
        out.push(Finding {
            kind: "update_failed",
            problem: format!("the last update of {} ended {}", r.name, state.replace('_', " ")),
            explanation: r.update_message.clone().unwrap_or_else(|| "Swarm stopped the update".into()),
            fix: format!(
                "fix the cause below and deploy again, or roll the app back: `tuxpilot containers rollback {}`",
                r.app
            ),
        });
    }
    if let Some(t) = failed.first() {
        let why = if t.error.is_empty() { t.message.clone() } else { t.error.clone() };
        let low = why.to_lowercase();
        let (explanation, fix) = if low.contains("no such image") || low.contains("manifest unknown") {
            (
                "a node could not find the image".to_string(),
                "push the image to a registry every node reaches, or load it on each node".to_string(),
            )
        } else if low.contains("unhealthy") {
            (
                "its health check keeps failing, so Swarm replaces it".to_string(),
                "read the service's logs (`docker service logs`) and fix the check or the app".to_string(),
            )
        } else if low.contains("non-zero exit") {
            (
                "its container exits with an error".to_string(),
                "read its logs (`docker service logs`) for the cause".to_string(),
            )
        } else if low.contains("no suitable node") || low.contains("insufficient resources") {
            (
                "no node meets its placement constraints or resource reservations".to_string(),
                "relax `placement` or the reservations, or add a node".to_string(),
            )
        } else {
            (
                "Swarm reported it".to_string(),
                "read the service's tasks (`docker service ps --no-trunc`) and logs".to_string(),
            )
        };
        out.push(Finding {
            kind: "task_failed",
            problem: format!("task {} on {}: {why}", t.name, if t.node.is_empty() { "no node" } else { &t.node }),
            explanation,
            fix,
        });
    }
    if let Some(t) = pending.iter().find(|t| t.state == "pending" || t.node.is_empty()) {
        out.push(Finding {
            kind: "not_scheduled",
            problem: format!(
                "task {} is {}: {}",
                t.name,
                t.state,
                if t.error.is_empty() { &t.message } else { &t.error }
            ),
            explanation: "Swarm has not placed it on a node".into(),
            fix: "check `placement` constraints, reservations and that the nodes are ready (`tuxpilot engine nodes`)"
                .into(),
        });
    }
    if let Some(d) = r.desired
        && (r.running as u64) < d
    {
        out.push(Finding {
            kind: "missing_replicas",
            problem: format!("{} runs {} of {d} replicas", r.name, r.running),
            explanation: "some replicas are not running".into(),
            fix: "see the task errors above".into(),
        });
    }
    if out.is_empty() {
        out.push(Finding {
            kind: "healthy",
            problem: format!("nothing wrong found with {}", r.name),
            explanation: format!(
                "{} replica(s) run{}",
                r.running,
                r.desired.map(|d| format!(" of {d} wanted")).unwrap_or_default()
            ),
            fix: "if it misbehaves anyway, read its logs (`docker service logs`)".into(),
        });
    }
    out
}
