//! Drawing the state: no side effects, so every screen can be tested on a `TestBackend`.
//! Every piece of stored text passes through `escape_inline`/`escape_multiline` before it is drawn.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, EntriesList, EntryDetail, Overlay, Screen, Tone, UserPicker};
use super::field::FormField;
use super::form::{EntryForm, Row};
use super::keys::{self, KIND_KEYS};
use super::lists;
use super::passphrase::Gate;
use super::setup::SetupForm;
use super::theme::Theme;
use crate::domain::fields::{Flag, display_value};
use crate::domain::text::{escape_inline, escape_multiline, pad, quoted, terminal_cell, truncate, width};
use crate::domain::time::{self, CutoverClock};
use crate::error::Warning;

/// The smallest terminal the UI draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
const LABEL_WIDTH: u16 = 30;
/// The most lines the status line grows to: a save's notes run to several sentences, and each one
/// matters (no NHS number, a possible duplicate), so the body gives up room rather than cut them.
const STATUS_LINES: u16 = 4;

pub fn view(app: &App, theme: &Theme, frame: &mut Frame) {
    draw(app, theme, frame);
    last_guard(frame.buffer_mut());
}

/// The last guard between stored text and the terminal, over every cell drawn, whichever widget
/// drew it: what `domain::text`'s rule refuses is taken out of a cell's symbol (a cell left empty
/// shows `�`). ratatui leaves out control characters itself, but puts bidi controls and
/// zero-width characters into the cell before them, and the terminal is sent every cell as it is.
/// The screens show such text escaped before they draw it; this is for what reaches a cell any
/// other way.
fn last_guard(buffer: &mut ratatui::buffer::Buffer) {
    let width = usize::from(buffer.area.width);
    let cells = &mut buffer.content;
    for at in 0..cells.len() {
        // Most cells are printable ASCII: one pass over a byte or two, and on.
        if cells[at].symbol().bytes().all(|b| (0x20..0x7f).contains(&b)) {
            continue;
        }
        let column = at % width;
        let before = if column > 0 { cells[at - 1].symbol().chars().next_back() } else { None };
        let after = if column + 1 < width { cells.get(at + 1).and_then(|c| c.symbol().chars().next()) } else { None };
        if let Some(safe) = terminal_cell(before, cells[at].symbol(), after) {
            cells[at].set_symbol(&safe);
        }
    }
}

/// The passphrase screens (`passphrase::Gate`), before the log is open: a header with the time and
/// nothing from the log, the screen, and its keys.
pub fn view_gate(gate: &Gate, now: DateTime<Utc>, theme: &Theme, frame: &mut Frame) {
    if !too_small(frame) {
        let area = frame.area();
        let footer_lines = footer_lines(gate.bindings(), false, theme, area.width);
        let [header, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(footer_lines.len() as u16),
        ])
        .areas(area);
        header_bar(" cutover".to_string(), now, theme, frame, header);
        gate.draw(theme, frame, body);
        frame.render_widget(Paragraph::new(footer_lines), footer);
    }
    last_guard(frame.buffer_mut());
}

