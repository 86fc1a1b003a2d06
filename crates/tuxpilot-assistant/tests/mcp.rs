//! The MCP server through a real MCP client (rmcp's, in-process over a duplex pipe), on the
//! real engine: tools and their annotations, `read_only`, validation, a read and a write.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::json;
use tuxpilot_assistant::mcp::McpServer;
use tuxpilot_assistant::{ExecSettings, Executor};
use tuxpilot_docker::{ContainerSpec, Engine};
use tuxpilot_tests::{Cleanup, TEST_IMAGE, TEST_LABEL, engine, unique_name};

async fn connect(engine: Arc<dyn Engine>, read_only: bool) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let server = McpServer::new(Executor::new(engine, ExecSettings::default()), read_only);
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("the MCP handshake")
}

fn call(name: &'static str, args: serde_json::Value) -> CallToolRequestParams {
    let serde_json::Value::Object(m) = args else { panic!("object") };
    CallToolRequestParams::new(name).with_arguments(m)
}

#[tokio::test]
async fn mcp_clients_see_annotated_tools_and_can_call_them() {
    let Some(engine) = engine().await else { return };
    let engine: Arc<dyn Engine> = Arc::new(engine);
    let cleanup = Cleanup::new();
    let name = unique_name("mcp");
    cleanup.container(&name);
    let spec = ContainerSpec {
        name: Some(name.clone()),
        image: TEST_IMAGE.into(),
        command: Some(vec![
            "sh".into(),
            "-c".into(),
            "echo hello from mcp; trap 'exit 0' TERM; while :; do sleep 1; done".into(),
        ]),
        labels: [(TEST_LABEL.to_string(), "1".to_string())].into(),
        environment: [("API_KEY".to_string(), "do-not-leak-42".to_string())].into(),
        ..Default::default()
    };
    let id = engine.create_container(spec).await.unwrap().id;
    engine.start_container(&id).await.unwrap();

    let client = connect(engine.clone(), false).await;
    let tools = client.peer().list_tools(None).await.unwrap().tools;
    let tool = |n: &str| tools.iter().find(|t| t.name == n).unwrap_or_else(|| panic!("no tool {n}")).clone();
    for n in ["list", "inspect", "logs", "scan_runtime", "scan_image", "deployments", "updates_check"] {
        assert_eq!(tool(n).annotations.unwrap().read_only_hint, Some(true), "{n}");
    }
    // Scale removes replicas, deploy and rollback replace containers, restart interrupts them.
    for n in [
        "stop",
        "remove",
        "compose_down",
        "scale",
        "deploy",
        "rollback",
        "restart",
        "compose_up",
        "monitor",
        "prune",
        "monitor_stop",
        "updates_apply",
        "auto_update",
    ] {
        let a = tool(n).annotations.unwrap();
        assert_eq!((a.read_only_hint, a.destructive_hint), (Some(false), Some(true)), "{n}");
    }
    let start = tool("start").annotations.unwrap();
    assert_eq!((start.destructive_hint, start.idempotent_hint), (Some(false), Some(true)));
    assert_eq!(tool("restart").annotations.unwrap().idempotent_hint, Some(false));
    assert!(tool("logs").input_schema.get("properties").is_some_and(|p| p.get("tail").is_some()));
    assert!(!tools.iter().any(|t| t.name == "clarify" || t.name == "refuse"));

    // A read: the reply as text, the data structured, the environment masked.
    let r = client.peer().call_tool(call("inspect", json!({"target": name}))).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    let data = r.structured_content.clone().unwrap();
    assert!(data.to_string().contains("API_KEY=****") && !data.to_string().contains("do-not-leak-42"), "{data}");
    let r = client.peer().call_tool(call("logs", json!({"target": name, "tail": 5}))).await.unwrap();
    assert!(format!("{:?}", r.content).contains("hello from mcp"), "{r:?}");

    // Invalid arguments are a tool error the caller reads, not a protocol failure.
    let r = client.peer().call_tool(call("stop", json!({"target": name, "signal": "KILL"}))).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(format!("{:?}", r.content).contains("unknown field `signal`"), "{r:?}");

    // A write.
    let r = client.peer().call_tool(call("stop", json!({"target": name}))).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    assert!(!engine.inspect_container(&id).await.unwrap().state.running);
    // A project the engine does not have is said so, not "down".
    let r = client.peer().call_tool(call("compose_down", json!({"project": "tp-no-such-project-0"}))).await.unwrap();
    assert_eq!(r.is_error, Some(false), "{r:?}");
    assert!(format!("{:?}", r.content).contains("No resource found"), "{r:?}");
    client.cancel().await.unwrap();

    // Read-only: the writes are neither listed nor callable.
    let client = connect(engine.clone(), true).await;
    let tools = client.peer().list_tools(None).await.unwrap().tools;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(names.contains(&"list") && names.contains(&"diagnose"), "{names:?}");
    for w in ["start", "stop", "remove", "deploy", "scale", "rollback", "compose_up", "compose_down", "monitor"] {
        assert!(!names.contains(&w), "{w} offered read-only");
    }
    let r = client.peer().call_tool(call("start", json!({"target": name}))).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(format!("{:?}", r.content).contains("read-only"), "{r:?}");
    assert!(!engine.inspect_container(&id).await.unwrap().state.running);
    client.cancel().await.unwrap();
}
