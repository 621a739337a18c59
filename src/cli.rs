//! The command line: one clap-derive definition that reads like `vitrine --help`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use vitrine_effects::canvas::PixelGrid;
use vitrine_effects::logo::Placement;
use vitrine_effects::{Params, Rgb, duration, palette, rgb};

use crate::color_depth::ColorChoice;
use vitrine_effects::depth::Dither;

use crate::ctl::CtlArgs;
use crate::dark::DarkHours;
use crate::keymap::Chord;
use crate::transition::Transition;

/// Terminal kiosk visual-effects showcase: glitch text, confetti, water blur and an MS-DOS
/// defrag screen, cycling on a fixed tick.
///
/// With no options vitrine cycles through every effect, 30 seconds each, until you quit.
#[derive(Debug, Parser)]
#[command(name = "vitrine", version = VERSION, long_version = long_version(), max_term_width = 100)]
#[command(after_help = KEYS_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub settings: Settings,

    #[command(flatten)]
    pub config: ConfigArg,

    #[command(flatten)]
    pub control: ControlArgs,

    /// Crash drill: panic after this long, to check the terminal is restored (hidden).
    #[arg(long, hide = true, value_parser = duration::parse, value_name = "DURATION")]
    pub panic_after: Option<Duration>,
}

/// `vitrine -V`: the version and the commit it was built from (see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("VITRINE_BUILD_COMMIT"),
    ")"
);

/// `vitrine --version`: [`VERSION`], then what this build holds: the bundled fonts (whose
/// Hangul coverage the cargo feature `all-hangul` widens), the SSH server, the remote control,
/// and any cargo features it was built with.
fn long_version() -> &'static str {
    static LONG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LONG.get_or_init(|| {
        let syllables = vitrine_effects::font::BUNDLED_HANGUL_SYLLABLES;
        let ks_x_1001 = if syllables == 2_350 {
            " of KS X 1001"
        } else {
            ""
        };
        let mut text = format!(
            "{VERSION}\n\
             fonts: Orbitron Black (Latin), NanumSquare ExtraBold (Hangul: {syllables} syllables\
             {ks_x_1001})\n\
             serve: SSH (vitrine serve)\n\
             control: local socket (vitrine ctl), HTTP API and WebSocket live view (--http)"
        );
        let features = env!("VITRINE_BUILD_FEATURES");
        if !features.is_empty() {
            text += &format!("\ncargo features: {features}");
        }
        text
    })
}

pub const KEYS_HELP: &str = "\
Keys (when a keyboard is attached):
  q, Esc, Ctrl-C   quit                      space     pause / resume
  n, Right         next effect               p, Left   previous effect
  ?                help overlay              any other key pokes the effect (confetti burst, ripple)
With --lock every key is ignored except the unlock chord (default Ctrl-Alt-Q, see --unlock-chord);
SIGTERM/SIGINT still quit. Kiosk setup (config file, hot reload, schedules, autostart): assets/KIOSK.md";

/// The command line with every subcommand, as `main` parses it. Negative numbers are values,
/// so `--speed -5` is told the range it must be in rather than "unexpected argument '-5'".
pub fn command() -> clap::Command {
    fn numbers(arg: clap::Arg) -> clap::Arg {
        if arg.get_action().takes_values() {
            arg.allow_negative_numbers(true)
        } else {
            arg
        }
    }
    Cli::command()
        .mut_args(numbers)
        .mut_subcommands(|sub| sub.mut_args(numbers))
}

/// The ids of the flags of the argument group `A` (e.g. `message_file`), to tell which group a
/// setting belongs to.
pub fn ids<A: Args>() -> Vec<String> {
    A::augment_args(clap::Command::new("group"))
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect()
}