/// Says so, and draws nothing else, in a window smaller than the screens need.
fn too_small(frame: &mut Frame) -> bool {
    let area = frame.area();
    if area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT {
        return false;
    }
    let text = format!(
        "This window is too small for cutover.\nMake it at least {MIN_WIDTH} × {MIN_HEIGHT} (it is {} × {}).\nNothing is lost: your work is still here.",
        area.width, area.height
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
    true
}

fn draw(app: &App, theme: &Theme, frame: &mut Frame) {
    if too_small(frame) {
        return;
    }
    let area = frame.area();
    let status_text = status_paragraph(app, theme, area.width);
    let status_lines = status_text.as_ref().map_or(1, |p| p.line_count(area.width).clamp(1, STATUS_LINES.into()));
    let alert = alert_paragraph(app, theme);
    let alert_lines = alert.as_ref().map_or(0, |p| p.line_count(area.width).clamp(1, STATUS_LINES.into()));
    let footer_lines = footer_lines(app.bindings(), true, theme, area.width);
    let [header, alert_area, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(alert_lines as u16),
        Constraint::Fill(1),
        Constraint::Length(status_lines as u16),
        Constraint::Length(footer_lines.len() as u16),
    ])
    .areas(area);
    draw_header(app, theme, frame, header);
    if let Some(alert) = alert {
        frame.render_widget(alert, alert_area);
    }
    match &app.screen {
        Screen::Setup(form) => draw_setup(form, "Set up cutover on this computer", theme, frame, body),
        Screen::AddStaff(form) => draw_setup(form, "Add yourself to the staff list", theme, frame, body),
        Screen::ChooseUser(picker) => draw_choose_user(app, picker, theme, frame, body),
        Screen::Drafts { selected } => draft_list(app, *selected, theme, frame, body),
        Screen::Home => draw_home(app, theme, frame, body),
        Screen::Form(form) => draw_form(form, live_notice(app, form, theme), theme, frame, body),
        Screen::Entries(list) => draw_entries(list, theme, frame, body),
        Screen::Detail(detail) => draw_detail(detail, theme, frame, body),
        Screen::Queue(queue) => {
            super::queue_view::draw_queue(queue, app.cutover.done_without_reference, theme, frame, body)
        }
        Screen::Runbook(screen) => screen.draw(theme, frame, body, app.now),
    }
    if let Some(text) = status_text {
        frame.render_widget(text, status);
    }
    frame.render_widget(Paragraph::new(footer_lines), footer);
    match &app.overlay {
        Some(Overlay::Help(scroll)) => draw_help(app, *scroll, theme, frame, body),
        Some(Overlay::ConfirmDiscardDraft { .. }) => popup(
            frame,
            body,
            "Discard this draft?",
            vec![
                Line::raw("What was typed in it will not be saved."),
                Line::raw(""),
                Line::raw("y  discard it      any other key  keep it"),
            ],
        ),
        Some(Overlay::ConfirmDiscard) => popup(
            frame,
            body,
            "Discard this entry?",
            vec![
                Line::raw("What you typed will not be saved."),
                Line::raw(""),
                Line::raw("y  discard it      any other key  keep typing"),
            ],
        ),
        Some(Overlay::ConfirmLeaveSetup) => popup(
            frame,
            body,
            "Leave without setting up?",
            vec![
                Line::raw("Nothing typed here will be kept: cutover asks again next time."),
                Line::raw(""),
                Line::raw("y  leave      any other key  keep typing"),
            ],
        ),
        Some(Overlay::ConfirmTime { warnings, .. }) => {
            let mut lines: Vec<Line> =
                warnings.iter().map(|w| Line::raw(capitalised(&escape_inline(&w.to_string())))).collect();
            lines.push(Line::raw(""));
            lines.push(Line::raw("y  save it as it is      any other key  go back and correct it"));
            let title = if warnings.iter().any(Warning::is_about_the_patient) {
                "Is this the right patient?"
            } else {
                "Is the time right?"
            };
            popup(frame, body, title, lines)
        }
        Some(Overlay::VoidReason { reference, reason, .. }) => {
            let lines = vec![
                Line::raw(format!("Void {reference}: it leaves the re-entry queue but stays in the history.")),
                Line::raw("Why was it logged in error?"),
                Line::styled(format!("> {}", escape_inline(&reason.lines().join(" "))), theme.focused()),
                Line::raw(""),
                Line::raw("Enter  void it      Esc  keep it"),
            ];
            popup(frame, body, "Void an entry", lines)
        }
        None => {}
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn draw_header(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let practice = app.cutover.practice.as_deref().map(|p| escape_inline(p).into_owned()).unwrap_or_default();
    let mut parts = vec![format!(" {}", truncate(&practice, 30))];
    if app.cutover.demo {
        parts.push("DEMO DATA".into());
    }
    if let Some(user) = &app.user {
        parts.push(format!("{} ({})", escape_inline(&user.name), user.id));
    }
    let target = app.cutover.sla_hours;
    match time::cutover_clock(app.cutover.fdp, app.cutover.go_live, app.now) {
        Some(CutoverClock::Running { hours }) => parts.push(format!("FDP +{hours:.0}h of {target}h")),
        Some(CutoverClock::Finished { hours }) => parts.push(format!("FDP to go-live {hours:.0}h of {target}h")),
        Some(CutoverClock::NotStarted) | None => {}
    }
    header_bar(parts.join(" · "), app.now, theme, frame, area);
}

/// The bar at the top: `parts` on the left, the time on the right.
fn header_bar(parts: String, now: DateTime<Utc>, theme: &Theme, frame: &mut Frame, area: Rect) {
    let clock = time::format_uk(now);
    // By display width, so that a name in CJK or with emoji still leaves the clock at the right edge.
    let room = (area.width as usize).saturating_sub(width(&clock) + 2);
    let left = truncate(&parts, room);
    let text = format!("{}{clock} ", pad(&left, (area.width as usize).saturating_sub(width(&clock) + 1)));
    frame.render_widget(Paragraph::new(text).style(theme.header()), area);
}

/// The status line, wrapped at words: the layout gives it as many lines as it needs, up to
/// `STATUS_LINES`; a message longer still ends in "…" where it is cut, never silently.
fn status_paragraph(app: &App, theme: &Theme, width: u16) -> Option<Paragraph<'static>> {
    let status = app.status.as_ref()?;
    let style = match status.tone {
        Tone::Info => theme.label(),
        Tone::Success => theme.success(),
        Tone::Problem => theme.problem(),
    };
    let wrapped = |text: String| Paragraph::new(text).style(style).wrap(Wrap { trim: true });
    let text = escape_inline(&status.text).into_owned();
    if wrapped(text.clone()).line_count(width) <= STATUS_LINES as usize {
        return Some(wrapped(text));
    }
    let words: Vec<&str> = text.split(' ').collect();
    let fits = |n: usize| wrapped(format!("{} …", words[..n].join(" "))).line_count(width) <= STATUS_LINES as usize;
    let mut n = words.len();
    while n > 0 && !fits(n) {
        n -= 1;
    }
    Some(wrapped(format!("{} …", words[..n].join(" "))))
}

/// Why no rolling backup is being made, under the header on every screen: reversed, so that it
/// cannot be taken for an ordinary message, and kept until a backup is made.
fn alert_paragraph(app: &App, theme: &Theme) -> Option<Paragraph<'static>> {
    let alert = app.backup_alert.as_ref()?;
    let style = if alert.damaged { theme.alarm() } else { theme.problem() };
    Some(Paragraph::new(escape_inline(&alert.text).into_owned()).style(style).wrap(Wrap { trim: true }))
}

/// The most lines the footer takes.
const FOOTER_LINES: usize = 2;

