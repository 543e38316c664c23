//! The module map in ARCHITECTURE.md, checked: the top-level modules of `src/` (the
//! pipeline's stages and what they share) import each other without a cycle, so each
//! stage can be read, tested and changed with only what is before it in mind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module's `crate::other` references, by module (`main` and `lib` are
/// the binary and the crate's root: they may name everything).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel.components().next().expect("a path in src");
            let module = first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
            if module == "main" || module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file is UTF-8");
            let deps = out.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    out
}

/// A path of imports from `from` back to itself, if there is one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut path = vec![from.to_string()];
    let mut seen = BTreeSet::new();
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().cloned().unwrap_or_default();
        for next in graph.get(&here).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(graph, from, &mut path, &mut seen).then_some(path)
}

#[test]
fn the_modules_import_each_other_without_a_cycle() {
    let graph = imports();
    // The map has the stages: a scan that found nothing would pass anything.
    for stage in [
        "fetch",
        "extract",
        "normalize",
        "dedup",
        "classify",
        "store",
        "publish",
        "draft",
    ] {
        assert!(graph.contains_key(stage), "no module {stage} in src/");
    }
    assert!(
        graph["normalize"].contains("extract"),
        "the scan misses imports: {:?}",
        graph["normalize"]
    );
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_through(&graph, m))
        .map(|p| p.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_finds_one() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
            .collect();
    assert_eq!(
        cycle_through(&graph, "a").map(|p| p.join(" → ")).as_deref(),
        Some("a → b → c → a")
    );
    assert_eq!(cycle_through(&graph, "d"), None);
}