#[derive(Debug, Subcommand)]
// Parsed once at start-up; boxing the record options would only add noise.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// List the effects with a one-line description, their styles and their flags.
    List,
    /// Render headless into an asciicast v2 file (or the last frame as text); no terminal needed.
    // Boxed: the flattened effect parameters make it much larger than `List`.
    Record(Box<RecordArgs>),
    /// Serve the showcase over SSH: every viewer who connects gets their own show (no shell).
    Serve(Box<ServeArgs>),
    /// Control a running show: status, next, goto, say, blank... (see `vitrine ctl --help`).
    Ctl(CtlArgs),
    /// Print shell completions for bash, zsh or fish (packages install them for you).
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page vitrine(1) (roff; try `vitrine man | man -l -`).
    Man {
        /// Instead, write every page (vitrine.1, vitrine-record.1, ...) into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The shells `vitrine completions` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// Every setting of a show: what the live showcase takes on its command line and what a config
/// file may hold. The groups say where each one applies: [`ItemArgs`] per playlist item,
/// the others to the whole show. `record` and `serve` take the groups that make sense for them.
#[derive(Clone, Debug, Args)]
pub struct Settings {
    #[command(flatten)]
    pub item: ItemArgs,

    #[command(flatten)]
    pub playlist: PlaylistArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub kiosk: KioskArgs,

    #[command(flatten)]
    pub terminal: TerminalArgs,
}

/// What one playlist item shows and how: a config's `[[item]]` may set each of these.
#[derive(Clone, Debug, Args)]
// Back to the main list after a flattened group with its own heading (an effect's flags).
#[command(next_help_heading = None::<&'static str>)]
pub struct ItemArgs {
    /// Effects to show, in order (comma-separated). Default: every effect (see `vitrine list`).
    /// Stack effects in one item with +, bottom first: defrag+confetti, logo+water; give a
    /// layer its own style after a colon: defrag:win98+confetti:snow.
    #[arg(short, long, value_delimiter = ',', value_name = "NAME")]
    pub effect: Vec<String>,

    /// How long each effect runs before the next one (e.g. 30s, 2m, 1h30m).
    #[arg(short, long, default_value = "30s", value_parser = duration::parse)]
    pub duration: Duration,

    /// The kiosk message; repeat the flag to rotate through several.
    #[arg(short, long = "message", value_name = "TEXT")]
    pub messages: Vec<String>,

    /// Read messages from a file, one per line (blank lines and lines starting with # ignored).
    #[arg(long, value_name = "PATH")]
    pub message_file: Option<PathBuf>,

    /// How long each message shows before the next one when there are several.
    #[arg(long, default_value = "10s", value_parser = duration::parse, value_name = "DURATION")]
    pub message_interval: Duration,

    /// Play every animation faster (>1) or slower (<1); durations stay in real time.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f32,

    /// Effect style, for the effects that have it (`vitrine list` shows them), e.g. strobe;
    /// one layer's own style goes in --effect (confetti:snow).
    #[arg(long, value_name = "NAME")]
    pub style: Option<String>,

    /// Reduced motion: slow every animation to 1-2 Hz and never flash (photosensitive viewers).
    #[arg(long)]
    pub calm: bool,

    /// A built-in palette for the effects that pick colours (`vitrine list` shows them).
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(palette::names()), ignore_case = true, help_heading = "Colours")]
    pub palette: Option<String>,

    /// Your own colours instead of a palette, e.g. an office's brand colours: "#0055a4,#ffd700,white".
    #[arg(long, value_name = "LIST", value_parser = parse_colors, conflicts_with = "palette", help_heading = "Colours")]
    pub colors: Option<ColorList>,

    /// A font for the big lettering (TTF, OTF or the first face of a TTC), e.g. a brand font
    /// or a Chinese/Japanese one; repeat for a fallback chain. Each character comes from the
    /// first font that has it, then from the bundled ones (Orbitron, NanumSquare for Hangul).
    #[arg(long = "font", value_name = "PATH", help_heading = "Lettering")]
    pub fonts: Vec<PathBuf>,

    /// Pixels per cell of the big lettering: half-blocks (every font, the Linux console too),
    /// quadrants, sextants or octants (finer, where the terminal's font has them).
    #[arg(long, value_enum, default_value_t = PixelGrid::Half, value_name = "GRID", help_heading = "Lettering")]
    pub pixels: PixelGrid,

    #[command(flatten)]
    pub params: Params,

    /// Show this ASCII-art text file through the water instead of the message (half-block
    /// characters ▀ ▄ █ and shades ░ ▒ ▓ are drawn as such, other characters by density).
    #[arg(long, value_name = "PATH", help_heading = "Water")]
    pub image: Option<PathBuf>,

    /// A logo (PNG or JPEG, transparency kept) drawn over the item's effects, or where
    /// `logo` stands in its layers (`--effect logo+water`: the water refracts it).
    #[arg(long, value_name = "PATH", help_heading = "Layers")]
    pub logo: Option<PathBuf>,

    /// Where the logo sits.
    #[arg(long, value_enum, default_value_t = Placement::Center, value_name = "WHERE", help_heading = "Layers")]
    pub logo_position: Placement,

    /// How much of the screen's width and height the logo may fill, e.g. 20%.
    #[arg(long, default_value = "20%", value_parser = parse_share, value_name = "PERCENT", help_heading = "Layers")]
    pub logo_size: f32,

    /// Move the logo by one cell every 3 minutes, so months on one screen do not burn it in.
    #[arg(long, help_heading = "Layers")]
    pub logo_drift: bool,

    /// Draw the message in big lettering, sharp, over all of the item's layers (e.g. over water
    /// refracting a logo).
    #[arg(long, help_heading = "Layers")]
    pub message_layer: bool,
}

