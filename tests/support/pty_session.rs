//! Driving the real binary in a pseudo-terminal: keystrokes in, screen text out (vt100 keeps the
//! screen). Shared by the end-to-end tests and the session benchmark.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long to wait for something on screen, or for the program to end, before failing.
const PATIENCE: Duration = Duration::from_secs(60);

fn size(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a terminal size")
}

fn pty_size(rows: u16, cols: u16) -> PtySize {
    PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }
}

/// A program running in a pseudo-terminal, with what it has drawn so far.
pub struct PtySession {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Receiver<Vec<u8>>,
    master: Box<dyn MasterPty + Send>,
    pub screen: vt100::Parser,
    /// Every byte the program has written to the terminal so far, escape sequences and all.
    pub written: Vec<u8>,
    /// The pause after each key, so the program reads each on its own, as when a person types.
    pub key_pause: Duration,
}

impl PtySession {
    pub fn start(cmd: CommandBuilder, rows: u16, cols: u16) -> PtySession {
        let pair = native_pty_system().openpty(pty_size(rows, cols)).expect("open a pseudo-terminal");
        let child = pair.slave.spawn_command(cmd).expect("start the program");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        PtySession {
            child,
            writer,
            output,
            master: pair.master,
            screen: vt100::Parser::new(size(rows), size(cols), 0),
            written: Vec::new(),
            key_pause: Duration::from_millis(30),
        }
    }

    fn take_in(&mut self, bytes: &[u8]) {
        self.screen.process(bytes);
        self.written.extend_from_slice(bytes);
    }

    pub fn text(&self) -> String {
        self.screen.screen().contents()
    }

    /// Waits until the screen shows `wanted`, or fails with what it does show.
    pub fn wait_for(&mut self, wanted: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.text().contains(wanted) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {wanted:?}; the screen shows:\n{}", self.text());
            if let Ok(bytes) = self.output.recv_timeout(left.min(Duration::from_millis(20))) {
                self.take_in(&bytes);
            }
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("type into the terminal");
        self.writer.flush().expect("flush");
        std::thread::sleep(self.key_pause);
    }

    pub fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
        }
    }

    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.master.resize(pty_size(rows, cols)).expect("resize the terminal");
        self.screen.screen_mut().set_size(size(rows), size(cols));
    }

    pub fn process_id(&self) -> i32 {
        let pid = self.child.process_id().expect("a process id") as i32;
        assert!(pid > 1);
        pid
    }

    /// Sends a signal to the program itself: its own positive process id, never a group.
    #[cfg(unix)]
    pub fn signal(&mut self, signal: i32) {
        // SAFETY: kill(2) on this one child's own (positive) process id.
        assert_eq!(unsafe { libc::kill(self.process_id(), signal) }, 0);
    }

    pub fn has_exited(&mut self) -> bool {
        self.child.try_wait().expect("child status").is_some()
    }

    /// Waits for the program to end, and takes in what it wrote last (putting the terminal back).
    pub fn wait_exit(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        while !self.has_exited() {
            assert!(Instant::now() < deadline, "the program did not exit; the screen shows:\n{}", self.text());
            while let Ok(bytes) = self.output.try_recv() {
                self.take_in(&bytes);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(300)) {
            self.take_in(&bytes);
        }
    }
}