/// The footer: each key of the screen and a word or two on what it does, on as many lines as they
/// need up to `FOOTER_LINES`, help last. Keys that do not fit are in the help, and the footer then
/// ends "F1 more" so that they can be found.
/// `help`: the screen has the F1 help (the passphrase screens show every key in the footer).
fn footer_lines(bindings: &[keys::Binding], help: bool, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let shown: Vec<(String, &str)> = bindings
        .iter()
        .chain(keys::EVERYWHERE)
        .filter(|b| !b.short.is_empty() && b.command != Some(keys::Command::Help))
        .map(|b| (b.label(), b.short))
        .collect();
    let width = width as usize;
    // Lays out the first `n` keys and the help; None if they take more than FOOTER_LINES.
    let lay_out = |n: usize, more: &'static str| -> Option<Vec<Vec<(String, &str)>>> {
        let mut lines: Vec<Vec<(String, &str)>> = vec![Vec::new()];
        let mut used = 0;
        let f1 = help.then(|| ("F1".to_string(), more));
        for (label, short) in shown.iter().take(n).cloned().chain(f1) {
            let piece = width_of(&label, short);
            let line = lines.last_mut()?;
            if !line.is_empty() && used + 2 + piece > width {
                lines.push(vec![(label, short)]);
                used = piece;
            } else {
                used += if line.is_empty() { piece } else { piece + 2 };
                line.push((label, short));
            }
        }
        (lines.len() <= FOOTER_LINES).then_some(lines)
    };
    let lines = lay_out(shown.len(), "Help")
        .or_else(|| (0..shown.len()).rev().find_map(|n| lay_out(n, "more")))
        .unwrap_or_default();
    lines
        .into_iter()
        .map(|line| {
            let mut spans = Vec::new();
            for (i, (label, short)) in line.into_iter().enumerate() {
                if i > 0 {
                    spans.push(Span::raw("  "));
                }
                spans.push(Span::styled(label, theme.label()));
                spans.push(Span::raw(format!(" {short}")));
            }
            Line::from(spans)
        })
        .collect()
}

fn width_of(label: &str, short: &str) -> usize {
    width(label) + 1 + width(short)
}

/// The home screen's line on clashes between PCs no one here has looked at yet: how many, and which.
fn clashes_line(clashes: &[crate::store::NotedClash]) -> String {
    let which: Vec<String> = clashes
        .iter()
        .map(|c| format!("{} ({})", c.reference, c.clashes.iter().map(|k| k.words()).collect::<Vec<_>>().join(", ")))
        .collect();
    let count = if clashes.len() == 1 { "1 clash".to_string() } else { format!("{} clashes", clashes.len()) };
    format!("{count} between PCs to look at: {}. Open each to see what happened.", which.join(", "))
}

/// Whether the log is encrypted, in a line; a warning, with what to do, when it is not and holds
/// the practice's entries (a demo's patients are fictitious).
fn encryption_paragraph(app: &App, theme: &Theme) -> Paragraph<'static> {
    let (text, style) = if app.cutover.encrypted {
        ("Encrypted: the log cannot be read without the practice's passphrase.", theme.dim())
    } else if app.cutover.demo {
        ("Not encrypted: demo data (fictitious patients).", theme.dim())
    } else if app.home.holds_entries {
        (
            "Not encrypted: anyone who copies this file can read every patient in it. To encrypt it, close cutover and run: cutover encrypt --passphrase-file FILE",
            theme.warning(),
        )
    } else {
        ("Not encrypted yet: cutover encrypt --passphrase-file FILE encrypts it.", theme.dim())
    };
    Paragraph::new(text).style(style).wrap(Wrap { trim: true })
}