/// The playlist as a whole: order, seed, simulation rate, transitions and overlays.
#[derive(Clone, Debug, Args)]
// Back to the main list after a flattened group with its own heading (an effect's flags).
#[command(next_help_heading = None::<&'static str>)]
pub struct PlaylistArgs {
    /// Shuffle the playlist (a new order every pass).
    #[arg(long)]
    pub shuffle: bool,

    /// Stop after one pass through the playlist.
    #[arg(long)]
    pub once: bool,

    /// Seed for every random choice: the same seed gives the same frames. Default: random.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Simulation ticks per second; effects advance by a fixed step, whatever the fps.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub tick_rate: u32,

    /// How one item gives way to the next.
    #[arg(long, value_enum, default_value_t = Transition::Dissolve, value_name = "KIND", help_heading = "Kiosk")]
    pub transition: Transition,

    /// How long a transition takes.
    #[arg(long, default_value = "800ms", value_parser = duration::parse, value_name = "DURATION", help_heading = "Kiosk")]
    pub transition_time: Duration,

    /// Show the local time and date in the top-right corner.
    #[arg(long, help_heading = "Kiosk")]
    pub clock: bool,

    /// Scroll the messages along the bottom line.
    #[arg(long, help_heading = "Kiosk")]
    pub ticker: bool,

    /// Lock the show to the wall clock (UTC): every screen with the same config shows the same
    /// frame at the same moment, and a restarted one rejoins where the others are.
    #[arg(long, help_heading = "Several screens")]
    pub sync: bool,

    /// This screen is one tile of a wall of COLSxROWS screens (with --tile); each simulates the
    /// whole wall and draws its own part.
    #[arg(long, value_name = "COLSxROWS", value_parser = parse_wall, help_heading = "Several screens")]
    pub wall: Option<(u16, u16)>,

    /// Which tile of the --wall this screen is: column and row, counted from 1,1 (top left).
    #[arg(long, value_name = "COL,ROW", value_parser = parse_tile, help_heading = "Several screens")]
    pub tile: Option<(u16, u16)>,

    /// Columns and rows hidden behind the frames between neighbouring screens of a --wall.
    #[arg(long, value_name = "COLS,ROWS", value_parser = parse_bezel, help_heading = "Several screens")]
    pub bezel: Option<(u16, u16)>,

    /// The size of every tile of the --wall, when the screens' terminals differ (default: this
    /// terminal's size); a terminal of another size shows its tile letterboxed.
    #[arg(long, value_name = "WxH", value_parser = parse_size, help_heading = "Several screens")]
    pub tile_size: Option<(u16, u16)>,
}

/// How frames are drawn, wherever they go (terminal, recording, SSH viewer).
#[derive(Clone, Debug, Args)]
// Back to the main list after a flattened group with its own heading (an effect's flags).
#[command(next_help_heading = None::<&'static str>)]
pub struct OutputArgs {
    /// Frames drawn per second (the simulation tick is separate, see --tick-rate).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: u32,

    /// Colour depth of the terminal. SSH does not forward COLORTERM: over SSH pass truecolor if
    /// the terminal has it.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "DEPTH", help_heading = "Colours")]
    pub color: ColorChoice,

    /// Mix the colours a 256- or 16-colour terminal lacks from the ones it has (ordered
    /// dithering and shade glyphs; text is never dithered). auto: mix below truecolor.
    #[arg(long, value_enum, default_value_t = Dither::Auto, value_name = "HOW", help_heading = "Colours")]
    pub dither: Dither,
}

