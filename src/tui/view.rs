//! Drawing the state: no side effects, so every screen can be tested on a `TestBackend`.
//! Every piece of stored text passes through `escape_inline`/`escape_multiline` before it is drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row as TableRow, Table, Wrap};

use super::app::{App, EntriesList, EntryDetail, Overlay, Screen, Tone, UserPicker};
use super::field::FormField;
use super::form::{EntryForm, Row};
use super::keys::{self, KIND_KEYS};
use super::setup::SetupForm;
use super::theme::Theme;
use crate::domain::fields::{Flag, display_value};
use crate::domain::text::{escape_inline, escape_multiline, pad, truncate, width};
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
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "This window is too small for cutover.\nMake it at least {MIN_WIDTH} × {MIN_HEIGHT} (it is {} × {}).\nNothing is lost: your work is still here.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let status_text = status_paragraph(app, theme);
    let status_lines = status_text.as_ref().map_or(1, |p| p.line_count(area.width).clamp(1, STATUS_LINES.into()));
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(status_lines as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, theme, frame, header);
    match &app.screen {
        Screen::Setup(form) => draw_setup(form, "Set up cutover on this computer", theme, frame, body),
        Screen::AddStaff(form) => draw_setup(form, "Add yourself to the staff list", theme, frame, body),
        Screen::ChooseUser(picker) => draw_choose_user(app, picker, theme, frame, body),
        Screen::Drafts { selected } => draft_list(app, *selected, theme, frame, body),
        Screen::Home => draw_home(app, theme, frame, body),
        Screen::Form(form) => draw_form(form, live_notice(app, form, theme), theme, frame, body),
        Screen::Entries(list) => draw_entries(list, theme, frame, body),
        Screen::Detail(detail) => draw_detail(detail, theme, frame, body),
        Screen::Queue(queue) => draw_queue(queue, theme, frame, body),
    }
    if let Some(text) = status_text {
        frame.render_widget(text, status);
    }
    draw_footer(app, theme, frame, footer);
    match &app.overlay {
        Some(Overlay::Help) => draw_help(app, theme, frame, body),
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
            let mut lines: Vec<Line> = warnings.iter().map(|w| Line::raw(capitalised(&w.to_string()))).collect();
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
    let clock = time::format_uk(app.now);
    // By display width, so that a name in CJK or with emoji still leaves the clock at the right edge.
    let room = (area.width as usize).saturating_sub(width(&clock) + 2);
    let parts = parts.join(" · ");
    let left = truncate(&parts, room);
    let text = format!("{}{clock} ", pad(&left, (area.width as usize).saturating_sub(width(&clock) + 1)));
    frame.render_widget(Paragraph::new(text).style(theme.header()), area);
}

/// The status line, wrapped at words: the layout gives it as many lines as it needs.
fn status_paragraph(app: &App, theme: &Theme) -> Option<Paragraph<'static>> {
    let status = app.status.as_ref()?;
    let style = match status.tone {
        Tone::Info => theme.label(),
        Tone::Success => theme.success(),
        Tone::Problem => theme.problem(),
    };
    Some(Paragraph::new(escape_inline(&status.text).into_owned()).style(style).wrap(Wrap { trim: true }))
}