fn draw_home(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let encryption = encryption_paragraph(app, theme);
    let indented = |r: Rect| Rect { x: r.x + 1, width: r.width.saturating_sub(1), ..r };
    let encryption_lines = encryption.line_count(area.width.saturating_sub(1)).clamp(1, 3) as u16;
    // After go-live, services not back on are the first thing the manager sees (issue 16).
    let awaiting = &app.home.services_awaiting;
    let clashes = &app.home.clashes;
    let [warning, clash_line, encryption_area, area] = Layout::vertical([
        Constraint::Length(u16::from(!awaiting.is_empty())),
        Constraint::Length(u16::from(!clashes.is_empty())),
        Constraint::Length(encryption_lines),
        Constraint::Fill(1),
    ])
    .areas(area);
    if !clashes.is_empty() {
        let text = format!(" {}", clashes_line(clashes));
        let shown = crate::domain::text::truncate(&escape_inline(&text), clash_line.width.into()).into_owned();
        frame.render_widget(Paragraph::new(Line::styled(shown, theme.warning())), clash_line);
    }
    frame.render_widget(encryption, indented(encryption_area));
    if !awaiting.is_empty() {
        let text = format!(
            " {} not confirmed back on since go-live: {}",
            if awaiting.len() == 1 {
                "1 third-party service".to_string()
            } else {
                format!("{} third-party services", awaiting.len())
            },
            awaiting.join(", ")
        );
        let shown = crate::domain::text::truncate(&escape_inline(&text), warning.width.into()).into_owned();
        frame.render_widget(Paragraph::new(Line::styled(shown, theme.warning())), warning);
    }
    let [top, bottom] = Layout::vertical([Constraint::Length(10), Constraint::Fill(1)]).areas(area);
    // A line on sharing through the practice's folder, when this PC shares.
    let bottom = match &app.sharing {
        Some(status) => {
            let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(bottom);
            let style = if status.unreachable_since.is_some() || status.problem.is_some() || !status.quiet.is_empty() {
                theme.warning()
            } else {
                theme.dim()
            };
            let text = super::sharing::describe(status, app.now);
            frame.render_widget(Paragraph::new(Line::styled(format!(" {}", escape_inline(&text)), style)), line);
            rest
        }
        None => bottom,
    };
    let [kinds, today] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(top);

    let key_cells: Vec<Line> = KIND_KEYS
        .chunks(2)
        .map(|pair| {
            let mut spans = Vec::new();
            for (c, kind) in pair {
                spans.push(Span::styled(format!(" {c} "), theme.focused()));
                spans.push(Span::raw(format!(" {:<20}", kind.label())));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(key_cells).block(Block::default().borders(Borders::ALL).title(" New entry: press a key ")),
        kinds,
    );

    let mut counts: Vec<Line> =
        app.home.today.iter().map(|(kind, n)| Line::raw(format!(" {:<22}{n:>6}", kind.label()))).collect();
    if counts.is_empty() {
        counts.push(Line::styled(" Nothing logged today yet.", theme.dim()));
    }
    let total: i64 = app.home.today.iter().map(|(_, n)| n).sum();
    frame.render_widget(
        Paragraph::new(counts).block(Block::default().borders(Borders::ALL).title(format!(" Today: {total} entries "))),
        today,
    );

    let block = Block::default().borders(Borders::ALL).title(" Last saved on this computer ");
    let inner = block.inner(bottom);
    frame.render_widget(block, bottom);
    let narrow = inner.width < 90;
    let widths = lists::widths(
        inner.width,
        &[
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(lists::kind_width(narrow)),
            Constraint::Fill(3),
            Constraint::Fill(2),
        ],
    );
    let header = ["Ref", "Saved", "Kind", "Patient", "Summary"].map(String::from);
    let mut lines = vec![Line::styled(lists::cells(&header, &widths), theme.label())];
    for r in &app.home.recent {
        let patient = escape_inline(r.patient.as_deref().unwrap_or("")).into_owned();
        let values = [
            r.reference.clone(),
            time::format_uk_as(r.recorded_at, "%d/%m %H:%M"),
            lists::kind_label(r.kind, narrow).to_string(),
            lists::person(&patient, widths[3]),
            escape_inline(&r.summary).into_owned(),
        ];
        lines.push(Line::raw(lists::cells(&values, &widths)));
    }
    if app.home.recent.is_empty() {
        lines.push(Line::styled(" Nothing saved here yet.", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One line per field: label, value, and any problem underneath. Keeps the focused row in view.
/// After go-live, a new entry's form says that the new system is live, and since when: care given
/// now is recorded there. Logging here is still allowed, since late paper from the cutover still
/// turns up; what is logged joins the re-entry queue.
fn live_notice(app: &App, form: &EntryForm, theme: &Theme) -> Option<Paragraph<'static>> {
    if form.amending.is_some() {
        return None;
    }
    let since = time::live_since(app.cutover.go_live, app.now)?;
    let text = format!(
        "The new system has been live since {}: record care given now there. Log here only what happened during the cutover (late paper); it joins the re-entry queue.",
        time::format_uk(since)
    );
    Some(Paragraph::new(text).style(theme.warning()).wrap(Wrap { trim: true }))
}

fn draw_form(form: &EntryForm, notice: Option<Paragraph<'static>>, theme: &Theme, frame: &mut Frame, area: Rect) {
    let title = match &form.amending {
        Some(a) => format!(" Amend {} ({}) ", a.reference, form.kind.label()),
        None => format!(" {} ", new_entry_title(form.kind)),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(notice) = notice {
        let lines = (notice.line_count(inner.width) as u16).min(inner.height.saturating_sub(1));
        frame.render_widget(notice, Rect { height: lines, ..inner });
        inner = Rect { y: inner.y + lines, height: inner.height - lines, ..inner };
    }

    let rows = form.rows();
    let focus = form.focus.min(rows.len() - 1);
    let value_width = inner.width.saturating_sub(LABEL_WIDTH);
    let heights: Vec<u16> =
        rows.iter().enumerate().map(|(i, r)| row_height(form, *r, i == focus, value_width)).collect();
    // Scroll so the focused row (and the look-up under it) is visible.
    let mut first = 0;
    while first < focus && heights[first..=focus].iter().sum::<u16>() > inner.height {
        first += 1;
    }
    let mut y = inner.y;
    for (i, row) in rows.iter().enumerate().skip(first) {
        let h = heights[i];
        if y + h > inner.y + inner.height {
            break;
        }
        let rect = Rect { x: inner.x, y, width: inner.width, height: h };
        draw_row(form, *row, i == focus, theme, frame, rect);
        y += h;
    }
    if form.focused_row() == Row::Patient && (!form.patient.results.is_empty() || form.patient.nobody_found()) {
        draw_lookup(form, theme, frame, inner, &heights, first, focus);
    }
}

/// A new entry's form title: "New consultation", and "New registration" for a kind whose label
/// already says new.
fn new_entry_title(kind: crate::domain::fields::Kind) -> String {
    let label = kind.label();
    if label.starts_with("New ") { label.to_string() } else { format!("New {}", label.to_lowercase()) }
}

fn row_height(form: &EntryForm, row: Row, focused: bool, value_width: u16) -> u16 {
    match row {
        Row::Patient => 1 + error_lines(form.patient.error.as_deref(), value_width),
        Row::Flags => flag_lines(value_width).len().max(1) as u16,
        Row::Field(i) => {
            let f = &form.fields[i];
            let body = if f.is_multiline() && focused { 5 } else { 1 };
            body + error_lines(f.error.as_deref(), value_width)
        }
    }
}

/// A field's problem under it, wrapped at words: said whole, never cut at the form's edge.
fn error_paragraph(error: &str, theme: &Theme) -> Paragraph<'static> {
    Paragraph::new(format!("↳ {}", escape_inline(error))).style(theme.problem()).wrap(Wrap { trim: true })
}

/// How many lines a field's problem takes at this width (none without one).
fn error_lines(error: Option<&str>, width: u16) -> u16 {
    match error {
        Some(e) => error_paragraph(e, &Theme::plain()).line_count(width).max(1) as u16,
        None => 0,
    }
}

/// The flags, by position in `Flag::ALL`, laid out in lines of at most `width` columns. A flag is
/// never split across lines (its number must stay beside its name), and every flag gets a line:
/// the row grows rather than cut the last ones off.
fn flag_lines(width: u16) -> Vec<Vec<usize>> {
    let mut lines: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0usize;
    for (i, flag) in Flag::ALL.iter().enumerate() {
        // "1□ Urgent", then two spaces before the next.
        let own = format!("{} {}", i + 1, flag.label()).chars().count() + 1;
        let line = lines.last_mut().expect("at least one line");
        if !line.is_empty() && used + 2 + own > width as usize {
            lines.push(vec![i]);
            used = own;
        } else {
            if !line.is_empty() {
                used += 2;
            }
            line.push(i);
            used += own;
        }
    }
    lines
}

fn label_span(label: &str, required: bool, focused: bool, theme: &Theme) -> Span<'static> {
    let marker = if focused { "▶ " } else { "  " };
    let star = if required { " *" } else { "" };
    let text = format!("{marker}{}", truncate(&format!("{label}{star}"), LABEL_WIDTH as usize - 3));
    let style = if focused { theme.focused() } else { theme.label() };
    Span::styled(pad(&text, LABEL_WIDTH as usize - 1).into_owned(), style)
}

fn draw_row(form: &EntryForm, row: Row, focused: bool, theme: &Theme, frame: &mut Frame, rect: Rect) {
    let [label, value] = Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Fill(1)]).areas(rect);
    let first_line = |r: Rect| Rect { height: 1, ..r };
    match row {
        Row::Patient => {
            let required = form.kind != crate::domain::fields::Kind::DispensaryStock;
            frame.render_widget(Paragraph::new(label_span("Patient", required, focused, theme)), first_line(label));
            let shown = match (&form.patient.chosen, form.patient.adding_new) {
                (Some(p), _) => Line::raw(escape_inline(&p.describe()).into_owned()),
                (None, true) => Line::styled("New patient: details below", theme.label()),
                (None, false) if focused => {
                    let typed = form.patient.query_text();
                    if typed.is_empty() {
                        Line::styled("Type a name, NHS number or date of birth", theme.dim())
                    } else {
                        Line::styled(format!("{}▏", escape_inline(&typed)), theme.focused())
                    }
                }
                (None, false) => {
                    let typed = form.patient.query_text();
                    if typed.trim().is_empty() {
                        Line::styled("(not chosen)", theme.dim())
                    } else {
                        Line::styled(
                            format!("{} — not chosen yet (Ctrl-N adds a new patient)", escape_inline(&typed)),
                            theme.dim(),
                        )
                    }
                }
            };
            frame.render_widget(Paragraph::new(shown), first_line(value));
            if let Some(error) = &form.patient.error {
                let r = Rect { y: rect.y + 1, height: rect.height.saturating_sub(1), ..value };
                frame.render_widget(error_paragraph(error, theme), r);
            }
        }
        Row::Flags => {
            frame.render_widget(Paragraph::new(label_span("Flags", false, focused, theme)), first_line(label));
            let lines: Vec<Line> = flag_lines(value.width)
                .into_iter()
                .map(|line| {
                    let spans: Vec<Span> = line
                        .into_iter()
                        .map(|i| {
                            let flag = Flag::ALL[i];
                            let on = form.flags.contains(&flag);
                            let text = format!("{}{} {}  ", i + 1, if on { "■" } else { "□" }, flag.label());
                            let style = if focused && i == form.flag_cursor {
                                theme.focused()
                            } else if on {
                                theme.label()
                            } else {
                                ratatui::style::Style::default()
                            };
                            Span::styled(text, style)
                        })
                        .collect();
                    Line::from(spans)
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), value);
        }
        Row::Field(i) => {
            let field = &form.fields[i];
            frame.render_widget(
                Paragraph::new(label_span(field.spec.label, field.spec.required, focused, theme)),
                first_line(label),
            );
            let body_height = rect.height.saturating_sub(error_lines(field.error.as_deref(), value.width)).max(1);
            let body = Rect { height: body_height, ..value };
            draw_value(field, focused, theme, frame, body);
            if let Some(error) = &field.error {
                let r = Rect { y: rect.y + body_height, height: rect.height.saturating_sub(body_height), ..value };
                frame.render_widget(error_paragraph(error, theme), r);
            }
        }
    }
}

fn draw_value(field: &FormField, focused: bool, theme: &Theme, frame: &mut Frame, area: Rect) {
    use super::field::Editor;
    match (&field.editor, focused) {
        (Editor::Text { area: text, .. }, true) => {
            let typed = text.lines().join("\n");
            if let std::borrow::Cow::Owned(shown) = escape_multiline(&typed) {
                // Pasted control, bidi or zero-width characters are kept, but shown escaped rather
                // than sent to the terminal or hidden.
                frame.render_widget(Paragraph::new(shown).style(theme.focused()), area);
            } else {
                frame.render_widget(text, area);
            }
        }
        (Editor::Pick { .. } | Editor::YesNo(_), true) => {
            let shown = format!("◀ {} ▶", field.shown());
            frame.render_widget(Paragraph::new(shown).style(theme.focused()), area);
        }
        (_, false) => {
            let raw = field.shown();
            let first = raw.lines().next().unwrap_or("");
            let more = if raw.lines().count() > 1 { " …" } else { "" };
            let text = format!("{}{more}", escape_inline(first));
            // An unchosen pick-list or yes/no shows its hint dimmed.
            let hint = !matches!(field.editor, Editor::Text { .. }) && field.raw().is_empty();
            let style = if hint { theme.dim() } else { ratatui::style::Style::default() };
            frame.render_widget(Paragraph::new(truncate(&text, area.width as usize).into_owned()).style(style), area);
        }
    }
}

fn draw_lookup(
    form: &EntryForm,
    theme: &Theme,
    frame: &mut Frame,
    inner: Rect,
    heights: &[u16],
    first: usize,
    focus: usize,
) {
    let y = inner.y + heights[first..=focus].iter().sum::<u16>();
    let rows =
        form.patient.results.len().clamp(1, super::form::LOOKUP_ROWS) as u16 + u16::from(form.patient.more.is_some());
    let height = (rows + 3).min((inner.y + inner.height).saturating_sub(y));
    if height < 3 {
        return;
    }
    let area = Rect { x: inner.x + LABEL_WIDTH, y, width: inner.width.saturating_sub(LABEL_WIDTH), height };
    frame.render_widget(Clear, area);
    let mut lines: Vec<Line> = form
        .patient
        .results
        .iter()
        .take(super::form::LOOKUP_ROWS)
        .enumerate()
        .map(|(i, p)| {
            let text = lists::person(&escape_inline(&p.describe()), area.width.saturating_sub(2) as usize);
            if i == form.patient.selected { Line::styled(text, theme.focused()) } else { Line::raw(text) }
        })
        .collect();
    if lines.is_empty() {
        let typed = form.patient.query_text();
        lines.push(Line::raw(format!("No one found for {}.", quoted(typed.trim()))));
    }
    if let Some(more) = &form.patient.more {
        lines.push(Line::styled(more.clone(), theme.dim()));
    }
    lines.push(Line::styled("Not here? Ctrl-N adds a new patient", theme.dim()));
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Patients found ")),
        area,
    );
}

fn draw_setup(form: &SetupForm, title: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(format!(" {title} "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Words that count nothing, so that they stay true whatever fields the form has.
    let intro = if form.first_run {
        vec![
            Line::raw("Welcome. Fill in the lines below and you can start logging."),
            Line::raw("Give each PC its own start for references, such as R1 or R2. Esc leaves."),
        ]
    } else {
        vec![Line::raw("Add yourself so that everything you log carries your name.")]
    };
    let intro_height = intro.len() as u16;
    frame.render_widget(Paragraph::new(intro), Rect { height: intro_height.min(inner.height), ..inner });
    let mut y = inner.y + intro_height + 1;
    for (i, field) in form.fields.iter().enumerate() {
        let h = 1 + u16::from(field.error.is_some());
        if y + h > inner.y + inner.height {
            break;
        }
        let rect = Rect { x: inner.x, y, width: inner.width, height: h };
        let [label, value] = Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Fill(1)]).areas(rect);
        let focused = i == form.focus;
        frame.render_widget(
            Paragraph::new(label_span(field.spec.label, true, focused, theme)),
            Rect { height: 1, ..label },
        );
        draw_value(field, focused, theme, frame, Rect { height: 1, ..value });
        if let Some(error) = &field.error {
            let r = Rect { y: y + 1, height: 1, ..value };
            let shown = truncate(&format!("↳ {error}"), r.width as usize).into_owned();
            frame.render_widget(Paragraph::new(shown).style(theme.problem()), r);
        }
        y += h;
    }
}

fn draw_choose_user(app: &App, picker: &UserPicker, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" Who is working? ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let filter = picker.filter.lines().join(" ");
    let prompt = Line::from(vec![
        Span::styled("Type to find your name: ", theme.label()),
        Span::raw(format!("{}▏", escape_inline(&filter))),
    ]);
    frame.render_widget(Paragraph::new(prompt), Rect { height: 1, ..inner });
    let matching = picker.matching(&app.staff);
    let lines: Vec<Line> = if matching.is_empty() {
        vec![Line::styled("Nobody matches. Press Ctrl-N to add yourself.", theme.dim())]
    } else {
        matching
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let text =
                    format!(" {:<6} {} {}", s.id, crate::domain::text::fit(&escape_inline(&s.name), 30), s.role.name());
                if i == picker.selected { Line::styled(text, theme.focused()) } else { Line::raw(text) }
            })
            .collect()
    };
    let list_area = Rect { y: inner.y + 2, height: inner.height.saturating_sub(2), ..inner };
    frame.render_widget(Paragraph::new(lines), list_area);
}