/// Running unattended with viewers at the keys: the lock and the log (the live showcase and
/// `serve`; a recording has neither).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Kiosk")]
pub struct KioskArgs {
    /// Kiosk lock: ignore every key except the quit chord (--unlock-chord, default Ctrl-Alt-Q).
    #[arg(long)]
    pub lock: bool,

    /// Hours the screen is dark (black, display powered down where possible), e.g.
    /// "Mon-Fri 20:00-07:00, Sat-Sun". A key press or `vitrine ctl wake` lights it until they end.
    #[arg(long, value_name = "HOURS", value_parser = DarkHours::parse)]
    pub dark: Option<DarkHours>,

    /// The key chord that quits, even with --lock, e.g. ctrl+alt+q or ctrl+shift+f12.
    #[arg(long, default_value = "ctrl+alt+q", value_parser = Chord::parse, value_name = "CHORD")]
    pub unlock_chord: Chord,

    /// Least severe log messages to keep.
    #[arg(long, value_enum, default_value_t = LogLevel::Info, value_name = "LEVEL")]
    pub log_level: LogLevel,

    /// Append the log to this file. Without it the log goes to standard error, unless that is
    /// the screen: then it is held and printed after the show ends.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

/// The local terminal only.
#[derive(Clone, Debug, Args)]
// Back to the main list after a flattened group with its own heading (an effect's flags).
#[command(next_help_heading = None::<&'static str>)]
pub struct TerminalArgs {
    /// Keep output under this many kilobytes per second (slow links) by lowering the fps, down
    /// to one frame a second (a budget below what one frame a second writes is exceeded)
    #[arg(long, value_name = "KB/S", value_parser = parse_rate)]
    pub max_rate: Option<f64>,
}

/// How a running show is controlled from elsewhere (flags of the local show).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Remote control")]
pub struct ControlArgs {
    /// The socket `vitrine ctl` talks to (mode 0600); `none` turns it off. Default:
    /// $XDG_RUNTIME_DIR/vitrine/control.sock, or /tmp/vitrine-UID/control.sock without it.
    #[arg(long, value_name = "PATH")]
    pub control_socket: Option<PathBuf>,

    /// Serve the control API and a live view of the screen for browsers on this address. A
    /// bare port listens on loopback only (8080 is 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT", value_parser = parse_addr)]
    pub http: Option<SocketAddr>,

    /// A file holding the token API calls must bring (Authorization: Bearer TOKEN). Required
    /// for an --http address other machines can reach.
    #[arg(long, value_name = "PATH", requires = "http")]
    pub http_token_file: Option<PathBuf>,

    /// Most browser viewers of the live view at once.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub http_max_viewers: u16,
}

/// `--config`, taken by every command that shows something.
#[derive(Clone, Debug, Args)]
pub struct ConfigArg {
    /// Kiosk config (TOML): a playlist of items with their own params, messages and schedules.
    /// Edits apply live; flags given on the command line override the file.
    #[arg(long, value_name = "PATH", help_heading = "Kiosk")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

/// `vitrine record`: a show rendered headless. Settings of a config that only a live show
/// uses (the lock, the log, --max-rate) are ignored.
#[derive(Clone, Debug, Args)]
pub struct RecordArgs {
    /// Screen size in cells, WIDTHxHEIGHT.
    #[arg(long, default_value = "80x24", value_parser = parse_size)]
    pub size: (u16, u16),

    /// Simulated time to record: seconds (5, 0.5) or a duration (1m30s), at most a day.
    #[arg(long, default_value = "5", value_parser = parse_record_length, value_name = "SECONDS")]
    pub seconds: Duration,

    /// Output file; `-` writes to standard output.
    #[arg(short, long, default_value = "-", value_name = "PATH")]
    pub out: PathBuf,

    /// asciicast v2 (plays in asciinema) or the final frame as plain text.
    #[arg(long, value_enum, default_value_t = RecordFormat::Cast)]
    pub format: RecordFormat,

    /// Record what a --sync screen shows from this moment (RFC 3339, e.g.
    /// 2026-12-01T14:03:00Z); implies --sync.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub at: Option<jiff::Timestamp>,

