//! Feeds arbitrary text to the assistant's offline parser over an inventory with an app, a
//! compose project, replicas and a stopped container; and arbitrary JSON as a model's or an MCP
//! client's tool call. Whatever comes out must validate. Any panic is a bug.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tuxpilot_assistant::{Conversation, Intent, Inventory, KnownApp, KnownContainer, parse, plan};

fn inventory() -> &'static Inventory {
    static INV: OnceLock<Inventory> = OnceLock::new();
    INV.get_or_init(|| {
        let c = |name: &str, project: Option<&str>, service: Option<&str>, running: bool| KnownContainer {
            name: name.into(),
            id: format!("{:0>12x}", name.len()),
            image: "nginx:1.25".into(),
            service: service.map(Into::into),
            project: project.map(Into::into),
            running,
        };
        Inventory {
            containers: vec![
                c("shop-web-1", Some("shop"), Some("web"), true),
                c("shop-web-2", Some("shop"), Some("web"), true),
                c("shop-db-1", Some("shop"), Some("db"), true),
                c("api", None, None, true),
                c("old", None, None, false),
            ],
            apps: vec![KnownApp { name: "shop".into(), services: vec!["web".into(), "db".into()] }],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let conversation = Conversation { container: Some("api".into()), service: Some("web".into()), app: None };
    let intent = parse(text, inventory(), &conversation);
    assert!(intent.validate().is_ok(), "the parser produced an invalid intent for {text:?}: {intent:?}");
    let _ = plan(&intent);
    // The same bytes as a tool call: `name\0{json}`.
    if let Some((name, args)) = text.split_once('\0')
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(args)
        && let Ok(i) = Intent::from_call(name, v)
    {
        let _ = plan(&i);
    }
});
