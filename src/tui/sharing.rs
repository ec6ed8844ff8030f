//! Sharing while the screens are open: a round (`crate::sync::round`) every 30 seconds and soon
//! after each save, on a thread of its own with its own connection to the database, so typing never
//! waits for the shared folder. What the last round found is kept for the home screen.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::DatabaseLocation;
use crate::store::{OpenMode, Store};

/// How often a round runs by itself.
pub const EVERY: Duration = Duration::from_secs(30);
/// A PC not heard from for this long is named on the home screen.
pub const QUIET_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// What the home screen says about sharing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingStatus {
    /// Rounds finished so far, to tell a new status from the last one.
    pub round: u64,
    /// When the log was last shared (a round completed).
    pub last_shared: Option<DateTime<Utc>>,
    /// PCs sharing through the folder, this one included.
    pub pcs: usize,
    /// Other PCs not heard from for a while: (prefix, name, last heard from).
    pub quiet: Vec<(String, String, Option<DateTime<Utc>>)>,
    /// Since when the folder could not be reached or written, while it cannot.
    pub unreachable_since: Option<DateTime<Utc>>,
    /// Why nothing is shared, in a sentence, when it is not the folder (a copied database, say).
    pub problem: Option<String>,
    /// Entries the last round took from other PCs.
    pub took: u64,
    /// Whether the last round took anything someone logged or changed (entries, amendments, queue
    /// work, staff), so that what the screens show of it is read again.
    pub news: bool,
}

struct Sharer {
    nudge: Mutex<Sender<Option<String>>>,
    latest: Mutex<SharingStatus>,
}

static SHARER: OnceLock<Sharer> = OnceLock::new();

/// Starts sharing in the background if this PC has a shared folder set. Once per process.
pub fn start(store: &Store) {
    let Ok(Some(folder)) = crate::sync::folder_setting(store) else { return };
    // Its own connection, keyed as the screens' is: an encrypted database opens with nothing else.
    let location = DatabaseLocation { passphrase: store.passphrase().cloned(), ..DatabaseLocation::at(store.path()) };
    let (tx, rx) = channel();
    if SHARER.set(Sharer { nudge: Mutex::new(tx), latest: Mutex::new(SharingStatus::default()) }).is_err() {
        return;
    }
    std::thread::spawn(move || share(location, folder, rx));
}

/// Asks for a round soon (after a save), as `user` if given.
pub fn nudge(user: Option<&str>) {
    if let Some(sharer) = SHARER.get()
        && let Ok(tx) = sharer.nudge.lock()
    {
        let _ = tx.send(user.map(str::to_string));
    }
}

/// The last round's status, if it is newer than round `seen`.
pub fn newer_than(seen: u64) -> Option<SharingStatus> {
    let latest = SHARER.get()?.latest.lock().ok()?;
    (latest.round > seen).then(|| latest.clone())
}

fn share(location: DatabaseLocation, folder: PathBuf, nudges: Receiver<Option<String>>) {
    let store = match Store::open(&location, OpenMode::Existing) {
        Ok(store) => store,
        Err(e) => {
            tracing::warn!("sharing not started: {}", e.for_the_log());
            return;
        }
    };
    let mut user: Option<String> = None;
    let mut status = SharingStatus::default();
    // The first round straight away, then every 30 seconds or soon after a save.
    let mut wait = Duration::ZERO;
    loop {
        match nudges.recv_timeout(wait) {
            Ok(who) => user = who.or(user),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Several saves in a row make one round.
        for who in nudges.try_iter() {
            user = who.or(user);
        }
        wait = EVERY;
        let now = crate::config::now();
        status = round(&store, &folder, user.as_deref(), now, status);
        if let Some(sharer) = SHARER.get()
            && let Ok(mut latest) = sharer.latest.lock()
        {
            *latest = status.clone();
        }
    }
}

/// One round, and what the home screen should say after it: what the background thread does every
/// 30 seconds and after each save.
pub fn round(
    store: &Store,
    folder: &std::path::Path,
    user: Option<&str>,
    now: DateTime<Utc>,
    before: SharingStatus,
) -> SharingStatus {
    use crate::error::{Error, Sharing};
    let next = SharingStatus { round: before.round + 1, took: 0, news: false, ..before };
    let actor = match user.map(|u| store.actor(Some(u))).unwrap_or_else(|| store.setup_actor(None)) {
        Ok(actor) => actor,
        Err(e) => return SharingStatus { problem: Some(e.to_string()), ..next },
    };
    match crate::sync::round(store, folder, &actor, now) {
        Ok(done) => {
            let quiet = done
                .others
                .iter()
                .filter(|pc| pc.heard_at.is_none_or(|at| now - at > QUIET_AFTER))
                .map(|pc| (pc.prefix.clone(), pc.name.clone(), pc.heard_at))
                .collect();
            SharingStatus {
                last_shared: Some(now),
                pcs: done.others.len() + 1,
                quiet,
                unreachable_since: None,
                problem: None,
                took: done.others.iter().map(|pc| pc.entries_taken).sum(),
                news: done.merged.iter().any(|m| m.outcome.brought_news()),
                ..next
            }
        }
        Err(Error::Sharing(Sharing::FolderUnreachable { .. } | Sharing::FolderNotWritable { .. })) => {
            SharingStatus { unreachable_since: next.unreachable_since.or(Some(now)), problem: None, ..next }
        }
        Err(e) => {
            tracing::warn!("sharing round failed: {}", e.for_the_log());
            SharingStatus { problem: Some(e.to_string()), ..next }
        }
    }
}

/// The home screen's line about sharing.
pub fn describe(s: &SharingStatus, now: DateTime<Utc>) -> String {
    use crate::domain::time::format_uk_as;
    let at = |t: DateTime<Utc>| {
        if (now - t).num_hours() < 12 { format_uk_as(t, "%H:%M") } else { format_uk_as(t, "%d/%m %H:%M") }
    };
    if let Some(since) = s.unreachable_since {
        return format!(
            "The shared folder cannot be reached (since {}): logging goes on here, and sharing catches up by itself when it is back.",
            at(since)
        );
    }
    if let Some(problem) = &s.problem {
        return format!("Not shared: {problem}");
    }
    let Some(last) = s.last_shared else { return "Sharing with the other PCs…".to_string() };
    let mut line = format!("Shared at {} with {} PCs", at(last), s.pcs);
    if !s.quiet.is_empty() {
        let quiet: Vec<String> = s
            .quiet
            .iter()
            .map(|(prefix, name, heard)| match heard {
                Some(t) => format!("{name} ({prefix}) since {}", at(*t)),
                None => format!("{name} ({prefix})"),
            })
            .collect();
        line.push_str(&format!(". Not heard from: {}", quiet.join(", ")));
    }
    line.push('.');
    line
}
