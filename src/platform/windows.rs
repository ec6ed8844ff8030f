//! Windows: the console's control events, drive types, volume flags, process handles.

use std::ffi::OsStr;
use std::fs::{DirBuilder, File, Metadata, OpenOptions};
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::{Component, Path, Prefix};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ACCESS_DENIED, ERROR_INVALID_PARAMETER, ERROR_LOCK_VIOLATION, ERROR_SHARING_VIOLATION,
    GetLastError, STILL_ACTIVE,
};
use windows_sys::Win32::Storage::FileSystem::{GetDriveTypeW, GetVolumeInformationByHandleW};
use windows_sys::Win32::System::Console::{
    CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT, SetConsoleCtrlHandler,
};
use windows_sys::Win32::System::SystemServices::FILE_READ_ONLY_VOLUME;
use windows_sys::Win32::System::Threading::{GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION};
use windows_sys::Win32::System::WindowsProgramming::DRIVE_REMOTE;

/// The classic console cannot mark pastes for crossterm, and asking only adds Ctrl to the Enter of
/// each pasted line break in some terminals (crossterm #962): pastes are told apart by their speed.
pub const TERMINAL_MARKS_PASTES: bool = false;

/// `MAX_PATH` less its terminating NUL: SQLite on Windows opens no longer path.
pub const LONGEST_PATH: usize = 259;

/// A folder or file takes the access list of the folder it is made in: the per-user data folder
/// under `%LOCALAPPDATA%` is open to its user, the administrators and the system alone.
pub fn private_dir(_: &mut DirBuilder) {}

pub fn private_file(_: &mut OpenOptions) {}

pub fn make_private(_: &File) -> io::Result<()> {
    Ok(())
}

/// Windows takes no notice of the read-only attribute on a folder.
pub fn read_only_attribute_counts(metadata: &Metadata) -> bool {
    !metadata.is_dir()
}

fn wide(text: &OsStr) -> Vec<u16> {
    text.encode_wide().chain(Some(0)).collect()
}

pub fn on_read_only_disk(path: &Path) -> bool {
    use std::os::windows::io::AsRawHandle;
    // Asked of an open file or folder: asking of the drive's root reads its label, which may be refused.
    let Ok(file) = File::open(path) else { return false };
    let mut flags = 0u32;
    // SAFETY: a handle open for the call; null pointers ask for nothing.
    unsafe {
        GetVolumeInformationByHandleW(
            file.as_raw_handle(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut flags,
            std::ptr::null_mut(),
            0,
        ) != 0
            && flags & FILE_READ_ONLY_VOLUME != 0
    }
}

/// Where a path is, as far as its spelling tells.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    /// `\\server\share\…`: another computer.
    Share,
    /// `C:\…`: a drive letter, which may be mapped to a share.
    Drive(u8),
    /// Relative to nothing Windows can name here (a device path).
    Other,
}

fn place_of(path: &Path) -> Place {
    match path.components().next() {
        Some(Component::Prefix(prefix)) => match prefix.kind() {
            Prefix::UNC(..) | Prefix::VerbatimUNC(..) => Place::Share,
            Prefix::Disk(letter) | Prefix::VerbatimDisk(letter) => Place::Drive(letter),
            _ => Place::Other,
        },
        _ => Place::Other,
    }
}

pub fn on_network_drive(path: &Path) -> bool {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match place_of(&absolute) {
        Place::Share => true,
        Place::Drive(letter) => {
            let root = wide(OsStr::new(&format!("{}:\\", letter as char)));
            // SAFETY: a NUL-terminated string.
            unsafe { GetDriveTypeW(root.as_ptr()) == DRIVE_REMOTE }
        }
        Place::Other => false,
    }
}

pub fn locked_by_another_program(path: &Path) -> bool {
    // Opened as any reader would, sharing everything: refused only if someone else shares nothing.
    match File::open(path) {
        Ok(_) => false,
        Err(e) => matches!(e.raw_os_error().map(|c| c as u32), Some(ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)),
    }
}

