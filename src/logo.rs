//! `--logo`: the picture the logo layer shows, read and decoded here (the effects crate never
//! reads files) and handed over as RGBA.
//!
//! A logo is a file from outside, so it is bounded before anything is decoded: a regular file
//! of at most [`MAX_LOGO_BYTES`], a PNG or JPEG by its signature, and a size read from its
//! header of at most [`MAX_LOGO_SIDE`] pixels a side. A 20,000 × 20,000 PNG (a few hundred
//! kilobytes of zeros, 1.6 GB decoded) is refused from its header without allocating for it.

use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use vitrine_effects::logo::Picture;

use crate::error::UsageError;
use crate::textfile;

/// Largest logo file, in bytes: a detailed 4K logo is a few megabytes as PNG.
pub const MAX_LOGO_BYTES: u64 = 16 * 1024 * 1024;

/// Largest logo side, in pixels. A screen shows at most a few hundred pixels of it; more is
/// only memory (4096² RGBA is 64 MiB while it is scaled down).
pub const MAX_LOGO_SIDE: u32 = 4096;

/// How many decoded logos are kept, with the file contents they came from.
const KEPT: usize = 2;

/// The last logos decoded. A config builds every item from its settings, so a logo named
/// for the whole show is read for each item and again on every reload: it is decoded once
/// while its file's contents stay the same.
static DECODED: Mutex<Vec<(Vec<u8>, Arc<Picture>)>> = Mutex::new(Vec::new());

/// Reads and decodes the logo at `path`; every error is one line naming the flag and the path.
pub fn load(path: &Path) -> Result<Arc<Picture>> {
    let (file, _) = textfile::open(path, "PNG or JPEG file", MAX_LOGO_BYTES)
        .map_err(|e| UsageError(format!("--logo {e}")))?;
    let bytes = textfile::read_bytes(file, path, MAX_LOGO_BYTES)
        .map_err(|e| UsageError(format!("--logo {e}")))?;
    let mut decoded = DECODED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, picture)) = decoded.iter().find(|(seen, _)| *seen == bytes) {
        return Ok(picture.clone());
    }
    let picture = decode(path, &bytes)?;
    if decoded.len() == KEPT {
        decoded.remove(0);
    }
    decoded.push((bytes, picture.clone()));
    Ok(picture)
}

/// Decodes `bytes`, read from `path`, checking the picture's size before decoding it.
fn decode(path: &Path, bytes: &[u8]) -> Result<Arc<Picture>> {
    let fail = |why: String| UsageError(format!("--logo {}: {why}", path.display()));
    let mut reader = ImageReader::new(Cursor::new(bytes));
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Png | ImageFormat::Jpeg)) => reader.set_format(format),
        _ => return Err(fail("not a PNG or JPEG image".into()).into()),
    }
    // The decoded RGBA of the largest logo, plus room for the decoder's own buffers; the size
    // itself is checked below, with a clearer message than the decoder's.
    let mut limits = Limits::default();
    limits.max_alloc = Some(u64::from(MAX_LOGO_SIDE).pow(2) * 4 * 2);
    reader.limits(limits);
    let decoder = reader
        .into_decoder()
        .map_err(|e| fail(format!("not a readable image ({e})")))?;
    let (width, height) = decoder.dimensions();
    if width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
        return Err(fail(format!(
            "{width}x{height} pixels is too large for a logo (at most \
             {MAX_LOGO_SIDE}x{MAX_LOGO_SIDE}); scale it down"
        ))
        .into());
    }
    if width == 0 || height == 0 {
        return Err(fail("the image has no pixels".into()).into());
    }
    let image = DynamicImage::from_decoder(decoder)
        .map_err(|e| fail(format!("cannot decode it ({e}); is the file complete?")))?;
    let rgba = image.into_rgba8();
    let picture = Picture::from_rgba(rgba.width(), rgba.height(), rgba.into_raw()).map_err(fail)?;
    Ok(Arc::new(picture))
}

#[cfg(test)]
pub mod tests {
    use std::time::Duration;

    use clap::Parser;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use vitrine_effects::layers::sketch;

    use super::*;
    use crate::cli::Cli;
    use crate::spec::ShowSpec;

    pub(crate) const LOGO: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/assets/logo/vitrine-logo.png");