    #[command(flatten)]
    pub show: ShowArgs,

    #[command(flatten)]
    pub config: ConfigArg,
}

/// The settings `record` and `serve` both take: what the show is and how it is drawn.
#[derive(Clone, Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub item: ItemArgs,

    #[command(flatten)]
    pub playlist: PlaylistArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `vitrine serve`: listen for SSH clients and show each its own showcase.
#[derive(Clone, Debug, Args)]
#[command(after_help = SERVE_HELP)]
pub struct ServeArgs {
    /// Address and port to listen on. Loopback by default; 0.0.0.0:2222 accepts other machines.
    #[arg(long, default_value = "127.0.0.1:2222", value_name = "ADDR:PORT")]
    pub listen: std::net::SocketAddr,

    /// The server's private key (OpenSSH format), generated on first start so clients see
    /// the same fingerprint every time. Default: $XDG_STATE_HOME/vitrine/host_key
    /// (~/.local/state/vitrine/host_key).
    #[arg(long, value_name = "PATH")]
    pub host_key: Option<PathBuf>,

    /// Let in only these public keys (OpenSSH authorized_keys format, plain keys only).
    /// One of --authorized-keys and --open is required.
    #[arg(long, value_name = "PATH", conflicts_with = "open")]
    pub authorized_keys: Option<PathBuf>,

    /// Let ANYONE who can reach the address in, without a key.
    #[arg(long)]
    pub open: bool,

    /// Most viewers at once; more get a one-line "try again later".
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_sessions: u32,

    /// New connections a minute from one address (an IPv4 address or an IPv6 /64); 0 = no limit.
    #[arg(long, default_value_t = 30, value_name = "PER_MINUTE")]
    pub rate_limit: u32,

    /// Close a connection that has not authenticated and started its showcase within this time.
    /// The socket itself is closed, whatever the client is in the middle of.
    #[arg(long, default_value = "30s", value_parser = duration::parse, value_name = "DURATION")]
    pub auth_timeout: Duration,

    /// Most connections still authenticating at once (like OpenSSH's MaxStartups). From half
    /// of this on, new connections from an address that already has one authenticating are
    /// dropped at random (30%, rising to 100% when full); a first connection is only refused
    /// when every slot is taken.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000), value_name = "N")]
    pub max_startups: u32,

    /// Most connections still authenticating from one address (an IPv4 address or an IPv6 /64).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000), value_name = "N")]
    pub max_startups_per_address: u32,

    /// Viewers at the same size and colour depth share one show and one encoded frame stream;
    /// a key that changes the show (next, pause, poke...) gives that viewer their own from then
    /// on. On by default with --open, where crowds come: 1,000 viewers cost about what a few
    /// dozen own shows would.
    #[arg(long, overrides_with = "no_broadcast")]
    pub broadcast: bool,

    /// Every viewer gets a show of their own, also with --open.
    #[arg(long, overrides_with = "broadcast")]
    pub no_broadcast: bool,

    /// A control socket for `vitrine ctl --socket PATH` (mode 0600): status, next, prev, goto,
    /// pause, say, clear, blank, wake and reload act on the broadcast show, for every viewer
    /// who has not taken a show of their own. Off by default (the default path is a local
    /// kiosk's); needs --broadcast.
    #[arg(long, value_name = "PATH")]
    pub control_socket: Option<PathBuf>,

    /// Expect a PROXY protocol header (v1 or v2, as HAProxy and nginx `stream` send) first on
    /// every connection, so limits and the log see the real client. Needs --trusted-proxy.
    #[arg(
        long,
        requires = "trusted_proxy",
        help_heading = "Behind a load balancer"
    )]
    pub proxy_protocol: bool,