pub fn process_running(pid: u32) -> Option<bool> {
    // SAFETY: the handle is checked, used once and closed.
    unsafe {
        let handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
        if handle.is_null() {
            return match GetLastError() {
                ERROR_INVALID_PARAMETER => Some(false),
                // Someone else's process: it is there, but not ours to look at.
                ERROR_ACCESS_DENIED => Some(true),
                _ => None,
            };
        }
        let mut code = 0u32;
        let asked = GetExitCodeProcess(handle, &mut code) != 0;
        CloseHandle(handle);
        asked.then_some(code == STILL_ACTIVE as u32)
    }
}

/// Set when the console asks the program to end.
static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// Whether the program has left (its draft kept), and a way to wait for it.
static LEFT: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());
/// Windows gives a program 5 seconds after its console window is closed, then ends it.
const CLOSE_GRACE: Duration = Duration::from_millis(4500);

pub fn on_termination(stop: Arc<AtomicBool>) -> io::Result<()> {
    if STOP.set(stop).is_err() {
        return Ok(()); // already watching
    }
    // SAFETY: the handler is a plain function that lives as long as the program.
    if unsafe { SetConsoleCtrlHandler(Some(on_console_event), 1) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

unsafe extern "system" fn on_console_event(kind: u32) -> windows_sys::core::BOOL {
    i32::from(console_event(kind, CLOSE_GRACE))
}

/// Runs on a thread Windows starts for the event. Ctrl-Break only asks; a closed window, a logoff
/// or a shutdown ends the process as soon as this returns, so it waits (up to `grace`) for the UI
/// to keep its draft and leave. Ctrl-C is a key in the UI, and is left to Windows elsewhere.
fn console_event(kind: u32, grace: Duration) -> bool {
    let Some(stop) = STOP.get() else { return false };
    match kind {
        CTRL_BREAK_EVENT => {}
        CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT => {
            stop.store(true, Ordering::SeqCst);
            let (left, changed) = &LEFT;
            let guard = left.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let _ = changed.wait_timeout_while(guard, grace, |left| !*left);
            return true;
        }
        _ => return false,
    }
    stop.store(true, Ordering::SeqCst);
    true
}

pub fn left() {
    let (left, changed) = &LEFT;
    *left.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = true;
    changed.notify_all();
}

/// Windows reads the console's input records, not edge-triggered: nothing is ever left unread.
pub fn wake_reader_if_input_waits() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_share_or_a_drive_is_told_by_the_path() {
        assert_eq!(place_of(Path::new(r"\\server\share\cutover.db")), Place::Share);
        assert_eq!(place_of(Path::new(r"\\?\UNC\server\share\cutover.db")), Place::Share);
        assert_eq!(place_of(Path::new(r"C:\Users\reception\cutover.db")), Place::Drive(b'C'));
        assert_eq!(place_of(Path::new(r"\\?\D:\cutover.db")), Place::Drive(b'D'));
        assert_eq!(place_of(Path::new(r"\\.\pipe\x")), Place::Other);
        assert!(on_network_drive(Path::new(r"\\server\share\cutover.db")));
    }

    #[test]
    fn a_file_shared_with_nobody_is_locked_by_another_program() {
        use std::os::windows::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cutover.db");
        std::fs::write(&path, b"x").unwrap();
        let held = OpenOptions::new().read(true).share_mode(0).open(&path).unwrap();
        assert!(locked_by_another_program(&path));
        drop(held);
        assert!(!locked_by_another_program(&path));
    }

    /// The console-close path: the stop is asked for at once, and Windows is kept from ending the
    /// process until the UI has left (or the grace has run out).
    #[test]
    fn closing_the_console_asks_the_ui_to_stop_and_waits_until_it_has_left() {
        let stop = Arc::new(AtomicBool::new(false));
        on_termination(Arc::clone(&stop)).unwrap();
        let stop = STOP.get().unwrap();
        assert!(!console_event(0, Duration::ZERO), "Ctrl-C is not handled here");
        assert!(!stop.load(Ordering::SeqCst));

        let started = Instant::now();
        let closing = std::thread::spawn(|| console_event(CTRL_CLOSE_EVENT, Duration::from_secs(30)));
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(!closing.is_finished(), "the handler returned before the UI left");
        left();
        assert!(closing.join().unwrap());
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}
