//! Outline fonts for the big lettering: the bundled faces and an operator's own, as one
//! fallback chain.
//!
//! Two faces are compiled in (see `assets/fonts/README.md`; both SIL OFL 1.1):
//!
//! * **Vitrine Display Black**: Orbitron at weight 900, the heavy geometric face of the glitch
//!   original, for Latin text;
//! * **Vitrine Hangul ExtraBold**: NanumSquare ExtraBold, subset to ASCII and the 2,350 KS X 1001
//!   syllables (all 11,172 with the cargo feature `all-hangul`).
//!
//! An operator may put their own TTF/OTF/TTC files in front (`--font`, repeatable). Each
//! character is drawn with the first face of the chain that has a glyph for it; a character no
//! face has is left to the caller (drawn as normal-size text).

use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use ab_glyph::{Font as _, FontArc, FontVec, GlyphId};

/// Orbitron Black, instantiated and renamed by `scripts/make-fonts.py`.
const DISPLAY: &[u8] = include_bytes!("../../assets/fonts/VitrineDisplay-Black.ttf");
/// NanumSquare ExtraBold, subset and renamed by `scripts/make-fonts.py`.
#[cfg(not(feature = "all-hangul"))]
const HANGUL: &[u8] = include_bytes!("../../assets/fonts/VitrineHangul-ExtraBold.ttf");
#[cfg(feature = "all-hangul")]
const HANGUL: &[u8] = include_bytes!("../../assets/fonts/VitrineHangul-ExtraBold-Full.ttf");

/// How many Hangul syllables the bundled Hangul face draws: the 2,350 of KS X 1001, or all
/// 11,172 with the cargo feature `all-hangul` (`vitrine --version` reports it).
pub const BUNDLED_HANGUL_SYLLABLES: usize = if cfg!(feature = "all-hangul") {
    11_172
} else {
    2_350
};

/// Largest font file read (the biggest CJK collections are about 30 MB): a wrong path to a
/// huge file must not take the memory of a kiosk.
pub const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// A font file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FontError(String);

impl fmt::Display for FontError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FontError {}

/// Which Latin the bundled faces give: the wide display capitals or a condensed fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Display,
    Condensed,
}

/// One face of the chain with what layout needs to know about it, in em units.
#[derive(Clone, Debug)]
pub struct Face {
    /// The file name (or the bundled face's name), for messages.
    pub name: String,
    pub font: FontArc,
    /// Font units per em.
    pub units_per_em: f32,
}

impl Face {
    fn new(name: String, font: FontArc) -> Self {
        let units_per_em = font.units_per_em().unwrap_or(1000.0).max(1.0);
        Self {
            name,
            font,
            units_per_em,
        }
    }
}

/// The fallback chain: the operator's faces first, then the bundled ones. Cheap to clone.
#[derive(Clone)]
pub struct Fonts {
    faces: Arc<[Face]>,
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.faces.iter().map(|face| &face.name))
            .finish()
    }
}

/// Two chains are equal when they hold the same faces (the same loaded files), which is what a
/// cache keyed by the chain needs.
impl PartialEq for Fonts {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.faces, &other.faces)
            || (self.faces.len() == other.faces.len()
                && self.faces.iter().zip(other.faces.iter()).all(|(a, b)| {
                    a.name == b.name && a.font.font_data().as_ptr() == b.font.font_data().as_ptr()
                }))
    }
}

impl Default for Fonts {
    fn default() -> Self {
        Self::bundled()
    }
}

fn bundled_faces() -> &'static [Face] {
    static FACES: OnceLock<Vec<Face>> = OnceLock::new();
    FACES.get_or_init(|| {
        [
            ("Vitrine Display Black (Orbitron)", DISPLAY),
            ("Vitrine Hangul ExtraBold (NanumSquare)", HANGUL),
        ]
        .into_iter()
        .map(|(name, data)| {
            let font = FontArc::try_from_slice(data).expect("bundled fonts are valid");
            Face::new(name.to_string(), font)
        })
        .collect()
    })
}

impl Fonts {
    /// The bundled faces only.
    pub fn bundled() -> Self {
        static BUNDLED: OnceLock<Fonts> = OnceLock::new();
        BUNDLED
            .get_or_init(|| Self {
                faces: bundled_faces().to_vec().into(),
            })
            .clone()
    }

    /// The operator's font files in order, then the bundled faces. A collection (TTC/OTC)
    /// contributes its first face.
    pub fn with_files<P: AsRef<Path>>(paths: &[P]) -> Result<Self, FontError> {
        if paths.is_empty() {
            return Ok(Self::bundled());
        }
        let mut faces = Vec::with_capacity(paths.len() + 2);
        for path in paths {
            faces.push(load(path.as_ref())?);
        }
        faces.extend(bundled_faces().iter().cloned());
        Ok(Self {
            faces: faces.into(),
        })
    }

    /// Every face, in fallback order.
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// The first face with a glyph for `c`, as (index into [`faces`](Self::faces), glyph).
    pub fn glyph(&self, c: char) -> Option<(usize, GlyphId)> {
        self.glyph_in(c, Width::Display)
    }