fn draft_list(app: &App, selected: usize, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" Unsaved drafts, kept from last time ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [intro, list] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(inner);
    let explanation = "These forms were being typed when cutover last closed. Nothing in them is saved yet.";
    frame.render_widget(Paragraph::new(explanation).wrap(Wrap { trim: true }), intro);
    let mut lines = Vec::new();
    for (i, d) in app.drafts.iter().enumerate() {
        let kind = crate::domain::fields::Kind::parse(&d.kind).map(|k| k.label()).unwrap_or("Entry");
        let when = time::from_storage(&d.saved_at).map(time::format_uk).unwrap_or_default();
        let who = d.staff_id.as_deref().unwrap_or("?");
        let summary = serde_json::from_str::<super::form::DraftBody>(&d.body)
            .ok()
            .and_then(|b| b.values.get("summary").cloned())
            .unwrap_or_default();
        let text = format!(" {kind:<18} last typed {when} by {who}   {}", escape_inline(&summary));
        let text = truncate(&text, list.width as usize).into_owned();
        lines.push(if i == selected { Line::styled(text, theme.focused()) } else { Line::raw(text) });
    }
    frame.render_widget(Paragraph::new(lines), list);
}

fn draw_entries(list: &EntriesList, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut filters = vec![list.filter.kind.map_or("all kinds".to_string(), |k| k.label().to_string())];
    if list.filter.today {
        filters.push("today".into());
    }
    if list.filter.mine {
        filters.push("mine".into());
    }
    if !list.filter.text.is_empty() {
        filters.push(quoted(&list.filter.text));
    }
    let title = format!(
        " {} ",
        truncate(&format!("Entries, newest first: {}", filters.join(" · ")), area.width.saturating_sub(6) as usize)
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [search, table_area] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    if let Some(s) = &list.searching {
        let line = format!("Search: {}▏  (Enter to search, Esc to stop)", escape_inline(&s.lines().join(" ")));
        frame.render_widget(Paragraph::new(line).style(theme.focused()), search);
    } else if list.rows.is_empty() && !list.loading {
        frame.render_widget(Paragraph::new("No entries match.").style(theme.dim()), search);
    }
    let visible = table_area.height.saturating_sub(1) as usize;
    let first = list.selected.saturating_sub(visible.saturating_sub(1));
    let narrow = table_area.width < 90;
    let widths = lists::widths(
        table_area.width,
        &[
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(lists::kind_width(narrow)),
            // The patient with their NHS number after the date of birth: room for the name and
            // date at 80 columns.
            Constraint::Fill(2),
            Constraint::Fill(1),
            Constraint::Length(3),
        ],
    );
    let header = ["Ref", "When", "Kind", "Patient", "Summary", "By"].map(String::from);
    let mut lines = vec![Line::styled(lists::cells(&header, &widths), theme.label())];
    for (i, r) in list.rows.iter().enumerate().skip(first).take(visible) {
        let patient = escape_inline(&r.patient.as_ref().map(|p| p.describe()).unwrap_or_default()).into_owned();
        let void = if r.header.voided { "[VOID] " } else { "" };
        let values = [
            r.header.reference.clone(),
            time::format_uk_as(r.content.occurred_at, "%d/%m %H:%M"),
            lists::kind_label(r.header.kind, narrow).to_string(),
            lists::person(&patient, widths[3]),
            format!("{void}{}", escape_inline(&r.content.summary)),
            r.header.recorded_by.clone(),
        ];
        let text = lists::cells(&values, &widths);
        lines.push(if i == list.selected { Line::styled(text, theme.focused()) } else { Line::raw(text) });
    }
    frame.render_widget(Paragraph::new(lines), table_area);
}

/// The entry as someone keying it into the new system wants it: one field a line, in form order.
/// `traced`: the NHS number the new system traced when the patient's registration was keyed, for
/// a patient whose record has none (it is what the new system knows them by).
pub fn rekey_text(detail: &EntryDetail, traced: Option<&str>) -> String {
    let row = &detail.row;
    let mut lines = vec![format!("{} {}", row.header.kind.label(), row.header.reference)];
    if let Some(p) = &detail.patient {
        match traced.filter(|_| p.nhs_number.is_none()) {
            Some(traced) => {
                let shown =
                    crate::domain::nhs::NhsNumber::parse(traced).map(|n| n.to_string()).unwrap_or(traced.into());
                lines.push(format!("Patient: {} {shown} (traced at registration)", p.name_and_birth()));
            }
            None => lines.push(format!("Patient: {}", p.describe())),
        }
    }
    for (spec, value) in row.content.filled_fields() {
        lines.push(format!("{}: {}", spec.label, display_value(spec, &value)));
    }
    if !row.content.flags.is_empty() {
        let flags: Vec<&str> = row.content.flags.iter().map(|f| f.label()).collect();
        lines.push(format!("Flags: {}", flags.join(", ")));
    }
    escape_multiline(&lines.join("\n")).into_owned()
}

/// How many lines an entry shown whole takes (before wrapping): as far as it can be scrolled.
pub(super) fn detail_line_count(detail: &EntryDetail) -> usize {
    detail_lines(detail, &Theme::plain()).len()
}

fn draw_detail(detail: &EntryDetail, theme: &Theme, frame: &mut Frame, area: Rect) {
    let row = &detail.row;
    let text = Paragraph::new(Text::from(detail_lines(detail, theme))).wrap(Wrap { trim: false });
    let inner_width = area.width.saturating_sub(2);
    let room = area.height.saturating_sub(2) as usize;
    let most = text.line_count(inner_width).saturating_sub(room) as u16;
    let scroll = detail.scroll.min(most);
    let mut title = vec![Span::raw(format!(" {} {} ", row.header.kind.label(), row.header.reference))];
    if most > 0 {
        let more = match (scroll > 0, scroll < most) {
            (_, true) => "▼ more below: ↓ scrolls ",
            (true, false) => "▲ more above: ↑ scrolls ",
            (false, false) => "",
        };
        title.push(Span::styled(more, theme.warning()));
    }
    let block = Block::default().borders(Borders::ALL).title(Line::from(title));
    frame.render_widget(text.scroll((scroll, 0)).block(block), area);
}

/// An entry shown whole: every field, its flags, and its history.
fn detail_lines(detail: &EntryDetail, theme: &Theme) -> Vec<Line<'static>> {
    let row = &detail.row;
    let mut lines: Vec<Line> = Vec::new();
    if row.header.voided {
        let reason = detail.revisions.last().and_then(|r| r.reason.clone()).unwrap_or_default();
        lines.push(Line::styled(format!("VOIDED (logged in error): {}", escape_inline(&reason)), theme.warning()));
    }
    for notice in &detail.notices {
        lines.push(Line::styled(escape_inline(notice).into_owned(), theme.warning()));
    }
    let pair = |label: &str, value: &str| {
        Line::from(vec![
            Span::styled(pad(label, 28).into_owned(), theme.label()),
            Span::raw(escape_inline(value).into_owned()),
        ])
    };
    let patient = detail.patient.as_ref().map(|p| p.describe()).unwrap_or_else(|| "(none)".into());
    lines.push(pair("Patient", &patient));
    for (spec, value) in row.content.filled_fields() {
        let shown = display_value(spec, &value);
        if shown.contains('\n') {
            lines.push(Line::styled(spec.label.to_string(), theme.label()));
            for l in escape_multiline(&shown).lines() {
                lines.push(Line::raw(format!("    {l}")));
            }
        } else {
            lines.push(pair(spec.label, &shown));
        }
    }
    if !row.content.flags.is_empty() {
        let flags: Vec<&str> = row.content.flags.iter().map(|f| f.label()).collect();
        lines.push(pair("Flags", &flags.join(", ")));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("History", theme.label()));
    for (i, r) in detail.revisions.iter().enumerate() {
        let action = match (&r.parent_id, r.voided) {
            (None, _) => "logged",
            (Some(_), true) => "voided",
            (Some(_), false) => "amended",
        };
        let reason = r.reason.as_deref().map(|x| format!(" — {}", escape_inline(x))).unwrap_or_default();
        lines.push(Line::raw(format!(
            "  {}. {}  {action} by {} on {}{reason}",
            i + 1,
            time::format_uk(r.recorded_at),
            r.recorded_by,
            r.workstation_prefix
        )));
    }
    lines
}

