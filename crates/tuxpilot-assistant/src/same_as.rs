//! The `tuxpilot` commands that do what a plan does, as typed values: the assistant says what
//! to run, and a front end renders it with its own argument types (the CLI renders each with
//! its flags and checks it parses back into the command meant). Libraries never depend on the
//! CLI, so no string of a command is made here.

/// A container lifecycle command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// `containers start`.
    Start,
    /// `containers stop`.
    Stop,
    /// `containers restart`.
    Restart,
    /// `containers rm --force`.
    Remove,
}

/// One command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum SameAs {
    /// `containers list [--all]`.
    List {
        /// Stopped ones too.
        all: bool,
    },
    /// `containers inspect NAME…`.
    Inspect {
        /// Containers.
        containers: Vec<String>,
    },
    /// `containers start|stop|restart|rm --force NAME…`.
    Lifecycle {
        /// Which.
        verb: Lifecycle,
        /// Containers.
        containers: Vec<String>,
    },
    /// `containers logs [--tail N] [--follow] NAME`.
    Logs {
        /// Container.
        container: String,
        /// Last lines.
        tail: Option<u64>,
        /// Keep streaming.
        follow: bool,
    },
    /// `containers deploy --file FILE [--name NAME]`.
    Deploy {
        /// The app file.
        file: String,
        /// The app's name.
        name: Option<String>,
    },
    /// `containers scale SERVICE --replicas N`.
    Scale {
        /// `APP/SERVICE` or a service.
        service: String,
        /// Replicas.
        replicas: u32,
    },
    /// `containers rollback APP [--to V]`.
    Rollback {
        /// App.
        app: String,
        /// Version.
        to: Option<String>,
    },
    /// `containers history APP`.
    History {
        /// App.
        app: String,
    },
    /// `containers deployments`.
    Deployments,
    /// `containers scan --all` or `--container NAME`.
    ScanContainers {
        /// One container, or every running one.
        container: Option<String>,
    },
    /// `containers scan --image REF`.
    ScanImage {
        /// Image.
        image: String,
    },
    /// `containers optimize [NAME]`.
    Optimize {
        /// One container, or all.
        container: Option<String>,
    },
    /// `containers monitor [--real-time] [--filter name=NAME]`.
    Monitor {
        /// The live view.
        realtime: bool,
        /// One container.
        container: Option<String>,
    },
    /// `containers monitor --alerts --detach [--filter name=NAME]`.
    MonitorDetach {
        /// One container.
        container: Option<String>,
    },
    /// `containers monitor --stop`.
    MonitorStop,
    /// `compose [-f FILE] [-p PROJECT] up -d`.
    ComposeUp {
        /// File or directory.
        file: Option<String>,
        /// Project.
        project: Option<String>,
    },
    /// `compose [-f FILE] [-p PROJECT] down`.
    ComposeDown {
        /// File or directory.
        file: Option<String>,
        /// Project.
        project: Option<String>,
    },
    /// `containers prune`.
    Prune,
    /// `containers updates check [TARGET]`.
    UpdatesCheck {
        /// An app, compose project or container; everything when absent.
        target: Option<String>,
    },
    /// `containers updates apply [TARGET]`.
    UpdatesApply {
        /// An app, compose project or container; everything when absent.
        target: Option<String>,
    },
    /// `containers updates set TARGET POLICY --yes`.
    UpdatesSet {
        /// An app, `APP/SERVICE` or container.
        target: String,
        /// off, digest, patch, minor, major.
        policy: String,
    },
}
