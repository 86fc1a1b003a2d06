//! TuxPilot's test kit for tests that run against a real Docker Engine.
//!
//! - [`engine`] connects to the engine, or skips the test with a message when none answers —
//!   unless `TUXPILOT_REQUIRE_DOCKER=1` (set by `.ci/run`), where a missing engine fails the test.
//! - [`unique_name`] gives resource names that do not collide between parallel tests or runs.
//! - [`Cleanup`] removes every container, network and volume a test registered, when it is
//!   dropped, so a failing test leaves nothing behind.
//! - [`TEST_IMAGE`] is the local busybox image `scripts/dev-engine.sh` builds (nothing is pulled).
//!
//! ```no_run
//! # async fn t() {
//! let Some(engine) = tuxpilot_tests::engine().await else { return };
//! let cleanup = tuxpilot_tests::Cleanup::new();
//! let name = tuxpilot_tests::unique_name("web");
//! cleanup.container(&name);
//! # }
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub mod fake_daemon;

use tuxpilot_docker::{BollardEngine, ConnectionConfig, Engine, Filters, RemoveOptions};

/// The local test image built by `scripts/dev-engine.sh` from the host's static busybox.
pub const TEST_IMAGE: &str = "tuxpilot-test/busybox:latest";

/// Label put on every resource tests create, so stray ones can be found and removed.
pub const TEST_LABEL: &str = "io.tuxpilot.test";

/// True when `TUXPILOT_REQUIRE_DOCKER=1`: tests that need an engine must fail, not skip.
pub fn docker_required() -> bool {
    std::env::var("TUXPILOT_REQUIRE_DOCKER").is_ok_and(|v| v == "1")
}

/// Connects to the engine from the environment, checks the test image is there, and returns
/// `None` (after saying why on stderr) when the test should be skipped.
///
/// # Panics
/// When no engine answers or the test image is missing and [`docker_required`] is true.
pub async fn engine() -> Option<BollardEngine> {
    let why = match BollardEngine::connect(&ConnectionConfig::from_env()).await {
        Ok(engine) => match engine.inspect_image(TEST_IMAGE).await {
            Ok(_) => return Some(engine),
            Err(e) => {
                format!("test image {TEST_IMAGE} is missing ({e}); run scripts/dev-engine.sh")
            }
        },
        Err(e) => format!("no Docker engine: {e}; run scripts/dev-engine.sh"),
    };
    if docker_required() {
        panic!("TUXPILOT_REQUIRE_DOCKER=1 but {why}");
    }
    eprintln!("skipping real-engine test: {why}");
    None
}

/// A name no other test or run uses: `tp-<prefix>-<pid>-<time>-<n>`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("tp-{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// Removes registered containers, networks, volumes and images when dropped, also when the test panics.
#[derive(Default)]
pub struct Cleanup {
    containers: Mutex<Vec<String>>,
    networks: Mutex<Vec<String>>,
    volumes: Mutex<Vec<String>>,
    images: Mutex<Vec<String>>,
}

impl Cleanup {
    /// Nothing registered yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a container (name or id) for removal.
    pub fn container(&self, name: &str) {
        lock(&self.containers).push(name.to_string());
    }

    /// Registers a network for removal.
    pub fn network(&self, name: &str) {
        lock(&self.networks).push(name.to_string());
    }

    /// Registers a volume for removal.
    pub fn volume(&self, name: &str) {
        lock(&self.volumes).push(name.to_string());
    }

    /// Registers an image (tag or id) for removal, after the containers.
    pub fn image(&self, reference: &str) {
        lock(&self.images).push(reference.to_string());
    }

    /// Registers every volume carrying `label` (found when the clean-up runs).
    pub fn volumes_labelled(&self, label: &str) {
        lock(&self.volumes).push(format!("label:{label}"));
    }

