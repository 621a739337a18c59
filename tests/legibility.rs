//! Can the message be read at a glance? Records glitch, confetti and water with a Latin and a
//! Korean message at 80×24 and 200×60, in truecolor and 16 colours, and reads the frames back
//! with tesseract (`scripts/legibility/check.py` says how and what passes). Needs python3 with
//! pyte and pillow and tesseract with its English and Korean data: without them the test is
//! skipped with a note, unless VITRINE_REQUIRE_TOOLS is set (CI), where that is a failure.

use std::path::Path;
use std::process::Command;

/// Why the tools cannot run, if they cannot.
fn missing_tools() -> Option<String> {
    let python = Command::new("python3")
        .args(["-c", "import pyte, PIL"])
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        return Some("python3 with pyte and pillow (pip install pyte pillow)".into());
    }
    let langs = Command::new("tesseract").arg("--list-langs").output();
    match langs {
        Ok(out) => {
            let list = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            let has = |lang: &str| list.lines().any(|l| l.trim() == lang);
            (!has("eng") || !has("kor"))
                .then(|| "tesseract's eng and kor data (tesseract-ocr-kor)".into())
        }
        Err(_) => Some("tesseract (apt-get install tesseract-ocr tesseract-ocr-kor)".into()),
    }
}

#[test]
fn the_message_reads_back_by_ocr_in_every_effect() {
    if let Some(what) = missing_tools() {
        assert!(
            std::env::var_os("VITRINE_REQUIRE_TOOLS").is_none(),
            "{what} is required"
        );
        eprintln!("note: skipped, needs {what}");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/legibility/check.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_vitrine"))
        .arg("--table")
        // Tesseract's own threads only fight the two cases the script runs at once.
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .expect("runs python3");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
}
