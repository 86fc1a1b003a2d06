//! What converting one service carries: the project and options it sees, and where its
//! warnings go; the selector labels every object of a service shares.

use std::collections::BTreeMap;

use tuxpilot_compose::Project;

use crate::model::{ExportOptions, ExportWarning, SELECTOR};

/// What the conversion of every service needs to see.
pub(crate) struct Ctx<'a> {
    pub project: &'a Project,
    pub options: &'a ExportOptions,
}

impl<'a> Ctx<'a> {
    pub fn new(project: &'a Project, options: &'a ExportOptions) -> Self {
        Self { project, options }
    }
}

/// Collects warnings for one service.
pub(crate) struct Report<'w> {
    pub service: String,
    pub(crate) key: String,
    pub(crate) warnings: &'w mut Vec<ExportWarning>,
}

impl<'w> Report<'w> {
    /// A report whose warnings go to `sink` and are not kept.
    pub fn silent(sink: &'w mut Vec<ExportWarning>) -> Self {
        Self { service: String::new(), key: String::new(), warnings: sink }
    }

    pub fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(ExportWarning {
            service: Some(self.key.clone()),
            field: if field.is_empty() {
                format!("services.{}", self.key)
            } else {
                format!("services.{}.{field}", self.key)
            },
            message: message.into(),
        });
    }
}

pub(crate) fn labels_of(l: &BTreeMap<String, Option<String>>) -> BTreeMap<String, String> {
    l.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())).collect()
}

pub(crate) fn selector(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(SELECTOR.to_string(), name.to_string())])
}