    /// Registers every container carrying `label` (e.g. a compose project label).
    pub fn containers_labelled(&self, label: &str) {
        lock(&self.containers).push(format!("label:{label}"));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let containers = std::mem::take(&mut *lock(&self.containers));
        let networks = std::mem::take(&mut *lock(&self.networks));
        let volumes = std::mem::take(&mut *lock(&self.volumes));
        let images = std::mem::take(&mut *lock(&self.images));
        if containers.is_empty() && networks.is_empty() && volumes.is_empty() && images.is_empty() {
            return;
        }
        // Drop may run inside a tokio runtime; do the async clean-up on a thread of its own.
        let worker = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                let Ok(engine) = BollardEngine::connect(&ConnectionConfig::from_env()).await else {
                    return;
                };
                let force = RemoveOptions { force: true, volumes: true };
                for c in containers {
                    if let Some(label) = c.strip_prefix("label:") {
                        let opts =
                            tuxpilot_docker::ListContainersOptions { all: true, filters: Filters::new().label(label) };
                        for found in engine.list_containers(opts).await.unwrap_or_default() {
                            let _ = engine.remove_container(&found.id, force).await;
                        }
                    } else {
                        let _ = engine.remove_container(&c, force).await;
                    }
                }
                for n in networks {
                    let _ = engine.remove_network(&n).await;
                }
                for v in volumes {
                    match v.strip_prefix("label:") {
                        Some(label) => {
                            for found in engine.list_volumes(Filters::new().label(label)).await.unwrap_or_default() {
                                let _ = engine.remove_volume(&found.name, true).await;
                            }
                        }
                        None => {
                            let _ = engine.remove_volume(&v, true).await;
                        }
                    }
                }
                for i in images {
                    let _ = engine.remove_image(&i, true).await;
                }
            });
        });
        let _ = worker.join();
    }
}

/// A pseudo-terminal pair of `cols`×`rows`, (master, slave), for tests of terminal programs.
///
/// # Panics
/// When the system has no pseudo-terminals.
#[allow(clippy::unwrap_used)]
pub fn pty(cols: u16, rows: u16) -> (std::fs::File, std::os::fd::OwnedFd) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use std::os::unix::ffi::OsStrExt;
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave: std::os::fd::OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(std::path::Path::new(std::ffi::OsStr::from_bytes(name.as_bytes())))
        .unwrap()
        .into();
    rustix::termios::tcsetwinsize(
        &slave,
        rustix::termios::Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 },
    )
    .unwrap();
    (std::fs::File::from(master), slave)
}

/// A process started on a pseudo-terminal by [`on_a_terminal`].
pub struct OnTerminal {
    /// The process.
    pub child: std::process::Child,
    /// The terminal's master side: what is written here is typed into the process.
    pub master: std::fs::File,
    /// What the terminal shows, in chunks as the process writes them; it ends when the
    /// terminal closes.
    pub output: std::sync::mpsc::Receiver<Vec<u8>>,
}

/// Starts `command` with its stdin, stdout and stderr on a new `cols`×`rows` pseudo-terminal
/// and reads the terminal on a thread.
///
/// # Panics
/// When the terminal cannot be made or the command cannot start.
#[allow(clippy::unwrap_used)]
pub fn on_a_terminal(mut command: std::process::Command, cols: u16, rows: u16) -> OnTerminal {
    use std::io::Read;
    use std::process::Stdio;
    let (master, slave) = pty(cols, rows);
    let child = command
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    let mut reader = master.try_clone().unwrap();
    let (tx, output) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    OnTerminal { child, master, output }
}

/// Drives `command` on a 100x30 pseudo-terminal: waits (30 s at most) for each
/// `(expect, then send)` in turn, and returns the exit code and everything the terminal showed.
///
/// # Panics
/// When an expected text never shows or the process does not exit within 30 s.
#[allow(clippy::unwrap_used)]
pub fn drive_terminal(command: std::process::Command, script: &[(&str, &str)]) -> (i32, String) {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let OnTerminal { mut child, mut master, output: rx } = on_a_terminal(command, 100, 30);
    let mut seen = String::new();
    for (expect, send) in script {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !seen.contains(expect) {
            assert!(Instant::now() < deadline, "{expect:?} never shown; the terminal showed:\n{seen}");
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
        master.write_all(send.as_bytes()).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            // The reader ends when the terminal closes; keep what it still had.
            while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(5)) {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
            break s;
        }
        assert!(Instant::now() < deadline, "did not exit; the terminal showed:\n{seen}");
        while let Ok(chunk) = rx.try_recv() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.code().unwrap_or(-1), seen)
}