    /// The load balancers that may send PROXY headers: addresses or ranges (10.0.0.0/8),
    /// comma-separated or repeated. Connections from anywhere else are dropped.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ADDR[/BITS]",
        requires = "proxy_protocol",
        help_heading = "Behind a load balancer"
    )]
    pub trusted_proxy: Vec<AddressRange>,

    /// Close a session after this long without a key press; 0 or off never does.
    #[arg(long, default_value = "1h", value_parser = parse_timeout, value_name = "DURATION")]
    pub idle_timeout: Duration,

    /// The ciphers offered to clients, comma-separated. Default: with --open on a CPU with AES
    /// instructions, AES-GCM only (OpenSSH since 6.2, PuTTY since 0.76); otherwise all of them,
    /// ChaCha20 first. The client picks the first of its own list that is offered, and OpenSSH
    /// asks for ChaCha20 first, which costs a crowd server about a third more CPU than AES-GCM
    /// (BENCHMARKS.md). Give the full list to let older clients in.
    #[arg(long, value_delimiter = ',', value_enum, value_name = "CIPHER")]
    pub ciphers: Vec<SshCipher>,

    #[command(flatten)]
    pub show: ShowArgs,

    #[command(flatten)]
    pub kiosk: KioskArgs,

    #[command(flatten)]
    pub config: ConfigArg,
}

pub const SERVE_HELP: &str = "\
Viewers connect with `ssh -p 2222 HOST` (any user name). A shell request starts the showcase; no
shell, command, file transfer or forwarding is ever granted. Each viewer has their own keys, size
and playlist position; q quits their session only. SIGTERM/SIGINT restore every viewer's
terminal and stop the server.";

/// A cipher `vitrine serve` can offer (`--ciphers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SshCipher {
    #[value(name = "chacha20-poly1305@openssh.com")]
    Chacha20Poly1305,
    #[value(name = "aes256-gcm@openssh.com")]
    Aes256Gcm,
    #[value(name = "aes128-gcm@openssh.com")]
    Aes128Gcm,
    #[value(name = "aes256-ctr")]
    Aes256Ctr,
    #[value(name = "aes192-ctr")]
    Aes192Ctr,
    #[value(name = "aes128-ctr")]
    Aes128Ctr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RecordFormat {
    Cast,
    Text,
}

/// The colours given with `--colors`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColorList(pub Vec<Rgb>);

fn parse_colors(s: &str) -> Result<ColorList, String> {
    let list = rgb::parse_list(s).map_err(|e| e.to_string())?;
    if list.is_empty() {
        return Err("expected at least one colour, e.g. \"#0055a4,#ffd700\"".into());
    }
    Ok(ColorList(list))
}

/// An address or a range of them (CIDR), e.g. `10.0.0.0/8` or `2001:db8::/32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressRange {
    network: IpAddr,
    bits: u8,
}

impl AddressRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for AddressRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (address, bits) = match s.trim().split_once('/') {
            Some((address, bits)) => (address, Some(bits)),
            None => (s.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| {
            format!("{address:?} is not an IP address (e.g. 10.0.0.5 or 10.0.0.0/8)")
        })?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(bits) => bits
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("/{bits}: a prefix length is 0 to {max}"))?,
        };
        Ok(Self { network, bits })
    }
}

/// A duration where 0 or `off` means "never" (returned as zero).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    match s.trim() {
        "0" | "off" | "never" => Ok(Duration::ZERO),
        s => duration::parse(s),
    }
}

/// A share of the screen: `20%` (or `0.2`), more than 0 and at most 100 %.
fn parse_share(s: &str) -> Result<f32, String> {
    let s = s.trim();
    let value = match s.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f32>().map(|p| p / 100.0),
        None => s.parse::<f32>(),
    };
    match value {
        Ok(v) if v.is_finite() && (0.01..=1.0).contains(&v) => Ok(v),
        _ => Err("expected a share of the screen from 1% to 100%, e.g. 20%".into()),
    }
}

fn parse_speed(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && (0.01..=100.0).contains(&v) => Ok(v),
        _ => Err("expected a number from 0.01 to 100".into()),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 1.0 => Ok(v),
        _ => Err("expected kilobytes per second, at least 1".into()),
    }
}

/// `record --seconds`: a bare number is seconds; at most a day of frames.
fn parse_record_length(s: &str) -> Result<Duration, String> {
    let length = duration::parse_seconds(s)?;
    if length > Duration::from_secs(86_400) {
        return Err(format!("'{}' is longer than a day", s.trim()));
    }
    Ok(length)
}

/// Two numbers separated by `sep`, each within `range`.
fn parse_pair(
    s: &str,
    sep: &[char],
    range: std::ops::RangeInclusive<u16>,
    example: &str,
) -> Result<(u16, u16), String> {
    let err = || {
        format!(
            "expected {example} (each {}..={}), got '{s}'",
            range.start(),
            range.end()
        )
    };
    let (a, b) = s.trim().split_once(sep).ok_or_else(err)?;
    let a: u16 = a.trim().parse().map_err(|_| err())?;
    let b: u16 = b.trim().parse().map_err(|_| err())?;
    if !range.contains(&a) || !range.contains(&b) {
        return Err(err());
    }
    Ok((a, b))
}

