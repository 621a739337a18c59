//! The binary's non-interactive commands: `list`, `record`, and bad input.

use std::process::{Command, Output};

fn vitrine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(args)
        .output()
        .expect("run vitrine")
}

/// What a run that must succeed printed (its stderr in the failure message if it did not).
fn vitrine_stdout(args: &[&str]) -> String {
    let out = vitrine(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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

/// `-V` is the version and the commit; `--version` adds what the build holds, true for the
/// features it was built with.
#[test]
fn version_names_the_commit_and_what_is_built_in() {
    let short = String::from_utf8(vitrine(&["-V"]).stdout).unwrap();
    let long = String::from_utf8(vitrine(&["--version"]).stdout).unwrap();
    let first = short.trim_end();
    assert!(
        first.starts_with(&format!("vitrine {} (commit ", env!("CARGO_PKG_VERSION")))
            && !first.contains('\n'),
        "{short}"
    );
    let lines: Vec<&str> = long.lines().collect();
    assert_eq!(lines[0], first, "{long}");
    let syllables = vitrine_effects::font::BUNDLED_HANGUL_SYLLABLES;
    assert!(
        lines[1].starts_with("fonts: ") && lines[1].contains(&format!("Hangul: {syllables} ")),
        "{long}"
    );
    assert!(lines[2].starts_with("serve: SSH"), "{long}");
    assert!(lines[3].starts_with("control: "), "{long}");
    let features = lines
        .get(4)
        .and_then(|l| l.strip_prefix("cargo features: "));
    assert_eq!(
        features,
        cfg!(feature = "all-hangul").then_some("all-hangul"),
        "{long}"
    );
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
    let text = vitrine_stdout(args);
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
        &["--effect", "defrag:win89+confetti"],
        &["--effect", "logo:big"],
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

/// Runs `args`, expecting a usage error: exit code 2 and one line on standard error.
fn usage_error(args: &[&str]) -> String {
    let out = vitrine(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    stderr_line(&out)
}

#[test]
fn cli_errors_keep_clap_help_in_one_line() {
    let err = usage_error(&["--palette", "nope"]);
    assert!(err.contains("[possible values: confetti, pastel"), "{err}");
    let err = usage_error(&["--color", "8"]);
    assert!(
        err.contains("[possible values: auto, truecolor, 256, 16, mono]"),
        "{err}"
    );
    let err = usage_error(&["--transition", "slide"]);
    assert!(
        err.contains("possible values: none, dissolve, wipe, fade"),
        "{err}"
    );
    let err = usage_error(&["--efect", "glitch"]);
    assert!(
        err.contains("a similar argument exists: '--effect'"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("(see vitrine --help)"), "{err}");
    // A negative number is a value out of range, not an unknown flag.
    let err = usage_error(&["--speed", "-5"]);
    assert!(err.contains("expected a number from 0.01 to 100"), "{err}");
    assert!(!err.contains("unexpected argument"), "{err}");
    // Another effect's flag would be silently ignored.
    let err = usage_error(&["--effect", "water", "--stars", "5"]);
    assert!(
        err.contains("--stars is a glitch setting, and the playlist has no glitch"),
        "{err}"
    );
}

#[test]
fn record_errors_say_what_is_wrong_and_point_at_record_help() {
    let err = usage_error(&["record", "--seconds", "0"]);
    assert!(
        err.contains("'0' is not a duration: it must be longer than zero"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("(see vitrine record --help)"),
        "{err}"
    );
    let err = usage_error(&["record", "--lock"]);
    assert!(err.contains("(see vitrine record --help)"), "{err}");
    let dir = std::env::temp_dir();
    let err = usage_error(&["record", "--out", dir.to_str().unwrap()]);
    assert!(err.contains("is a directory"), "{err}");
}

/// Flags that mean nothing to a subcommand are not offered by it.
#[test]
fn subcommands_offer_only_the_flags_that_apply_to_them() {
    let help = String::from_utf8(vitrine(&["record", "--help"]).stdout).unwrap();
    for flag in [
        "--lock",
        "--unlock-chord",
        "--log-file",
        "--log-level",
        "--max-rate",
    ] {
        assert!(!help.contains(flag), "record --help lists {flag}");
    }
    for flag in ["--config", "--fps", "--color", "--effect", "--seed"] {
        assert!(help.contains(flag), "record --help lacks {flag}");
    }
    let help = String::from_utf8(vitrine(&["serve", "--help"]).stdout).unwrap();
    assert!(
        !help.contains("--max-rate"),
        "serve has its own output budget"
    );
    for flag in [
        "--config",
        "--lock",
        "--unlock-chord",
        "--log-file",
        "--color",
    ] {
        assert!(help.contains(flag), "serve --help lacks {flag}");
    }
}

/// `serve` goes through the same setup as the live showcase: config and log file are checked
/// before anything else happens.
#[test]
fn serve_checks_its_config_and_log_like_everyone() {
    let err = usage_error(&[
        "serve",
        "--open",
        "--config",
        "/nonexistent.toml",
        "--log-file",
        "/nonexistent/x",
    ]);
    assert!(
        err.contains("config file /nonexistent.toml does not exist"),
        "{err}"
    );
    let err = usage_error(&["serve", "--open", "--log-file", "/nonexistent/x"]);
    assert!(err.contains("cannot open log file /nonexistent/x"), "{err}");
    let err = usage_error(&["serve"]);
    assert!(
        err.contains("--authorized-keys") && err.contains("--open"),
        "{err}"
    );
}

#[test]
fn endless_message_files_and_empty_configs_are_refused_at_start() {
    let err = usage_error(&["--message-file", "/dev/zero"]);
    assert!(
        err.contains("/dev/zero is a device, not a message file"),
        "{err}"
    );
    let err = usage_error(&["--config", "/dev/zero"]);
    assert!(
        err.contains("/dev/zero is a device, not a config file"),
        "{err}"
    );

    let dir = std::env::temp_dir().join(format!("vitrine-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, "").unwrap();
    let err = usage_error(&["record", "--config", path.to_str().unwrap()]);
    assert!(err.contains("kiosk.toml is empty"), "{err}");
    // Over the 1 MiB cap (a log file named by mistake).
    std::fs::write(&path, "# kiosk\n".repeat(200_000)).unwrap();
    let err = usage_error(&["record", "--config", path.to_str().unwrap()]);
    assert!(
        err.contains("is too large for a config file (over 1 MiB)") && !err.contains("regular"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The config errors shown in assets/KIOSK.md are what vitrine prints for such a config.
#[test]
fn kiosk_guide_shows_config_errors_as_printed() {
    let guide = include_str!("../assets/KIOSK.md");
    let dir = std::env::temp_dir().join(format!("vitrine-guide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let configs = [
        // `effect = "glitchy"` on line 14, its value at column 10.
        format!("{}[[item]]\neffect = \"glitchy\"\n", "# kiosk\n".repeat(12)),
        // The second item's message file, named on line 9.
        "# kiosk\n[[item]]\neffect = \"glitch\"\n\n[[item]]\neffect = \"defrag\"\n\
         duration = \"2m\"\n# the news\nmessage_file = \"/etc/vitrine/news.txt\"\n"
            .to_string(),
    ];
    for config in configs {
        std::fs::write(dir.join("kiosk.toml"), config).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["record", "--config", "kiosk.toml"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let line = stderr_line(&out);
        assert!(
            guide.contains(line.trim_end()),
            "assets/KIOSK.md should show: {line}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A bad config at boot must not leave a kiosk dead: the unit retries for ever, slowly.
#[test]
fn kiosk_unit_keeps_retrying_a_bad_config() {
    let unit = include_str!("../assets/vitrine.service");
    let setting = |key: &str| {
        unit.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("vitrine.service has no {key}="))
    };
    let unit_section = unit.split("[Service]").next().unwrap();
    assert!(
        unit_section.contains("\nStartLimitIntervalSec=0\n"),
        "the start limit (in [Unit]) must never give up"
    );
    assert_eq!(setting("Restart"), "always");
    assert_eq!(setting("RestartSec"), "2");
    assert!(setting("RestartSteps").parse::<u32>().unwrap() > 0);
    assert_eq!(setting("RestartMaxDelaySec"), "60");
}

/// `record --at`: two screens started 7 s apart (cast frames carry their time) end on the same
/// frame, and each tile of a 2x1 wall is its half of the whole wall's picture.
#[test]
fn record_at_agrees_between_runs_and_tiles() {
    let text = |extra: &[&str]| {
        let mut args = vec![
            "record",
            "--format",
            "text",
            "--seed",
            "3",
            "-e",
            "glitch,water",
            "-d",
            "5s",
            "-m",
            "Lobby",
        ];
        args.extend_from_slice(extra);
        vitrine_stdout(&args)
    };
    let first = text(&[
        "--at",
        "2026-12-01T14:03:00Z",
        "--seconds",
        "10",
        "--size",
        "40x12",
    ]);
    let second = text(&[
        "--at",
        "2026-12-01T14:03:07Z",
        "--seconds",
        "3",
        "--size",
        "40x12",
    ]);
    assert_eq!(first, second);
    let whole = text(&["--at", "2026-12-01T14:03:00Z", "--size", "40x12"]);
    for (tile, columns) in [("1,1", 0..20), ("2,1", 20..40)] {
        let part = text(&[
            "--at",
            "2026-12-01T14:03:00Z",
            "--size",
            "20x12",
            "--wall",
            "2x1",
            "--tile",
            tile,
        ]);
        let expected: Vec<String> = whole
            .lines()
            .map(|l| {
                let chars: Vec<char> = l.chars().collect();
                let row: String = columns.clone().filter_map(|i| chars.get(i)).collect();
                row.trim_end().to_string()
            })
            .collect();
        let got: Vec<&str> = part.lines().collect();
        assert_eq!(got, expected, "tile {tile}");
    }
    let bad = vitrine(&["record", "--at", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    stderr_line(&bad);
}

/// `--font` with a file that is missing, a directory, not a font, or a font cut short: one line
/// naming the file, exit status 2, nothing drawn. A font that lacks a character is not an error
/// (the character falls through to the bundled faces, then to normal-size text).
#[test]
fn bad_font_files_are_one_line_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("vitrine-cli-fonts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "not a font at all").unwrap();
    let display = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/fonts/VitrineDisplay-Black.ttf"),
    )
    .unwrap();
    let cut = dir.join("cut.ttf");
    std::fs::write(&cut, &display[..40]).unwrap();
    let missing = dir.join("missing.ttf");
    for (path, says) in [
        (&missing, "missing.ttf"),
        (&dir, "vitrine-cli-fonts"),
        (&notes, "not a TrueType/OpenType font"),
        (&cut, "cut.ttf"),
    ] {
        let path = path.to_str().unwrap();
        let out = vitrine(&[
            "record",
            "--seconds",
            "1",
            "--format",
            "text",
            "--font",
            path,
        ]);
        assert_eq!(out.status.code(), Some(2), "{path}");
        assert!(out.stdout.is_empty(), "{path}: drew something");
        let err = stderr_line(&out);
        assert!(err.contains("font ") && err.contains(says), "{path}: {err}");
    }
    // The Latin face alone lacks Hangul: "환영" falls through to the bundled Hangul face and is
    // drawn big, exactly as without --font.
    let latin = dir.join("latin.ttf");
    std::fs::write(&latin, &display).unwrap();
    let draw = |extra: &[&str]| {
        let mut args = vec![
            "record",
            "-e",
            "glitch",
            "--size",
            "60x14",
            "--seconds",
            "1",
        ];
        args.extend_from_slice(&["--format", "text", "-m", "환영", "--seed", "3"]);
        args.extend_from_slice(extra);
        vitrine_stdout(&args)
    };
    let with_font = draw(&["--font", latin.to_str().unwrap()]);
    assert!(
        !with_font.contains('환'),
        "Hangul drawn as normal text:\n{with_font}"
    );
    assert_eq!(with_font, draw(&[]));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A full disk (here /dev/full) is one error line saying what could not be written, status 1;
/// a closed pipe (`vitrine completions bash | head`) is no error at all. Never a panic.
#[test]
fn output_that_cannot_be_written_is_one_line_and_a_closed_pipe_is_quiet() {
    let commands: &[&[&str]] = &[
        &["--help"],
        &["--version"],
        &["ctl", "--help"],
        &["list"],
        &["man"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["completions", "fish"],
        &["record", "--seconds", "1", "--size", "40x10"],
        &[
            "record",
            "--seconds",
            "1",
            "--size",
            "40x10",
            "--format",
            "text",
        ],
    ];
    for args in commands {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(*args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr_line(&out);
        assert!(
            err.starts_with("vitrine: cannot write to standard output: "),
            "{args:?}: {err}"
        );

        let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(*args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, then close the pipe as `head -c 10` would.
        let mut first = [0u8; 10];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{args:?}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = vitrine(&["record", "--seconds", "1", "--out", "/dev/full"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_line(&out);
    assert!(
        err.starts_with("vitrine: cannot write /dev/full: "),
        "{err}"
    );
}

/// A log file that is a FIFO nothing reads is one error line at once: opening it must not wait
/// for a reader (the show would never start, and a config reload could not report it).
#[test]
fn a_log_fifo_without_a_reader_is_an_error_not_a_hang() {
    let dir = std::env::temp_dir().join(format!("vitrine-log-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("log");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    for args in [
        &["--control-socket", "none"][..],
        &["serve", "--open", "--listen", "127.0.0.1:0"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(args)
            .arg("--log-file")
            .arg(&fifo)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{args:?}: still waiting on the log FIFO after 10 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr_line(&out);
        assert!(
            err.contains("cannot open log file") && err.contains("FIFO (named pipe) that nothing"),
            "{args:?}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
