//! Drawing the re-entry queue screen: the page of items, the selected item's details (scrolled),
//! and the questions of a change being made.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::lists::{self, kind_width};
use super::queue_screen::{Change, QueuePrompt, QueueScreen};
use super::theme::Theme;
use crate::domain::text::{escape_inline, quoted, truncate, width};
use crate::domain::time;
use crate::queue::{ItemStatus, ReentryItem};

/// Where an item stands, in a few words for its row: "claimed KL", "set aside".
pub fn status_cell(item: &ReentryItem) -> String {
    let words = match item.status {
        ItemStatus::Open => "open",
        ItemStatus::Claimed => "claimed",
        ItemStatus::Blocked => "blocked",
        ItemStatus::Query => "query",
        ItemStatus::Done => "done",
        ItemStatus::NotRequired => "set aside",
        ItemStatus::Voided => "voided",
    };
    let answered = item.query.as_ref().is_some_and(|q| q.answer.is_some());
    let asked_for = item.query.as_ref().and_then(|q| q.asked_for.as_deref());
    match (&item.assignee, item.status) {
        (Some(who), status) if status != ItemStatus::Blocked => format!("{words} {who}"),
        (_, ItemStatus::Query) => asked_for.map_or(words.to_string(), |who| format!("query for {who}")),
        (_, ItemStatus::Open) if answered => "answered".to_string(),
        _ => words.to_string(),
    }
}

/// The patient's name and date of birth, or their NHS number when no name was given.
fn patient_cell(item: &ReentryItem) -> String {
    let named = !item.patient.is_empty() && !item.patient.starts_with("(name not given)");
    match (&item.nhs_number, named) {
        (Some(nhs), false) => crate::domain::nhs::NhsNumber::parse(nhs).map(|n| n.to_string()).unwrap_or(nhs.clone()),
        _ => item.patient.clone(),
    }
}

/// The screen's title, cut with an ellipsis if the window is narrow.
fn title(queue: &QueueScreen, room: usize) -> String {
    let f = &queue.filter;
    let shown = if queue.items.is_empty() {
        format!("0 of {}", queue.matched)
    } else {
        format!("{}–{} of {}", queue.offset + 1, queue.offset + queue.items.len(), queue.matched)
    };
    let mut parts = vec![format!("Re-entry queue: {}, {shown}", f.view.label())];
    parts.push(f.kind.map_or("all kinds".to_string(), |k| k.label().to_string()));
    if let Some(tier) = f.tier {
        parts.push(format!("tier {}", tier.number()));
    }
    if f.mine {
        parts.push("mine".into());
    }
    if !f.search.is_empty() {
        parts.push(quoted(&f.search));
    }
    format!(" {} ", truncate(&parts.join(" · "), room.saturating_sub(2)))
}

pub fn draw_queue(queue: &QueueScreen, reference_optional: bool, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(title(queue, area.width.saturating_sub(4) as usize));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [top, list, detail] =
        Layout::vertical([Constraint::Length(1), Constraint::Percentage(45), Constraint::Fill(1)]).areas(inner);
    draw_top_line(queue, theme, frame, top);
    draw_items(queue, theme, frame, list);
    draw_item_details(queue, theme, frame, detail);
    if let Some(prompt) = &queue.prompt {
        draw_prompt(prompt, reference_optional, theme, frame, inner);
    }
}

