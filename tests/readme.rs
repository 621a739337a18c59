//! The README's pictures are real: every ```text block followed by a line naming the
//! `vitrine record ... --format text` command that made it must be exactly what that command
//! prints today (blank rows at the top and bottom left out).
//!
//! When an effect's look changes on purpose, regenerate the blocks with
//! `VITRINE_BLESS_README=1 cargo test --test readme` and read the diff.

use std::path::PathBuf;
use std::process::Command;

/// A picture in the README: the lines of its block and the command under it.
struct Example {
    /// Line index of the first line inside the block.
    start: usize,
    /// Line index of the closing fence.
    end: usize,
    command: String,
}

fn readme_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

/// The ```text blocks directly followed by "(`vitrine record ...`".
fn examples(lines: &[&str]) -> Vec<Example> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```text" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let Some(end) = (start..lines.len()).find(|&j| lines[j] == "```") else {
            break;
        };
        if let Some(command) = lines
            .get(end + 1)
            .and_then(|l| l.strip_prefix("(`"))
            .and_then(|l| l.split('`').next())
            .filter(|c| c.starts_with("vitrine record "))
        {
            found.push(Example {
                start,
                end,
                command: command.to_string(),
            });
        }
        i = end + 1;
    }
    found
}

/// Splits a command line on spaces, keeping "double-quoted words" together.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// What `command` prints, without blank lines at the top and bottom.
fn run(command: &str) -> Vec<String> {
    let args = words(command);
    assert_eq!(args[0], "vitrine", "{command}");
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(&args[1..])
        .output()
        .expect("run vitrine");
    assert!(
        out.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].to_vec(),
        _ => Vec::new(),
    }
}

#[test]
fn readme_pictures_are_what_the_commands_print() {
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    let examples = examples(&lines);
    assert!(
        examples.len() >= 2,
        "the README's pictures were not found (a ```text block, then a \"(`vitrine record ...`\" line)"
    );
    let bless = std::env::var_os("VITRINE_BLESS_README").is_some();
    let mut blessed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    // From the last example up, so earlier line numbers stay valid while blocks change length.
    for example in examples.iter().rev() {
        assert!(
            example.command.contains("--format text"),
            "{}",
            example.command
        );
        let printed = run(&example.command);
        let shown = &lines[example.start..example.end];
        if bless {
            blessed.splice(example.start..example.end, printed);
        } else {
            assert_eq!(
                shown,
                printed,
                "README.md:{}: the picture is not what `{}` prints; regenerate with \
                 VITRINE_BLESS_README=1 cargo test --test readme",
                example.start + 1,
                example.command
            );
        }
    }
    if bless {
        std::fs::write(readme_path(), blessed.join("\n") + "\n").unwrap();
    }
}

#[test]
fn commands_split_like_a_shell_would() {
    assert_eq!(
        words(r#"vitrine record -m "Hello there"  --format text"#),
        ["vitrine", "record", "-m", "Hello there", "--format", "text"]
    );
}