/// A compose project in a new directory: `compose.yaml` is `name: <unique>` and `services:` with
/// `services` (indented YAML) under it. Returns the directory, the project's name, and a
/// [`Cleanup`] that removes its containers and default network.
///
/// # Panics
/// When the directory or file cannot be written.
#[allow(clippy::unwrap_used)]
pub fn compose_project(tag: &str, services: &str) -> (tempfile::TempDir, String, Cleanup) {
    let name = unique_name(tag).replace('.', "-");
    let cleanup = Cleanup::new();
    cleanup.containers_labelled(&format!("com.docker.compose.project={name}"));
    cleanup.network(&format!("{name}_default"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), format!("name: {name}\nservices:\n{services}")).unwrap();
    (dir, name, cleanup)
}

/// Runs the docker CLI and returns its trimmed stdout (empty when it fails).
///
/// # Panics
/// When the docker CLI cannot be started at all.
#[allow(clippy::expect_used)]
pub fn docker_cli(args: &[&str]) -> String {
    let out = std::process::Command::new("docker").args(args).output().expect("the docker CLI");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A finished process's exit code, stdout and stderr, for assertion messages.
pub fn output_text(o: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// True when `TUXPILOT_REQUIRE_SWARM=1`: tests that need a swarm must fail, not skip.
pub fn swarm_required() -> bool {
    std::env::var("TUXPILOT_REQUIRE_SWARM").is_ok_and(|v| v == "1")
}

/// Connects to the swarm manager at `TUXPILOT_SWARM_HOST` (scripts/dev-swarm.sh prints it), and
/// returns `None` (after saying why on stderr) when the test should be skipped.
///
/// # Panics
/// When no swarm manager answers and [`swarm_required`] is true.
pub async fn swarm() -> Option<BollardEngine> {
    let why = match std::env::var("TUXPILOT_SWARM_HOST") {
        Ok(host) if !host.is_empty() => {
            let config = ConnectionConfig { host: Some(host.clone()), ..Default::default() };
            match BollardEngine::connect(&config).await {
                Ok(engine) => match engine.info().await {
                    Ok(info) if info.swarm_state == "active" => return Some(engine),
                    Ok(info) => format!("{host} is not in a swarm (state {:?})", info.swarm_state),
                    Err(e) => format!("{host} does not answer: {e}"),
                },
                Err(e) => format!("cannot reach {host}: {e}"),
            }
        }
        _ => "TUXPILOT_SWARM_HOST is not set; run `bash scripts/dev-swarm.sh up` and export what it prints as TUXPILOT_SWARM_HOST".into(),
    };
    if swarm_required() {
        panic!("TUXPILOT_REQUIRE_SWARM=1 but {why}");
    }
    eprintln!("skipping swarm test: {why}");
    None
}

/// A running container of the test image, labelled as a test's, that prints `first_line` (if
/// any) and stops at once on TERM; `cleanup` removes it. Returns its unique name.
pub fn sleeper(cleanup: &Cleanup, prefix: &str, first_line: Option<&str>) -> String {
    let name = unique_name(prefix);
    cleanup.container(&name);
    let echo = first_line.map(|l| format!("echo {l}; ")).unwrap_or_default();
    let script = format!("{echo}trap 'exit 0' TERM; while :; do sleep 1; done");
    docker_cli(&["run", "-d", "--name", &name, "--label", TEST_LABEL, TEST_IMAGE, "sh", "-c", &script]);
    name
}
