//! Monitoring that outlives the command that set it up ("set up monitoring for my
//! containers"): `tuxpilot containers monitor --alerts` kept running in the background.
//!
//! Where the user has a systemd user manager, it is a user service,
//! `tuxpilot-monitor.service`, restarted on failure and started at login
//! (`systemctl --user status tuxpilot-monitor`, `journalctl --user -u tuxpilot-monitor`).
//! Elsewhere (containers, CI, hosts without a user session) it is a detached process in its own
//! process group, its pid in `STATE_DIR/monitor.pid` and its output in `STATE_DIR/monitor.log`.
//! [`stop`] undoes either. `TUXPILOT_BACKGROUND=process` chooses the detached process even where
//! systemd runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The systemd user unit's name.
pub const UNIT: &str = "tuxpilot-monitor.service";

/// How the background monitor runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "mechanism", rename_all = "snake_case")]
pub enum Running {
    /// A systemd user service.
    Systemd {
        /// The unit file written.
        unit_file: PathBuf,
    },
    /// A detached process.
    Process {
        /// Its pid.
        pid: u32,
        /// Where its pid is kept.
        pid_file: PathBuf,
        /// Where its output goes.
        log: PathBuf,
    },
}

impl Running {
    /// How to see it, in one line.
    pub fn how_to_see(&self) -> String {
        match self {
            Running::Systemd { .. } => format!("systemctl --user status {UNIT}; journalctl --user -u {UNIT}"),
            Running::Process { log, pid, .. } => format!("process {pid}; its alerts are in {}", log.display()),
        }
    }
}

/// Why the background monitor could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    /// A file could not be written or read.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// systemctl refused.
    #[error("systemctl --user {args}: {output}")]
    Systemctl {
        /// Its arguments.
        args: String,
        /// What it said.
        output: String,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackgroundError + use<> {
    let path = path.to_path_buf();
    move |source| BackgroundError::Io { action, path, source }
}

/// Where the pid and log of a detached monitor are kept: `$XDG_STATE_HOME/tuxpilot`, else
/// `~/.local/state/tuxpilot`, else the temporary directory.
pub fn default_state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("tuxpilot")
}

/// `TUXPILOT_BACKGROUND=process`: a detached process even where systemd runs (tests, or a user
/// who does not want a unit).
fn process_forced() -> bool {
    std::env::var("TUXPILOT_BACKGROUND").is_ok_and(|v| v == "process")
}

/// Whether this user has a systemd user manager to run services.
pub fn systemd_user_available() -> bool {
    let Ok(out) = Command::new("systemctl").args(["--user", "is-system-running"]).stdin(Stdio::null()).output() else {
        return false;
    };
    let state = String::from_utf8_lossy(&out.stdout);
    matches!(state.trim(), "running" | "degraded" | "starting")
}

/// The unit file for `argv`: restarted on failure, started with the user session.
pub fn unit_file(argv: &[String]) -> String {
    let exec: Vec<String> = argv.iter().map(|a| systemd_quote(a)).collect();
    format!(
        "# Written by tuxpilot (\"set up monitoring\"). Remove with: tuxpilot containers monitor --stop\n\
         [Unit]\nDescription=TuxPilot container monitoring and alerts\n\n\
         [Service]\nExecStart={}\nRestart=on-failure\nRestartSec=5\n\n\
         [Install]\nWantedBy=default.target\n",
        exec.join(" ")
    )
}

fn systemd_quote(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:,@+".contains(c)) {
        a.to_string()
    } else {
        format!("\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\"").replace('%', "%%"))
    }
}

fn systemctl(args: &[&str]) -> Result<(), BackgroundError> {
    let out = Command::new("systemctl")
        .arg("--user")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BackgroundError::Systemctl { args: args.join(" "), output: e.to_string() })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(BackgroundError::Systemctl {
            args: args.join(" "),
            output: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

fn unit_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("systemd/user").join(UNIT))
}

