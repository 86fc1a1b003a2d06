//! `containers run` in docker's shape: options, then the image, then the command (no `--`);
//! attached by default with the container's exit code as ours, `-d` in the background, `-i`
//! forwarding stdin, `-it` a TTY, `--rm` removing it, `--env-file` as docker reads it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, docker_cli, drive_terminal, engine, output_text, unique_name};

fn tuxpilot() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tuxpilot"));
    c.env("TUXPILOT_CONFIG", "/dev/null").env("TERM", "xterm");
    c
}

fn exists(name: &str) -> bool {
    !docker_cli(&["ps", "-aq", "--filter", &format!("name=^{name}$")]).is_empty()
}

#[tokio::test]
async fn attached_run_streams_both_outputs_and_returns_the_exit_code() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("run-att");
    cleanup.container(&name);
    // The command follows the image, its own flags (`-c`) included: no `--` needed.
    let o = tuxpilot()
        .args(["containers", "run", "--rm", "--name", &name, "--label", TEST_LABEL, TEST_IMAGE])
        .args(["sh", "-c", "echo to-out; echo to-err >&2; exit 3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", output_text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "to-out\n");
    assert_eq!(String::from_utf8_lossy(&o.stderr), "to-err\n", "nothing of ours beside the container's");
    assert!(!exists(&name), "--rm removed it once it exited");

    // Without --rm the exited container stays, as docker's does; a leading `--` (the old
    // shape) is still understood.
    let o = tuxpilot()
        .args(["containers", "run", "--name", &name, "--label", TEST_LABEL, TEST_IMAGE, "--", "echo", "old-shape"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "old-shape\n");
    assert_eq!(docker_cli(&["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", &name]), "exited 0");

    // A command that is not there: 127, as docker run, and nothing left behind.
    let missing = unique_name("run-127");
    cleanup.container(&missing);
    let o = tuxpilot()
        .args(["containers", "run", "--name", &missing, "--label", TEST_LABEL, TEST_IMAGE, "no-such-command"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(127), "{}", output_text(&o));
    assert!(output_text(&o).contains("executable file not found"), "{}", output_text(&o));
    assert!(!exists(&missing));
}

#[tokio::test]
async fn detached_run_prints_the_id_and_leaves_it_running() {
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("run-d");
    cleanup.container(&name);
    // With docker's less common flags too, as a docker user writes them.
    let o = tuxpilot()
        .args(["containers", "run", "-d", "--name", &name, "--label", TEST_LABEL])
        .args(["--mount", "type=tmpfs,target=/scratch", "--tmpfs", "/run2:size=8m", "--dns", "10.0.0.53"])
        .args(["--shm-size", "32m", "--ulimit", "nofile=512:1024", "--expose", "9000", "--log-opt", "max-size=1m"])
        .args(["--security-opt", "no-new-privileges", "--group-add", "123", "--memory-reservation", "16m"])
        .args([TEST_IMAGE, "sleep", "300"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(id.len(), 64, "the full id, as docker prints it: {id}");
    assert_eq!(docker_cli(&["inspect", "-f", "{{.State.Running}} {{.Path}} {{.Args}}", &id]), "true sleep [300]");
    let host = docker_cli(&[
        "inspect",
        "-f",
        "{{range .HostConfig.Mounts}}{{.Type}}:{{.Target}} {{end}}|{{.HostConfig.Tmpfs}}|{{.HostConfig.Dns}}|{{.HostConfig.ShmSize}}|{{range .HostConfig.Ulimits}}{{.Name}}={{.Soft}}:{{.Hard}}{{end}}|{{.HostConfig.LogConfig.Config}}|{{.HostConfig.SecurityOpt}}|{{.HostConfig.GroupAdd}}|{{.HostConfig.MemoryReservation}}",
        &id,
    ]);
    assert_eq!(
        host,
        "tmpfs:/scratch |map[/run2:size=8m]|[10.0.0.53]|33554432|nofile=512:1024|map[max-size:1m]|[no-new-privileges]|[123]|16777216"
    );
    assert_eq!(docker_cli(&["inspect", "-f", "{{json .Config.ExposedPorts}}", &id]), r#"{"9000/tcp":{}}"#);
    // -d with --rm is the engine's auto-remove: it goes when it stops.
    let auto = unique_name("run-drm");
    cleanup.container(&auto);
    let o = tuxpilot()
        .args(["containers", "run", "-d", "--rm", "--name", &auto, "--label", TEST_LABEL, TEST_IMAGE, "sleep", "300"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    assert_eq!(docker_cli(&["inspect", "-f", "{{.HostConfig.AutoRemove}}", &auto]), "true");
}

#[tokio::test]
async fn interactive_run_reads_stdin_and_env_files_as_docker_does() {
    let Some(_engine) = engine().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("app.env");
    std::fs::write(&env_file, "# a comment\nGREETING=hello \"world\"\n\nFROM_HERE\nOVERRIDDEN=file\n").unwrap();
    let mut child = tuxpilot()
        .env("FROM_HERE", "passed-through")
        .args(["containers", "run", "-i", "--rm", "--label", TEST_LABEL, "--env-file"])
        .arg(&env_file)
        .args(["-e", "OVERRIDDEN=flag", TEST_IMAGE])
        .args(["sh", "-c", "cat; echo \"$GREETING|$FROM_HERE|$OVERRIDDEN\""])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"from stdin\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", output_text(&o));
    // Values verbatim (quotes kept, as docker keeps them), `-e` over the file.
    assert_eq!(String::from_utf8_lossy(&o.stdout), "from stdin\nhello \"world\"|passed-through|flag\n");

    // Without -i the container's stdin is closed: `cat` ends at once.
    let o = tuxpilot()
        .args(["containers", "run", "--rm", "--label", TEST_LABEL, TEST_IMAGE, "cat"])
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", output_text(&o));

    // A bad line names the file and line; nothing is created.
    std::fs::write(&env_file, "OK=1\nnot a variable\n").unwrap();
    let o = tuxpilot()
        .args(["containers", "run", "--rm", "--label", TEST_LABEL, "--env-file"])
        .arg(&env_file)
        .args([TEST_IMAGE, "true"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", output_text(&o));
    assert!(output_text(&o).contains("app.env:2:"), "{}", output_text(&o));
}

#[tokio::test]
async fn run_it_gives_a_terminal() {
    let Some(_engine) = engine().await else { return };
    let mut cmd = tuxpilot();
    cmd.args(["containers", "run", "-it", "--rm", "--label", TEST_LABEL, TEST_IMAGE, "sh"]);
    let (code, seen) = drive_terminal(
        cmd,
        &[("#", "[ -t 0 ] && echo tty-$((6*7)); stty size\r"), ("tty-42", ""), ("30 100", "exit 5\r")],
    );
    assert_eq!(code, 5, "{seen}");
}

#[tokio::test]
async fn ctrl_c_reaches_the_attached_container() {
    use std::io::BufRead;
    let Some(_engine) = engine().await else { return };
    let cleanup = Cleanup::new();
    let name = unique_name("run-int");
    cleanup.container(&name);
    let mut child = tuxpilot()
        .args(["containers", "run", "--rm", "--name", &name, "--label", TEST_LABEL, TEST_IMAGE])
        .args(["sh", "-c", "trap 'echo got-int; exit 9' INT; echo ready; while true; do sleep 0.1; done"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap(),
        rustix::process::Signal::INT,
    )
    .unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "got-int", "the container's trap ran");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(9), "its exit code is ours");
    assert!(!exists(&name), "--rm still removed it");
}
