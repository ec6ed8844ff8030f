//! `cutover`: parse the command line, run it, and turn any error into a sentence and an exit code.

use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use cutover::output::{Out, Text};

fn main() -> ExitCode {
    // A fault in the program must not print Rust internals (or patient details) at the user.
    std::panic::set_hook(Box::new(|info| {
        // Where, not what: a panic's message could quote a value.
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(at, "stopped on a fault in the program");
        eprintln!("{}", cutover::error::PANIC_MESSAGE);
    }));
    let cli = match cutover::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let stdout = std::io::stdout();
    let to_terminal = stdout.is_terminal();
    let stderr = std::io::stderr();
    // Buffered: `list` may print a hundred thousand rows.
    let mut out = BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let result = cutover::run(cli, Out::new(&mut out, to_terminal), Text::new(&mut err)).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(Text::new(&mut err), "{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// A command line clap refused, or `--help` and `--version`. clap's own message quotes what was
/// typed: in colour when nothing typed needs escaping, else plain and escaped like every message.
fn usage_error(e: clap::Error) -> ExitCode {
    let plain = e.render().to_string();
    if e.use_stderr() && cutover::domain::text::escape_multiline(&plain) != plain {
        let mut err = std::io::stderr().lock();
        let _ = write!(Text::new(&mut err), "{plain}");
        return ExitCode::from(e.exit_code() as u8);
    }
    let _ = e.print();
    ExitCode::from(e.exit_code() as u8)
}
