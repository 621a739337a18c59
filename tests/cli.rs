//! The binary's non-interactive commands: `list`, `record`, and bad input.

use std::process::{Command, Output};

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(args)
        .output()
        .expect("run vitrine")
}

fn stderr_line(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one error line expected: {stderr}"
    );
    stderr
}

#[test]
fn list_names_every_effect_with_styles() {
    let out = vitrine(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["glitch", "confetti", "water", "defrag"] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{text}"
        );
    }
    assert!(text.contains("styles:"));
}

#[test]
fn record_writes_a_valid_asciicast() {
    let args = &[
        "record",
        "--effect",
        "glitch",
        "--size",
        "40x12",
        "--seconds",
        "1",
        "--seed",
        "4",
    ];
    let out = vitrine(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(40), Some(12))
    );
    let mut last = -1.0;
    let mut events = 0;
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let time = event[0].as_f64().unwrap();
        assert!(
            time >= last && time <= 1.0,
            "event times must rise within the recording"
        );
        assert_eq!(event[1], "o");
        last = time;
        events += 1;
    }
    assert!(events >= 2, "expected several frames, got {events}");
    // Same seed, same bytes.
    assert_eq!(vitrine(args).stdout, text.into_bytes());
}

#[test]
fn record_text_prints_the_final_frame() {
    let out = vitrine(&[
        "record",
        "-e",
        "defrag",
        "--size",
        "30x8",
        "--seconds",
        "0.5",
        "--format",
        "text",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 8);
    assert!(text.lines().all(|l| vitrine_width(l) <= 30), "{text}");
}

fn vitrine_width(line: &str) -> usize {
    vitrine_effects::text::width(line)
}

#[test]
fn bad_config_is_one_line_with_position_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("vitrine-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, "fps = 20\n[[item]]\neffect = \"glitchy\"\n").unwrap();
    let out = vitrine(&["--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_line(&out);
    assert!(
        err.contains("kiosk.toml:3:10: unknown effect 'glitchy'"),
        "{err}"
    );
    let out = vitrine(&["--config", "/nonexistent/kiosk.toml"]);
    assert_eq!(out.status.code(), Some(2));
    stderr_line(&out);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for args in [
        &["--effect", "nope"][..],
        &["--duration", "soon"],
        &["--fps", "0"],
        &["--style", "nonsense"],
        &["--message-file", "/nonexistent/file.txt"],
        &["record", "--size", "0x0"],
        &[
            "record",
            "--effect",
            "glitch",
            "--out",
            "/nonexistent/dir/x.cast",
        ],
    ] {
        let out = vitrine(args);
        let code = out.status.code();
        assert!(code == Some(2) || code == Some(1), "{args:?}: {code:?}");
        assert_ne!(code, Some(101), "{args:?} panicked");
        if !args.contains(&"--out") {
            assert_eq!(code, Some(2), "{args:?}");
        }
        let err = stderr_line(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
