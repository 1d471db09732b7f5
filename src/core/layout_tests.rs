//! The engine's modules depend on each other without a cycle, so each can
//! be read (and tested) knowing only the ones below it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Each module of `src/core/` (a file, or a folder as one module) and the
/// sibling modules its non-test code names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut sources = BTreeMap::new();
    for entry in fs::read_dir(&root).expect("src/core is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a UTF-8 name")
            .to_owned();
        if name == "mod" || name.ends_with("_tests") {
            continue;
        }
        let mut text = String::new();
        let files: Vec<_> = if path.is_dir() {
            fs::read_dir(&path)
                .expect("a module folder is readable")
                .map(|entry| entry.expect("a directory entry").path())
                .collect()
        } else {
            vec![path]
        };
        for file in files {
            let source = fs::read_to_string(&file).expect("a source file is readable");
            // Test modules may reach anywhere.
            text.push_str(source.split("#[cfg(test)]").next().unwrap_or(""));
        }
        sources.insert(name, text);
    }
    let names: BTreeSet<String> = sources.keys().cloned().collect();
    sources
        .iter()
        .map(|(name, text)| {
            let used = names
                .iter()
                .filter(|other| *other != name)
                .filter(|other| {
                    text.contains(&format!("super::{other}"))
                        || text.contains(&format!("crate::core::{other}"))
                })
                .cloned()
                .collect();
            (name.clone(), used)
        })
        .collect()
}

#[test]
fn core_modules_form_no_cycle() {
    let graph = dependencies();
    assert!(graph.len() > 20, "the layout test found the modules");
    // Peel off modules that depend on nothing left; a cycle is what remains.
    let mut left = graph.clone();
    loop {
        let free: Vec<String> = left
            .iter()
            .filter(|(_, used)| used.iter().all(|name| !left.contains_key(name)))
            .map(|(name, _)| name.clone())
            .collect();
        if free.is_empty() {
            break;
        }
        for name in free {
            left.remove(&name);
        }
    }
    assert!(left.is_empty(), "modules in or above a cycle: {left:?}");
}
