//! Styles that read on dark and light terminals alike, and without colour at all (`NO_COLOR`).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub colour: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything (https://no-color.org).
    pub fn from_env() -> Theme {
        Theme { colour: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) }
    }

    pub fn plain() -> Theme {
        Theme { colour: false }
    }

    /// Only bold, reverse and the terminal's own colours: nothing that vanishes on a white background.
    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn focused(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn label(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.colour { Style::default().add_modifier(Modifier::DIM) } else { Style::default() }
    }

    pub fn problem(&self) -> Style {
        let base = Style::default().add_modifier(Modifier::BOLD);
        if self.colour { base.fg(Color::Red) } else { base }
    }

    /// The database is damaged: reversed, so it shows as a bar whatever the terminal's colours.
    pub fn alarm(&self) -> Style {
        let base = Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        if self.colour { base.fg(Color::Red) } else { base }
    }

    pub fn success(&self) -> Style {
        let base = Style::default().add_modifier(Modifier::BOLD);
        if self.colour { base.fg(Color::Green) } else { base }
    }

    /// Yellow is unreadable on white, so a warning is bold and underlined instead.
    pub fn warning(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
}