    /// Like [`glyph`](Self::glyph); with [`Width::Condensed`] the bundled display face (wide
    /// geometric capitals) is passed over, so Latin comes from the narrower bundled Hangul
    /// face's Latin: a long word then stays whole on a narrow screen.
    pub fn glyph_in(&self, c: char, width: Width) -> Option<(usize, GlyphId)> {
        let display = self.faces.len() - bundled_faces().len();
        self.faces.iter().enumerate().find_map(|(i, face)| {
            if width == Width::Condensed && i == display {
                return None;
            }
            let id = face.font.glyph_id(c);
            (id.0 != 0).then_some((i, id))
        })
    }
}

/// Reads and parses one font file, with the path in every error.
fn load(path: &Path) -> Result<Face, FontError> {
    let shown = path.display();
    let fail = |why: String| FontError(format!("font {shown}: {why}"));
    // Only a regular file: opening a FIFO would wait for a writer forever, and a device such
    // as /dev/zero would be read up to the size cap for nothing.
    let kind = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .file_type();
    if kind.is_dir() {
        return Err(fail("a directory, not a font file".into()));
    }
    if !kind.is_file() {
        return Err(fail(
            "not a regular file (a device, FIFO or socket); give the path of a font file".into(),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut data = Vec::new();
    file.take(MAX_FONT_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| fail(e.to_string()))?;
    if data.len() as u64 > MAX_FONT_BYTES {
        return Err(fail(format!(
            "larger than {} MB",
            MAX_FONT_BYTES / 1024 / 1024
        )));
    }
    let font = FontVec::try_from_vec_and_index(data, 0)
        .map_err(|_| fail("not a TrueType/OpenType font or collection".into()))?;
    let name = path
        .file_name()
        .map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
    Ok(Face::new(name, FontArc::new(font)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_faces_cover_latin_and_hangul() {
        let fonts = Fonts::bundled();
        assert_eq!(
            fonts.glyph('W').map(|g| g.0),
            Some(0),
            "Latin from the display face"
        );
        assert_eq!(
            fonts.glyph('한').map(|g| g.0),
            Some(1),
            "Hangul from the Hangul face"
        );
        assert_eq!(fonts.glyph('👋'), None, "no emoji face is bundled");
        assert_eq!(fonts.glyph_in('W', Width::Condensed).map(|g| g.0), Some(1));
        assert_eq!(fonts, Fonts::bundled());
    }

    /// What `vitrine --version` says of the Hangul face is what it holds, with or without the
    /// feature `all-hangul`.
    #[test]
    fn bundled_hangul_syllable_count_is_what_the_face_holds() {
        let hangul = &bundled_faces()[1].font;
        let drawn = ('가'..='힣').filter(|&c| hangul.glyph_id(c).0 != 0).count();
        assert_eq!(drawn, BUNDLED_HANGUL_SYLLABLES);
    }

    #[test]
    fn bad_font_files_are_one_clear_error() {
        let dir = std::env::temp_dir().join(format!("vitrine-font-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.ttf");
        let err = Fonts::with_files(&[&missing]).unwrap_err().to_string();
        assert!(
            err.starts_with("font ") && err.contains("missing.ttf"),
            "{err}"
        );
        let text = dir.join("notes.txt");
        std::fs::write(&text, "not a font at all").unwrap();
        let err = Fonts::with_files(&[&text]).unwrap_err().to_string();
        assert!(err.contains("not a TrueType/OpenType font"), "{err}");
        assert!(!err.contains('\n'));
        // A real font cut short (its table directory incomplete) is corrupt.
        let cut = dir.join("cut.ttf");
        std::fs::write(&cut, &DISPLAY[..40]).unwrap();
        assert!(Fonts::with_files(&[&cut]).is_err());
        let err = Fonts::with_files(&[&dir]).unwrap_err().to_string();
        assert!(err.contains("a directory"), "{err}");
        #[cfg(unix)]
        {
            // Refused at once: not read to the size cap, not waited on for a writer.
            let err = Fonts::with_files(&["/dev/zero"]).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
            let fifo = dir.join("fifo.ttf");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            assert!(made.is_ok_and(|s| s.success()), "mkfifo");
            let (tx, rx) = std::sync::mpsc::channel();
            let path = fifo.clone();
            std::thread::spawn(move || {
                let _ = tx.send(
                    Fonts::with_files(&[&path])
                        .map(|_| ())
                        .unwrap_err()
                        .to_string(),
                );
            });
            let err = rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("a FIFO as font must fail at once, not wait for a writer");
            assert!(err.contains("not a regular file"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_operator_font_comes_first_and_falls_through() {
        let dir = std::env::temp_dir().join(format!("vitrine-font-chain-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // The Hangul face as the operator's font: it has Latin too, so it now draws 'W'; a
        // character it lacks ('é') falls through to the bundled display face.
        let own = dir.join("own.ttf");
        std::fs::write(&own, HANGUL).unwrap();
        let fonts = Fonts::with_files(&[&own]).unwrap();
        assert_eq!(fonts.faces().len(), 3);
        assert_eq!(fonts.faces()[0].name, "own.ttf");
        assert_eq!(fonts.glyph('W').map(|g| g.0), Some(0));
        assert_eq!(fonts.glyph('é').map(|g| g.0), Some(1));
        assert_ne!(fonts, Fonts::bundled());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