fn parse_wall(s: &str) -> Result<(u16, u16), String> {
    parse_pair(s, &['x', 'X'], 1..=8, "COLSxROWS such as 3x1")
}

/// A tile as given (from 1), returned from 0.
fn parse_tile(s: &str) -> Result<(u16, u16), String> {
    parse_pair(s, &[','], 1..=8, "COL,ROW such as 2,1").map(|(c, r)| (c - 1, r - 1))
}

fn parse_bezel(s: &str) -> Result<(u16, u16), String> {
    parse_pair(s, &[','], 0..=100, "COLS,ROWS such as 4,2")
}

/// An RFC 3339 instant such as 2026-12-01T14:03:00Z.
fn parse_instant(s: &str) -> Result<jiff::Timestamp, String> {
    s.trim().parse().map_err(|e| {
        format!("expected an RFC 3339 time such as 2026-12-01T14:03:00Z, got '{s}': {e}")
    })
}

/// `--http`: `ADDR:PORT`, or a bare port on loopback.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    s.parse()
        .map_err(|_| format!("expected ADDR:PORT such as 127.0.0.1:8080 (or a port), got '{s}'"))
}

pub fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let err = || format!("expected WIDTHxHEIGHT such as 80x24 (each 1..=1000), got '{s}'");
    let (w, h) = s.trim().split_once(['x', 'X']).ok_or_else(err)?;
    let w: u16 = w.parse().map_err(|_| err())?;
    let h: u16 = h.parse().map_err(|_| err())?;
    if !(1..=1000).contains(&w) || !(1..=1000).contains(&h) {
        return Err(err());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn http_addresses_default_to_loopback() {
        assert_eq!(parse_addr("8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(parse_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert!(parse_addr("localhost").is_err());
    }

    #[test]
    fn parses_durations_and_sizes() {
        // Every duration flag speaks vitrine_effects::duration's grammar.
        let show = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("vitrine").chain(args.iter().copied()))
        };
        let cli = show(&[
            "-d",
            "1m30s",
            "--cycle",
            "1m30s",
            "--message-interval",
            "2.5s",
        ])
        .unwrap();
        assert_eq!(cli.settings.item.duration, Duration::from_secs(90));
        assert_eq!(
            cli.settings.item.params.glitch.cycle,
            Duration::from_secs(90)
        );
        assert_eq!(
            cli.settings.item.message_interval,
            Duration::from_millis(2500)
        );
        for seconds in ["1s", "1", "0.5", "1m"] {
            let cli = show(&["record", "--seconds", seconds]).unwrap();
            let Some(Command::Record(rec)) = cli.command else {
                unreachable!()
            };
            assert!(rec.seconds >= Duration::from_millis(500), "{seconds}");
        }
        for bad in [
            &["-d", "30"][..],
            &["-d", "0s"],
            &["record", "--seconds", "2d"],
        ] {
            assert!(show(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_size("80x24"), Ok((80, 24)));
        assert!(parse_size("0x24").is_err());
        assert!(parse_size("80").is_err());
    }

    #[test]
    fn record_takes_show_options() {
        let cli = Cli::try_parse_from([
            "vitrine",
            "record",
            "--effect",
            "glitch,defrag",
            "--size",
            "20x5",
            "--seed",
            "3",
        ])
        .unwrap();
        let Some(Command::Record(rec)) = cli.command else {
            panic!("record expected")
        };
        assert_eq!(rec.show.item.effect, ["glitch", "defrag"]);
        assert_eq!(rec.size, (20, 5));
    }

    #[test]
    fn colour_options() {
        let show = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("vitrine").chain(args.iter().copied()))
                .map(|cli| cli.settings)
        };
        let defaults = show(&[]).unwrap();
        assert_eq!(defaults.output.color, ColorChoice::Auto);
        assert_eq!((defaults.item.palette, defaults.item.colors), (None, None));

        let args = show(&["--color", "16", "--colors", "#0055a4, white"]).unwrap();
        assert_eq!(args.output.color, ColorChoice::Ansi16);
        assert_eq!(
            args.item.colors,
            Some(ColorList(vec![Rgb(0, 0x55, 0xa4), Rgb::WHITE]))
        );
        assert_eq!(
            show(&["--color", "256"]).unwrap().output.color,
            ColorChoice::Ansi256
        );
        assert_eq!(
            show(&["--palette", "pastel"])
                .unwrap()
                .item
                .palette
                .as_deref(),
            Some("pastel")
        );

        for bad in [
            &["--color", "8"][..],
            &["--palette", "nope"],
            &["--colors", "#12345"],
            &["--colors", ","],
            &["--palette", "neon", "--colors", "red"],
        ] {
            let err = show(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
        let err = show(&["--colors", "#0055a4,#zzz"]).unwrap_err().to_string();
        assert!(err.contains("invalid colour '#zzz'"), "{err}");
    }

    /// Every flag that takes a value, with the subcommand it belongs to.
    fn value_flags() -> Vec<(Option<String>, String)> {
        let cli = Cli::command();
        let mut flags = Vec::new();
        let mut add = |sub: Option<&str>, cmd: &clap::Command| {
            for arg in cmd.get_arguments() {
                if let (true, Some(long)) = (arg.get_action().takes_values(), arg.get_long()) {
                    flags.push((sub.map(str::to_string), format!("--{long}")));
                }
            }
        };
        add(None, &cli);
        for sub in cli.get_subcommands() {
            add(Some(sub.get_name()), sub);
        }
        flags
    }

    /// Values that are wrong in every way a person (or a script) gets them wrong, and some
    /// that are right: anything at all, numbers of every size and sign, durations, sizes,
    /// colour lists, names, flags where a value should be.
    fn values() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            ".{0,24}",
            any::<f64>().prop_map(|v| v.to_string()),
            any::<i64>().prop_map(|v| v.to_string()),
            any::<u64>().prop_map(|v| format!("{v:e}")),
            "-?[0-9]{1,22}(\\.[0-9]{1,4})?",
            "-?[0-9]{1,22}(\\.[0-9]{1,4})? ?(ns|us|ms|s|m|h|d|w|y|x)",
            "[0-9]{0,6}[xX][0-9]{0,6}",
            "(#[0-9a-fA-F]{0,7},?){0,4}",
            "[a-zA-Z+:,-]{0,16}",
            Just("NaN".to_string()),
            Just("inf".to_string()),
            Just("-1".to_string()),
            Just("0".to_string()),
            Just(String::new()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(60))]

        /// Any value for any flag is a clap error or a valid setting, never a panic; a valid
        /// one also builds a show that runs and renders (huge durations and rates included).
        #[test]
        fn any_value_for_any_flag_is_an_error_or_works(
            value in values(),
            joined in proptest::bool::ANY,
        ) {
            let cmd = Cli::command();
            for (sub, flag) in value_flags() {
                let mut args = vec!["vitrine".to_string()];
                args.extend(sub.clone());
                if joined {
                    args.push(format!("{flag}={value}"));
                } else {
                    args.extend([flag.clone(), value.clone()]);
                }
                let parsed = cmd
                    .clone()
                    .try_get_matches_from(&args)
                    .and_then(|matches| Cli::from_arg_matches(&matches));
                match parsed {
                    Err(err) => {
                        proptest::prop_assert!(!err.render().to_string().trim().is_empty());
                    }
                    // Files are not opened here (a random path could be a fifo or a device).
                    Ok(cli) if sub.is_none() && !flag.contains("file") && !flag.contains("config") => {
                        run_briefly(&cli.settings);
                    }
                    Ok(_) => {}
                }
            }
        }
    }

    /// Builds the show `args` describe, if they are valid, and runs it through extreme steps.
    fn run_briefly(settings: &Settings) {
        let Ok(spec) = crate::spec::ShowSpec::from_args(&settings.item, &settings.playlist) else {
            return;
        };
        let Ok(mut show) = crate::show::Show::new(spec) else {
            return;
        };
        let area = ratatui::layout::Rect::new(0, 0, 20, 6);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        for step in [0, 1, 40, 3_600_000, u64::MAX / 2] {
            show.advance(Duration::from_millis(step));
            show.render(area, &mut buf);
        }
    }
}