/// What runs now, if anything.
pub fn status(state_dir: &Path) -> Option<Running> {
    if let Some(unit) = unit_path().filter(|u| u.is_file() && !process_forced()) {
        return Some(Running::Systemd { unit_file: unit });
    }
    let pid_file = state_dir.join("monitor.pid");
    let pid = read_pid(&pid_file)?;
    alive(pid).then(|| Running::Process { pid, pid_file, log: state_dir.join("monitor.log") })
}

fn read_pid(pid_file: &Path) -> Option<u32> {
    let text = tuxpilot_docker::files::read_to_string(pid_file).ok()?;
    text.trim().parse().ok()
}

/// A live process of ours: its command line names `monitor` (a recycled pid is left alone).
fn alive(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| c.split(|b| *b == 0).any(|a| a == b"monitor"))
        .unwrap_or(false)
}

/// Starts `argv` (the `tuxpilot containers monitor --alerts …` command) in the background,
/// replacing one already running.
pub fn start(argv: &[String], state_dir: &Path) -> Result<Running, BackgroundError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(BackgroundError::Systemctl { args: String::new(), output: "no command to run".into() });
    };
    let _ = stop(state_dir);
    if !process_forced()
        && systemd_user_available()
        && let Some(unit) = unit_path()
    {
        if let Some(dir) = unit.parent() {
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        std::fs::write(&unit, unit_file(argv)).map_err(io("write", &unit))?;
        systemctl(&["daemon-reload"])?;
        systemctl(&["enable", "--now", UNIT])?;
        return Ok(Running::Systemd { unit_file: unit });
    }
    std::fs::create_dir_all(state_dir).map_err(io("create", state_dir))?;
    let log = state_dir.join("monitor.log");
    let out = std::fs::OpenOptions::new().create(true).append(true).open(&log).map_err(io("open", &log))?;
    let err = out.try_clone().map_err(io("open", &log))?;
    use std::os::unix::process::CommandExt;
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        // Its own process group: a Ctrl-C in the terminal that started it does not reach it.
        .process_group(0)
        .spawn()
        .map_err(io("run", Path::new(program)))?;
    let pid_file = state_dir.join("monitor.pid");
    std::fs::write(&pid_file, format!("{}\n", child.id())).map_err(io("write", &pid_file))?;
    Ok(Running::Process { pid: child.id(), pid_file, log })
}

/// Stops the background monitor. `Ok(None)` when none ran.
pub fn stop(state_dir: &Path) -> Result<Option<Running>, BackgroundError> {
    if let Some(unit) = unit_path().filter(|u| u.is_file() && !process_forced()) {
        if systemd_user_available() {
            systemctl(&["disable", "--now", UNIT])?;
        }
        std::fs::remove_file(&unit).map_err(io("remove", &unit))?;
        let _ = systemctl(&["daemon-reload"]);
        return Ok(Some(Running::Systemd { unit_file: unit }));
    }
    let pid_file = state_dir.join("monitor.pid");
    let Some(pid) = read_pid(&pid_file) else { return Ok(None) };
    let running =
        alive(pid).then(|| Running::Process { pid, pid_file: pid_file.clone(), log: state_dir.join("monitor.log") });
    if running.is_some()
        && let Some(p) = rustix::process::Pid::from_raw(pid as i32)
    {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::TERM);
    }
    let _ = std::fs::remove_file(&pid_file);
    Ok(running)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_runs_the_command_quoted() {
        let u = unit_file(&[
            "/usr/bin/tuxpilot".into(),
            "containers".into(),
            "monitor".into(),
            "--alerts".into(),
            "a b".into(),
        ]);
        assert!(u.contains("ExecStart=/usr/bin/tuxpilot containers monitor --alerts \"a b\"\n"), "{u}");
        assert!(u.contains("Restart=on-failure"));
    }
}
