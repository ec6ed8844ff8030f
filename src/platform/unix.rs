//! Unix: permission bits, statvfs, /proc, signals and termios.

use std::fs::{DirBuilder, File, Metadata, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Readable and writable by the owner only: every file that holds patient details.
const PRIVATE_FILE: u32 = 0o600;
const PRIVATE_DIR: u32 = 0o700;

/// Terminals here can mark pasted text (bracketed paste).
pub const TERMINAL_MARKS_PASTES: bool = true;

pub const LONGEST_PATH: usize = usize::MAX;

pub fn private_dir(builder: &mut DirBuilder) {
    builder.mode(PRIVATE_DIR);
}

pub fn private_file(options: &mut OpenOptions) {
    options.mode(PRIVATE_FILE);
}

pub fn make_private(file: &File) -> io::Result<()> {
    file.set_permissions(Permissions::from_mode(PRIVATE_FILE))
}

pub fn on_read_only_disk(path: &Path) -> bool {
    rustix::fs::statvfs(path).is_ok_and(|fs| fs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
}

pub fn read_only_attribute_counts(_: &Metadata) -> bool {
    true
}

pub fn on_network_drive(_: &Path) -> bool {
    false
}

pub fn locked_by_another_program(_: &Path) -> bool {
    false
}

pub fn process_running(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
}

/// SIGTERM (asked to stop) and SIGHUP (the terminal window closed) set `stop`; the process goes on
/// until the UI has kept its draft and left.
pub fn on_termination(stop: Arc<AtomicBool>) -> io::Result<()> {
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(())
}

/// Nothing waits for the program to leave here.
pub fn left() {}

/// crossterm is told about input edge-triggered and reads at most 1 KB each time it is told, so
/// the end of a paste typed as keys (longer than that, without bracketed paste) can sit unread in
/// the terminal until the next key comes to announce it: the screen froze until then. When input
/// is waiting that crossterm reports nothing of, setting the terminal's settings to what they
/// already are wakes whoever waits to read it (Linux does so on any change of settings), and the
/// loop reads the rest straight away. Anywhere that does not, it is a harmless no-op.
pub fn wake_reader_if_input_waits() {
    use rustix::termios::{OptionalActions, isatty, tcgetattr, tcsetattr};
    use std::os::fd::AsFd;
    let stdin = std::io::stdin();
    let tty = stdin.as_fd();
    if !isatty(tty) || rustix::io::ioctl_fionread(tty).unwrap_or(0) == 0 {
        return;
    }
    if let Ok(settings) = tcgetattr(tty) {
        let _ = tcsetattr(tty, OptionalActions::Now, &settings);
    }
}
