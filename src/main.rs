//! `cutover`: parse the command line, run it, and turn any error into a sentence and an exit code.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A fault in the program must not print Rust internals (or patient details) at the user.
    std::panic::set_hook(Box::new(|info| {
        // Where, not what: a panic's message could quote a value.
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(at, "stopped on a fault in the program");
        eprintln!("{}", cutover::error::PANIC_MESSAGE);
    }));
    let cli = cutover::cli::Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // Buffered: `list` may print a hundred thousand rows.
    let mut out = BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let result = cutover::run(cli, &mut out, &mut err).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