/// Progress by tier, or the search being typed.
fn draw_top_line(queue: &QueueScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(search) = &queue.searching {
        let typed = escape_inline(&search.lines().join(" ")).into_owned();
        let hint = "  Enter: search  Esc: leave it";
        let room = (area.width as usize).saturating_sub(width(hint) + 9);
        let line = Line::from(vec![
            Span::styled("Search: ", theme.label()),
            Span::styled(format!("{}▏", truncate_start(&typed, room)), theme.focused()),
            Span::styled(hint, theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let Some(p) = &queue.progress else { return };
    let overdue: usize = p.by_tier.iter().map(|t| t.overdue).sum();
    let wide: String = p
        .by_tier
        .iter()
        .enumerate()
        .map(|(i, t)| format!("Tier {}: {}/{} done  ", i + 1, t.finished, t.total))
        .collect();
    let narrow: String =
        p.by_tier.iter().enumerate().map(|(i, t)| format!("{}: {}/{}  ", i + 1, t.finished, t.total)).collect();
    let overdue_text = format!("{overdue} overdue");
    let mut spans = Vec::new();
    if width(&wide) + width(&overdue_text) <= area.width as usize {
        spans.push(Span::raw(wide));
    } else {
        spans.push(Span::styled("Done by tier ", theme.label()));
        spans.push(Span::raw(narrow));
    }
    spans.push(Span::styled(overdue_text, if overdue > 0 { theme.warning() } else { theme.dim() }));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The end of `text` in `columns`, with `…` before it when the start is cut: the cursor's end of
/// a search stays in view.
fn truncate_start(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut start = chars.len();
    let mut used = 1;
    while start > 0 && used + width(&chars[start - 1].to_string()) <= columns {
        start -= 1;
        used += width(&chars[start].to_string());
    }
    format!("…{}", chars[start..].iter().collect::<String>())
}

fn draw_items(queue: &QueueScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let last_rank = queue.offset + queue.items.len().max(1);
    let rank_width = last_rank.to_string().len().max(1) as u16;
    let due_width = 12;
    let narrow = area.width < 90;
    let constraints = [
        Constraint::Length(rank_width),
        Constraint::Length(1),
        Constraint::Length(due_width),
        Constraint::Length(kind_width(narrow)),
        // Narrow, the patient (whose date of birth is never cut) has more of the room.
        Constraint::Fill(if narrow { 3 } else { 1 }),
        Constraint::Fill(if narrow { 2 } else { 1 }),
        Constraint::Length(12),
    ];
    let widths = lists::widths(area.width, &constraints);
    let header = ["#", "T", "Due", "Kind", "Patient", "Summary", "Status"].map(String::from);
    let mut lines = vec![Line::styled(lists::cells(&header, &widths), theme.label())];
    let visible = area.height.saturating_sub(1) as usize;
    let first = queue.selected.saturating_sub(visible.saturating_sub(1));
    for (i, item) in queue.items.iter().enumerate().skip(first).take(visible) {
        let due = time::format_uk_as(item.due, "%d/%m %H:%M");
        let due = if item.overdue { format!("{due}!") } else { due };
        let mut values = vec![
            item.rank.to_string(),
            item.tier.number().to_string(),
            due,
            lists::kind_label(item.kind, narrow).to_string(),
            String::new(),
            escape_inline(&item.summary).into_owned(),
            status_cell(item),
        ];
        values[4] = lists::person(&escape_inline(&patient_cell(item)), widths[4]);
        let text = lists::cells(&values, &widths);
        lines.push(if i == queue.selected { Line::styled(text, theme.focused()) } else { Line::raw(text) });
    }
    if queue.items.is_empty() {
        let empty = if queue.filter.search.is_empty() && queue.filter.view == Default::default() {
            "Nothing left to key in for this view."
        } else {
            "Nothing matches. Esc clears the search; s shows other items (done, set aside…)."
        };
        lines.push(Line::styled(empty, theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The lines of the selected item's details: why it is here, where it stands, then the entry as
/// it is to be keyed.
fn detail_lines(queue: &QueueScreen, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    let Some(item) = queue.selected_item() else { return lines };
    let why = item.reasons.iter().map(|r| escape_inline(r).into_owned()).collect::<Vec<_>>().join("; ");
    lines.push(Line::from(vec![Span::styled("Why here: ", theme.label()), Span::raw(why)]));
    if let Some(blocker) = &item.blocker {
        lines.push(Line::styled(super::queue_words::capitalised(&blocker.describe()), theme.warning()));
    }
    let standing = match (item.status, &item.assignee) {
        (ItemStatus::Claimed, Some(who)) => {
            let until = item.claimed_until.map(|u| format!(" until {}", time::format_uk(u))).unwrap_or_default();
            Some(format!("Claimed by {who}{until}."))
        }
        (ItemStatus::Done, who) => {
            let by = who.as_deref().map(|w| format!(" by {w}")).unwrap_or_default();
            let reference = item
                .new_system_ref
                .as_deref()
                .map(|r| format!(", its reference {}", escape_inline(r)))
                .unwrap_or_default();
            Some(format!("Done{by}{reference}. r reopens it."))
        }
        (ItemStatus::NotRequired, who) => {
            let by = who.as_deref().map(|w| format!(" by {w}")).unwrap_or_default();
            Some(format!("Set aside as not required{by}. r reopens it."))
        }
        _ => None,
    };
    if let Some(standing) = standing {
        lines.push(Line::styled(standing, theme.label()));
    }
    // Only once the item's own details are read: they are of this item.
    if let Some(detail) = queue.detail.as_ref().filter(|d| d.row.header.id == item.entry_id) {
        for notice in &detail.notices {
            lines.push(Line::styled(escape_inline(notice).into_owned(), theme.warning()));
        }
    }
    if let Some(thread) = &item.query {
        for line in crate::queue::conversation(thread) {
            lines.push(Line::styled(escape_inline(&line).into_owned(), theme.warning()));
        }
        if item.status == ItemStatus::Query {
            lines.push(Line::styled("a answers it (clinicians).", theme.dim()));
        }
    }
    if let Some(detail) = &queue.detail {
        for l in super::view::rekey_text(detail, item.nhs_number.as_deref()).lines() {
            lines.push(Line::raw(l.to_string()));
        }
    }
    lines
}

/// How many lines the selected item's details take (before wrapping): as far as they scroll.
pub(super) fn detail_line_count(queue: &QueueScreen) -> usize {
    detail_lines(queue, &Theme::plain()).len()
}

fn draw_item_details(queue: &QueueScreen, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = detail_lines(queue, theme);
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let height = area.height.saturating_sub(1) as usize;
    let total = text.line_count(area.width);
    let most = total.saturating_sub(height) as u16;
    let scroll = queue.scroll.min(most);
    let mut title = vec![Span::raw(" To key in ")];
    if most > 0 {
        let at = match (scroll > 0, scroll < most) {
            (true, true) => "▲▼ more above and below: [ ] scroll ",
            (true, false) => "▲ more above: [ scrolls up ",
            _ => "▼ more below: ] scrolls down ",
        };
        title.push(Span::styled(at, theme.warning()));
    }
    let block = Block::default().borders(Borders::TOP).title(Line::from(title));
    frame.render_widget(text.scroll((scroll, 0)).block(block), area);
}

/// The change's questions in a box over the screen: the answers given so far, the question being
/// answered, and at the end what will be done, for a yes.
fn draw_prompt(prompt: &QueuePrompt, reference_optional: bool, theme: &Theme, frame: &mut Frame, area: Rect) {
    let what = match prompt.change {
        Change::Done => "Done",
        Change::Query => "Query for a clinician",
        Change::Answer => "Answer",
        Change::NotRequired => "Not required",
        Change::Waive => "NHS number waiver",
        Change::TakeOver => "Take over",
    };
    let mut lines: Vec<Line> = Vec::new();
    for (i, answer) in prompt.answers.iter().enumerate() {
        let typed = escape_inline(&answer.text.lines().join(" ")).into_owned();
        let question = answer.ask.question(reference_optional);
        if i == prompt.at && !prompt.confirming {
            lines.push(Line::styled(question, theme.label()));
            lines.push(Line::styled(format!("> {typed}▏"), theme.focused()));
        } else if i < prompt.at || prompt.confirming {
            let shown = if typed.is_empty() { "(none)".to_string() } else { typed };
            lines
                .push(Line::from(vec![Span::styled(format!("{} ", answer.ask.name()), theme.dim()), Span::raw(shown)]));
        }
    }
    lines.push(Line::raw(""));
    if prompt.sent {
        lines.push(Line::styled("Saving…", theme.dim()));
    } else if prompt.confirming {
        for l in prompt.confirmation() {
            lines.push(Line::styled(escape_inline(&l).into_owned(), theme.warning()));
        }
        let back = if prompt.answers.is_empty() { "leave it" } else { "go back and change it" };
        lines.push(Line::raw(format!("y  yes      any other key  {back}")));
    } else {
        let next = if prompt.at + 1 < prompt.answers.len() { "next question" } else { "go on" };
        let back = if prompt.at > 0 { "back a question" } else { "leave it (nothing is changed)" };
        lines.push(Line::raw(format!("Enter  {next}      Esc  {back}")));
    }
    super::view::popup_at_bottom(frame, area, &format!("{what}: {}", prompt.reference), lines);
}