    /// The first item of the show these flags describe, run for `ticks` of 20 ms and drawn at
    /// `size`.
    fn frame(args: &[&str], size: (u16, u16), ticks: u32) -> Buffer {
        let cli = Cli::parse_from(["vitrine", "--seed", "3"].iter().chain(args));
        let spec = ShowSpec::from_args(&cli.settings.item, &cli.settings.playlist).unwrap();
        let mut effect = spec.items[0].build(spec.seed, 0).unwrap();
        for _ in 0..ticks {
            effect.tick(Duration::from_millis(20));
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, size.0, size.1));
        effect.render(buf.area, &mut buf);
        buf
    }

    #[test]
    fn logo_alone_80x24() {
        let buf = frame(
            &["-e", "logo", "--logo", LOGO, "--logo-size", "90%"],
            (80, 24),
            0,
        );
        insta::assert_snapshot!(sketch(&buf));
    }

    #[test]
    fn logo_alone_200x60() {
        let buf = frame(
            &["-e", "logo", "--logo", LOGO, "--logo-size", "90%"],
            (200, 60),
            0,
        );
        insta::assert_snapshot!(sketch(&buf));
    }

    /// The water refracts the logo: the same picture, its pixels moved a little.
    #[test]
    fn water_over_the_logo() {
        let args = ["-e", "logo+water", "--logo", LOGO, "--logo-size", "90%"];
        let still = frame(
            &["-e", "logo", "--logo", LOGO, "--logo-size", "90%"],
            (80, 24),
            150,
        );
        let buf = frame(&args, (80, 24), 150);
        assert_ne!(buf, still);
        let white = |b: &Buffer| b.content.iter().filter(|c| sketch_cell(c) == '#').count();
        // Moved, not destroyed: about as much white as the logo has.
        let (moved, unmoved) = (white(&buf) as f32, white(&still) as f32);
        assert!((moved / unmoved - 1.0).abs() < 0.25, "{moved} vs {unmoved}");
        insta::assert_snapshot!(sketch(&buf));
    }

    /// The glitch splits the logo's colours along the copies' hops (cyan and red fringes
    /// where there are none in the logo).
    #[test]
    fn glitch_over_the_logo() {
        let args = ["-e", "logo+glitch", "--logo", LOGO, "--logo-size", "90%"];
        // 3.1 s: the copies are mid-hop.
        let buf = frame(&args, (80, 24), 155);
        let text = sketch(&buf);
        assert!(
            text.contains('F') || text.contains('f'),
            "cyan fringes:\n{text}"
        );
        insta::assert_snapshot!(text);
    }

    /// The upper half's colour class of a cell, as [`sketch`] names it.
    fn sketch_cell(cell: &ratatui::buffer::Cell) -> char {
        let mut one = Buffer::empty(Rect::new(0, 0, 1, 1));
        one[(0, 0)] = cell.clone();
        sketch(&one).chars().next().unwrap_or(' ')
    }

    /// A PNG header (signature, IHDR, an IDAT and IEND) claiming `width` × `height` pixels,
    /// without the pixels.
    pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            let mut out = (data.len() as u32).to_be_bytes().to_vec();
            out.extend_from_slice(&body);
            out.extend_from_slice(&crc32(&body).to_be_bytes());
            out
        };
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00]));
        png.extend(chunk(b"IEND", &[]));
        png
    }

    fn error(path: &Path) -> String {
        format!("{:#}", load(path).unwrap_err())
    }

    #[test]
    fn bad_logos_are_one_clear_line() {
        let dir = std::env::temp_dir().join(format!("vitrine-logo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        let missing = dir.join("missing.png");
        assert_eq!(
            error(&missing),
            format!("--logo {} does not exist", missing.display())
        );
        let text = write("notes.png", b"not a picture at all");
        assert!(error(&text).ends_with("notes.png: not a PNG or JPEG image"));
        // 20,000 x 20,000 would be 1.6 GB decoded: refused from the header.
        let huge = write("huge.png", &png_header(20_000, 20_000));
        let err = error(&huge);
        assert!(
            err.contains("20000x20000 pixels is too large for a logo"),
            "{err}"
        );
        let good = std::fs::read(LOGO).unwrap();
        let truncated = write("truncated.png", &good[..good.len() / 2]);
        let err = error(&truncated);
        assert!(err.contains("truncated.png: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let empty = write("empty.png", b"");
        assert!(error(&empty).ends_with("not a PNG or JPEG image"));
        assert!(error(Path::new("/dev/zero")).contains("is a device"));
        // JPEG works too (no alpha: every pixel opaque).
        let jpeg = dir.join("logo.jpg");
        image::open(LOGO).unwrap().to_rgb8().save(&jpeg).unwrap();
        let picture = load(&jpeg).unwrap();
        assert_eq!((picture.width(), picture.height()), (192, 192));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_sample_logo_loads_and_is_decoded_once() {
        let picture = load(Path::new(LOGO)).unwrap();
        assert_eq!((picture.width(), picture.height()), (192, 192));
        assert!(Arc::ptr_eq(&picture, &load(Path::new(LOGO)).unwrap()));
    }
}
