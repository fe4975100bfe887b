//! ARCHITECTURE.md's module graph is the code's: derived here from the `crate::module` paths
//! each module's code names, and compared with the documented one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The modules of `src/` (a file `x.rs` and a folder `x/` are module `x`), with their files.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a readable folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("an entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            rust_files(&path, modules.entry(stem.to_string()).or_default());
        } else if stem != "lib" && path.extension().is_some_and(|e| e == "rs") {
            modules.entry(stem.to_string()).or_default().push(path);
        }
    }
    modules
}

/// The `crate::name` paths on a line of code (not a comment), by the name that follows.
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `$crate::` in a macro names the crate from outside; skip it.
        if before != Some('$') && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            names.push(name);
        }
        rest = after;
    }
    names
}

fn derived(src: &Path) -> (Graph, Vec<String>) {
    let modules = modules(src);
    let mut graph = Graph::new();
    let mut root_paths = Vec::new();
    for (module, files) in &modules {
        let deps = graph.entry(module.clone()).or_default();
        for file in files {
            let text = std::fs::read_to_string(file).expect("a readable file");
            for (n, line) in text.lines().enumerate() {
                for name in crate_paths(line) {
                    if modules.contains_key(&name) {
                        if &name != module {
                            deps.insert(name);
                        }
                    } else {
                        // A path through the crate root (`crate::Lead`, `crate::{..}`) hides
                        // which module it needs.
                        root_paths.push(format!("{}:{}: crate::{name}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    (graph, root_paths)
}

/// The graph in ARCHITECTURE.md's block under "What depends on what".
fn documented(architecture: &str) -> Graph {
    let section = architecture
        .split("## What depends on what")
        .nth(1)
        .expect("ARCHITECTURE.md has the section");
    let block = section
        .split("```")
        .nth(1)
        .expect("the section has a code block");
    let mut graph = Graph::new();
    for line in block.lines() {
        let line = line.split("--").next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (module, deps) = line.split_once("->").unwrap_or((line, ""));
        graph.insert(
            module.trim().to_string(),
            deps.split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect(),
        );
    }
    graph
}

#[test]
fn architecture_md_describes_the_module_graph_of_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, root_paths) = derived(&root.join("src"));
    assert!(
        root_paths.is_empty(),
        "name modules, not the crate root, in code (so the graph shows the dependency): {root_paths:#?}"
    );
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let doc = documented(&architecture);
    let mut differences = Vec::new();
    for module in code.keys().chain(doc.keys()).collect::<BTreeSet<_>>() {
        match (code.get(module), doc.get(module)) {
            (Some(c), Some(d)) if c == d => {}
            (Some(c), Some(d)) => differences.push(format!(
                "{module}: the code uses {:?}, ARCHITECTURE.md says {:?}",
                c.difference(d).collect::<Vec<_>>(),
                d.difference(c).collect::<Vec<_>>()
            )),
            (Some(_), None) => differences.push(format!("{module}: not in ARCHITECTURE.md")),
            (None, Some(_)) => differences.push(format!("{module}: no such module in src/")),
            (None, None) => {}
        }
    }
    assert!(
        differences.is_empty(),
        "ARCHITECTURE.md's graph differs from the code:\n{}",
        differences.join("\n")
    );
}

#[test]
fn architecture_leaf_modules_import_no_lifecycle_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, _) = derived(&root.join("src"));
    let lifecycle = [
        "contact",
        "lead",
        "opportunity",
        "account",
        "record",
        "qualification",
    ];
    for leaf in ["error", "text", "money", "id", "forecast", "kind", "format"] {
        let uses: Vec<_> = code[leaf]
            .iter()
            .filter(|d| lifecycle.contains(&d.as_str()))
            .collect();
        assert!(uses.is_empty(), "{leaf} uses lifecycle modules: {uses:?}");
    }
}

/// The words of `text` made of lowercase letters, digits and underscores (Rust function
/// names), or of letters starting with a capital (enum variants).
fn identifiers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The guide's checklist names every case the conformance macros run and every store broken on
/// purpose in `broken_stores.rs`, so that it cannot fall behind the kit.
#[test]
fn the_adapter_guide_checklist_names_every_kit_case_and_broken_store() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect("readable");
    let guide = read("docs/writing-a-storage-adapter.md");
    let checklist = guide
        .split("## Checklist")
        .nth(1)
        .expect("the guide has a checklist section");
    let listed = identifiers(checklist);

    // Every case the macros name: `=> case` and `cases::case(` in the kit's macros.
    let macros = read("src/testkit/mod.rs");
    let mut cases = BTreeSet::new();
    for part in macros.split("=>").skip(1) {
        if let Some(name) = identifiers(part.split(',').next().unwrap_or_default())
            .into_iter()
            .next()
        {
            cases.insert(name);
        }
    }
    for part in macros.split("testkit::cases::").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        cases.insert(name.trim_end_matches("_with").to_string());
    }
    cases.retain(|c| {
        !c.starts_with('_')
            && c.len() > 12
            && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
    });
    assert!(cases.len() > 50, "found the kit's cases: {cases:?}");
    let missing: Vec<_> = cases.iter().filter(|c| !listed.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "the guide's checklist does not name these kit cases: {missing:?}"
    );

    // Every broken store: the variants of `enum Breakage`.
    let broken = read("tests/it/broken_stores.rs");
    let body = broken
        .split("enum Breakage {")
        .nth(1)
        .and_then(|b| b.split("\n}").next())
        .expect("broken_stores.rs has enum Breakage");
    let variants: Vec<String> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && l.ends_with(','))
        .map(|l| l.trim_end_matches(',').to_string())
        .filter(|v| v != "None")
        .collect();
    assert!(variants.len() > 20, "found the broken stores: {variants:?}");
    let missing: Vec<_> = variants.iter().filter(|v| !listed.contains(*v)).collect();
    assert!(
        missing.is_empty(),
        "the guide's checklist does not name these broken stores: {missing:?}"
    );
}