fn draw_footer(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for b in app.bindings().iter().chain(keys::EVERYWHERE) {
        let piece = format!("{} {}  ", b.label(), b.does);
        used += width(&piece);
        if used > area.width as usize {
            break;
        }
        spans.push(Span::styled(b.label(), theme.label()));
        spans.push(Span::raw(format!(" {}  ", b.does)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_home(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
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

    let rows: Vec<TableRow> = app
        .home
        .recent
        .iter()
        .map(|r| {
            TableRow::new(vec![
                r.reference.clone(),
                time::format_uk_as(r.recorded_at, "%d/%m %H:%M"),
                r.kind.label().to_string(),
                escape_inline(r.patient.as_deref().unwrap_or("")).into_owned(),
                escape_inline(&r.summary).into_owned(),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(15),
            Constraint::Length(22),
            Constraint::Fill(1),
        ],
    )
    .header(TableRow::new(vec!["Ref", "Saved", "Kind", "Patient", "Summary"]).style(theme.label()))
    .block(Block::default().borders(Borders::ALL).title(" Last saved on this computer "));
    frame.render_widget(table, bottom);
    if empty {
        let inner = Rect { x: bottom.x + 2, y: bottom.y + 2, width: bottom.width.saturating_sub(4), height: 1 };
        frame.render_widget(Paragraph::new("Nothing saved here yet.").style(theme.dim()), inner);
    }
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
            if text.lines().iter().any(|l| l.chars().any(char::is_control)) {
                // Pasted control characters are kept, but shown escaped rather than sent to the terminal.
                let shown = escape_multiline(&text.lines().join("\n")).into_owned();
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
            let text = escape_inline(&p.describe()).into_owned();
            if i == form.patient.selected { Line::styled(text, theme.focused()) } else { Line::raw(text) }
        })
        .collect();
    if lines.is_empty() {
        let typed = form.patient.query_text();
        lines.push(Line::raw(format!("No one found for \"{}\".", escape_inline(typed.trim()))));
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
            frame.render_widget(
                Paragraph::new(format!("↳ {error}")).style(theme.problem()),
                Rect { y: y + 1, height: 1, ..value },
            );
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
                let text = format!(" {:<6} {} {}", s.id, pad(&escape_inline(&s.name), 30), s.role.name());
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
        filters.push(format!("\"{}\"", escape_inline(&list.filter.text)));
    }
    let title = format!(" Entries, newest first: {} ", filters.join(" · "));
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
    let rows: Vec<TableRow> = list
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, r)| {
            let patient = r.patient.as_ref().map(|p| p.describe()).unwrap_or_default();
            let void = if r.header.voided { "[VOID] " } else { "" };
            let row = TableRow::new(vec![
                r.header.reference.clone(),
                time::format_uk_as(r.content.occurred_at, "%d/%m %H:%M"),
                r.header.kind.label().to_string(),
                escape_inline(&patient).into_owned(),
                format!("{void}{}", escape_inline(&r.content.summary)),
                r.header.recorded_by.clone(),
            ]);
            if i == list.selected { row.style(theme.focused()) } else { row }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(13),
            Constraint::Length(24),
            Constraint::Fill(1),
            Constraint::Length(3),
        ],
    )
    .header(TableRow::new(vec!["Ref", "When", "Kind", "Patient", "Summary", "By"]).style(theme.label()));
    frame.render_widget(table, table_area);
}

/// The entry as someone keying it into the new system wants it: one field a line, in form order.
pub fn rekey_text(detail: &EntryDetail) -> String {
    let row = &detail.row;
    let mut lines = vec![format!("{} {}", row.header.kind.label(), row.header.reference)];
    if let Some(p) = &detail.patient {
        lines.push(format!("Patient: {}", p.describe()));
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

/// The patient's name, or their NHS number when no name was given.
fn queue_patient(item: &crate::queue::ReentryItem) -> String {
    let named = !item.patient.is_empty() && !item.patient.starts_with("(name not given)");
    match (&item.nhs_number, named) {
        (Some(nhs), false) => crate::domain::nhs::NhsNumber::parse(nhs).map(|n| n.to_string()).unwrap_or(nhs.clone()),
        _ => item.patient.clone(),
    }
}

fn draw_queue(queue: &super::app::QueueScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut filters = vec![queue.kind.map_or("all kinds".to_string(), |k| k.label().to_string())];
    if let Some(tier) = queue.tier {
        filters.push(format!("tier {}", tier.number()));
    }
    if queue.mine {
        filters.push("mine".into());
    }
    let title = format!(" Re-entry queue: {} of {} open · {} ", queue.items.len(), queue.matched, filters.join(" · "));
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [progress, list, detail] =
        Layout::vertical([Constraint::Length(1), Constraint::Percentage(45), Constraint::Fill(1)]).areas(inner);

    if let Some(p) = &queue.progress {
        let mut spans = Vec::new();
        for (i, t) in p.by_tier.iter().enumerate() {
            spans.push(Span::styled(format!("Tier {}: ", i + 1), theme.label()));
            spans.push(Span::raw(format!("{}/{} done  ", t.finished, t.total)));
        }
        let overdue: usize = p.by_tier.iter().map(|t| t.overdue).sum();
        spans.push(Span::styled(format!("{overdue} overdue"), if overdue > 0 { theme.warning() } else { theme.dim() }));
        frame.render_widget(Paragraph::new(Line::from(spans)), progress);
    }

    let visible = list.height.saturating_sub(1) as usize;
    let first = queue.selected.saturating_sub(visible.saturating_sub(1));
    let rows: Vec<TableRow> = queue
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, item)| {
            let status = match (&item.blocker, &item.assignee) {
                (Some(_), _) => "blocked".to_string(),
                (None, Some(who)) => format!("{} {who}", item.status.name()),
                (None, None) => item.status.name().to_string(),
            };
            let due = time::format_uk_as(item.due, "%d/%m %H:%M");
            let due = if item.overdue { format!("{due}!") } else { due };
            let row = TableRow::new(vec![
                item.rank.to_string(),
                item.tier.number().to_string(),
                due,
                item.kind.label().to_string(),
                escape_inline(&queue_patient(item)).into_owned(),
                escape_inline(&item.summary).into_owned(),
                status,
            ]);
            if i == queue.selected { row.style(theme.focused()) } else { row }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Length(1),
            Constraint::Length(12),
            Constraint::Length(13),
            Constraint::Length(22),
            Constraint::Fill(1),
            Constraint::Length(10),
        ],
    )
    .header(TableRow::new(vec!["#", "T", "Due", "Kind", "Patient", "Summary", "Status"]).style(theme.label()));
    frame.render_widget(table, list);
    if queue.items.is_empty() {
        frame.render_widget(
            Paragraph::new("Nothing left to key in for this view.").style(theme.dim()),
            Rect { y: list.y + 1, height: 1, ..list },
        );
    }

    let mut lines: Vec<Line> = Vec::new();
    if let Some(prompt) = &queue.prompt {
        lines.push(Line::styled(prompt.question, theme.label()));
        lines.push(Line::styled(format!("> {}▏", escape_inline(&prompt.answer.lines().join(" "))), theme.focused()));
        lines.push(Line::raw(""));
    }
    if let Some(item) = queue.items.get(queue.selected) {
        let why = item.reasons.iter().map(|r| escape_inline(r).into_owned()).collect::<Vec<_>>().join("; ");
        lines.push(Line::from(vec![Span::styled("Why here: ", theme.label()), Span::raw(why)]));
        if let Some(blocker) = &item.blocker {
            lines.push(Line::styled(capitalised(&blocker.describe()), theme.warning()));
        }
    }
    if let Some(detail) = &queue.detail {
        for l in rekey_text(detail).lines() {
            lines.push(Line::raw(l.to_string()));
        }
    }
    let block = Block::default().borders(Borders::TOP).title(" To key in ");
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), detail);
}

fn draw_detail(detail: &EntryDetail, theme: &Theme, frame: &mut Frame, area: Rect) {
    let row = &detail.row;
    let title = format!(" {} {} ", row.header.kind.label(), row.header.reference);
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    if row.header.voided {
        let reason = detail.revisions.last().and_then(|r| r.reason.clone()).unwrap_or_default();
        lines.push(Line::styled(format!("VOIDED (logged in error): {}", escape_inline(&reason)), theme.warning()));
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
    frame.render_widget(Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false }), inner);
}

fn draw_help(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
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
        lines.push(Line::from(vec![Span::styled(format!("{:<12}", b.label()), theme.label()), Span::raw(b.does)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Any key closes this help.", theme.dim()));
    popup(frame, area, "Keys on this screen", lines);
}

/// A box in the middle of `area`, sized to its text.
fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    let widest = lines.iter().map(|l| l.width() as u16).max().unwrap_or(20).max(width(title) as u16 + 4);
    let width = (widest + 4).min(area.width.saturating_sub(4)).max(10);
    let inner_width = (width - 2).max(1) as usize;
    let wrapped: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_width)).sum();
    let height = (wrapped as u16 + 2).min(area.height);
    let rect = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(format!(" {title} "))),
        rect,
    );
}