fn draw_help(app: &App, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = Vec::new();
    if matches!(app.screen, Screen::Home) {
        lines.push(Line::styled("A new entry: press its letter", theme.label()));
        for pair in KIND_KEYS.chunks(2) {
            let mut spans = Vec::new();
            for (c, kind) in pair {
                spans.push(Span::styled(format!("{c}  "), theme.label()));
                spans.push(Span::raw(format!("{:<22}", kind.label())));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::raw(""));
    }
    for b in app.bindings().iter().chain(keys::EVERYWHERE) {
        lines.push(Line::from(vec![Span::styled(format!("{:<14}", b.label()), theme.label()), Span::raw(b.does)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Any other key closes this help.", theme.dim()));
    // Taller than the window: it scrolls, and says so.
    let room = area.height.saturating_sub(2) as usize;
    let title = if lines.len() > room {
        let most = (lines.len() - room) as u16;
        let scroll = scroll.min(most);
        lines.drain(..scroll as usize);
        match (scroll > 0, scroll < most) {
            (_, true) => "Keys on this screen (▼ more: ↓ scrolls)",
            (true, false) => "Keys on this screen (▲ ↑ scrolls back)",
            (false, false) => "Keys on this screen",
        }
    } else {
        "Keys on this screen"
    };
    popup(frame, area, title, lines);
}

/// A box in the middle of `area`, sized to its text.
pub(super) fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    boxed(frame, area, title, lines, false)
}

/// A box at the foot of `area`, sized to its text: what is above it stays in view.
pub(super) fn popup_at_bottom(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    boxed(frame, area, title, lines, true)
}

fn boxed(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, at_bottom: bool) {
    let title = truncate(title, area.width.saturating_sub(8) as usize).into_owned();
    let widest = lines.iter().map(|l| l.width() as u16).max().unwrap_or(20).max(width(&title) as u16 + 4);
    let width = (widest + 4).min(area.width.saturating_sub(4)).max(10);
    let inner_width = (width - 2).max(1) as usize;
    let paragraph = Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
    let wrapped = paragraph.line_count(inner_width as u16).max(lines.len());
    let height = (wrapped as u16 + 2).min(area.height);
    let y = if at_bottom { area.y + area.height - height } else { area.y + (area.height - height) / 2 };
    let rect = Rect { x: area.x + (area.width - width) / 2, y, width, height };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(format!(" {title} "))),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::text::Line;
    use ratatui::widgets::{Row, Table, Widget};

    use super::last_guard;

    fn symbols(buffer: &Buffer) -> String {
        buffer.content().iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn the_last_guard_takes_out_what_ratatui_would_send_raw() {
        let hostile = "a\u{202e}b\u{200b}c J\u{200d}S \u{1F468}\u{200D}\u{1F469} \u{2066}d";
        let area = Rect::new(0, 0, 30, 2);
        let mut buffer = Buffer::empty(area);
        Line::raw(hostile).render(Rect::new(0, 0, 30, 1), &mut buffer);
        Table::new([Row::new([hostile])], [ratatui::layout::Constraint::Length(30)])
            .render(Rect::new(0, 1, 30, 1), &mut buffer);
        let drawn = symbols(&buffer);
        assert!(drawn.contains('\u{202e}') && drawn.contains('\u{200b}'), "ratatui draws them raw: {drawn:?}");
        last_guard(&mut buffer);
        let guarded = symbols(&buffer);
        for c in ['\u{202e}', '\u{200b}', '\u{2066}'] {
            assert!(!guarded.contains(c), "{c:?} in {guarded:?}");
        }
        assert!(!guarded.contains("J\u{200d}"), "{guarded:?}");
        assert!(guarded.contains("\u{1F468}\u{200D}\u{1F469}"), "the emoji keeps its joiner: {guarded:?}");
        assert!(guarded.starts_with("abc J"), "{guarded:?}");
    }

    #[test]
    fn a_cell_holding_only_a_control_character_shows_the_replacement_character() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 3, 1));
        buffer[(1, 0)].set_symbol("\u{1b}");
        last_guard(&mut buffer);
        assert_eq!(symbols(&buffer), " \u{FFFD} ");
    }
}
