//! The practice as one log: each PC shares its log through an ordinary shared folder, and takes
//! every other PC's. Each PC keeps its own database, the only file it ever writes to as a database;
//! the folder holds files only (a live SQLite database is never opened on a share).
//!
//! In the folder each PC writes only its own folder, `cutover-<workstation id>/`: a `head.json`
//! saying who it is, which series of pieces it writes and the last piece, and the series' pieces,
//! each a small cutover file holding what was added to its log since an earlier piece (what it
//! learned from the other PCs too, so a PC that dies has already left its entries on the rest).
//! Every file is written beside its final name and then renamed, so a reader never sees half of
//! one. A round publishes this PC's new piece, then takes each other PC's pieces it has not taken:
//! each copied here, given the whole check (`check_for_damage`), then merged; one that fails is
//! skipped with a warning and tried again next round. See `docs/design/storage.md`, section 16.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Sharing};
use crate::merge::Merged;
use crate::store::{
    Actor, Home, Marks, MergeOutcome, PieceLabel, Published, SourceState, Store, Workstation, check_for_damage,
    inspect_merge_source,
};

/// The `local_setting` key holding this PC's path to the shared folder.
pub const SHARE_FOLDER: &str = "share_folder";

/// What `head.json` says it is.
const HEAD_FORMAT: &str = "cutover shared log 1";
const HEAD: &str = "head.json";
/// A piece's name: `FIRST-LAST.cutover`, the pieces of the series it stands for.
const PIECE_SUFFIX: &str = ".cutover";
/// Pieces are combined so a PC that has been away reads a few files, not thousands: beside piece N,
/// one piece stands for the last 16, 256 or 4096 when N is a multiple of that (never the first,
/// which holds everything), if none of them holds more than `COMBINE_AT_MOST_ROWS` rows (so the
/// bulk of a log, as a PC's first piece after taking another's whole log holds, is never written
/// again). The small pieces it stands for are kept this many pieces longer,
/// so a PC a few rounds behind reads them rather than the combined one.
const COMBINE: [i64; 3] = [4096, 256, 16];
const COMBINE_AT_MOST_ROWS: i64 = 2_000;
const KEEP_SMALL_PIECES: i64 = 64;
/// Pieces taken in one transaction at most (SQLite attaches so many files at once).
const PIECES_AT_ONCE: usize = 8;

/// What a PC's `head.json` says.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Head {
    format: String,
    workstation_id: String,
    name: String,
    prefix: String,
    computer: String,
    path: String,
    epoch: String,
    last: i64,
    heard_at: String,
    /// Which sealing of the database the series was written under (see `SEALING`); empty for a
    /// head written before there was one.
    #[serde(default)]
    sealing: String,
}

/// Another PC found in the folder, and what this round took from it.
#[derive(Debug, Clone)]
pub struct OtherPc {
    pub workstation_id: String,
    pub name: String,
    pub prefix: String,
    pub entries_taken: u64,
    pub heard_at: Option<DateTime<Utc>>,
    /// Why some of its pieces were left for the next round.
    pub skipped: Option<String>,
}

/// One round: what this PC shared and took.
#[derive(Debug)]
pub struct Round {
    pub this: Workstation,
    /// Whether this round put a new piece in the folder.
    pub published: bool,
    pub others: Vec<OtherPc>,
    /// Every piece merged, with what it brought (for the reports a merge makes).
    pub merged: Vec<Merged>,
    /// Where this database's tables had reached before the round took anything: what is above
    /// is what the round brought.
    pub before: Marks,
}

/// The shared folder this PC is set to use, if any.
/// This PC's setting naming the sealing its files are written under: not the passphrase, but a new
/// random id each time `cutover encrypt` or `cutover rekey` writes the database again under another
/// key. A series written under another sealing is not continued: the next round starts a new one
/// under the new key, and the old pieces (plain, or under the old passphrase) leave the folder.
const SEALING: &str = "share_sealing";

/// After the database was written again under another key: the next round publishes a new series.
pub fn start_new_series(tx: &crate::store::Tx) -> Result<()> {
    tx.set_local_setting(SEALING, &uuid::Uuid::new_v4().simple().to_string())
}

pub fn folder_setting(store: &Store) -> Result<Option<PathBuf>> {
    Ok(store.local_setting(SHARE_FOLDER)?.map(PathBuf::from))
}

/// Where this PC keeps its own working copies: `NAME.sync/` beside the database.
fn local_dir(store: &Store) -> PathBuf {
    let db = store.path();
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".sync");
    db.with_file_name(name)
}

/// This PC's own working folder beside its database (0700 on Unix), with its parents.
fn private_dir(path: &Path) -> std::io::Result<()> {
    crate::platform::create_private_dir(path, true)
}

/// A failure to write into the shared folder, in words.
fn not_writable(folder: &Path, e: &std::io::Error) -> Error {
    use std::io::ErrorKind;
    if !folder.is_dir() {
        return Error::Sharing(Sharing::FolderUnreachable { folder: folder.to_path_buf() });
    }
    let detail = match e.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "the folder is full".to_string(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => "this PC may not write there".to_string(),
        _ if e.raw_os_error() == Some(28) => "the folder is full".to_string(),
        _ => "a file could not be written there".to_string(),
    };
    Error::Sharing(Sharing::FolderNotWritable { folder: folder.to_path_buf(), detail })
}

/// `path` written in full beside its name and then renamed into place, flushed to the disk.
fn write_beside(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = partial_name(path);
    let written = (|| {
        use std::io::Write;
        let mut f = std::fs::File::create(&partial)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match written.and_then(|()| std::fs::rename(&partial, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// `from` copied in full beside `to` and then renamed into place, flushed to the disk.
fn copy_beside(from: &Path, to: &Path) -> std::io::Result<()> {
    let partial = partial_name(to);
    let copied = std::fs::copy(from, &partial).and_then(|_| crate::files::flush_to_disk(&partial));
    match copied.and_then(|()| std::fs::rename(&partial, to)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
}

fn read_head(pc_dir: &Path) -> Option<Head> {
    let bytes = std::fs::read(pc_dir.join(HEAD)).ok()?;
    let head: Head = serde_json::from_slice(&bytes).ok()?;
    (head.format == HEAD_FORMAT).then_some(head)
}

fn piece_name(first: i64, last: i64) -> String {
    format!("{first:08}-{last:08}{PIECE_SUFFIX}")
}

/// "00000017-00000032.cutover" → (17, 32).
fn parse_piece_name(name: &str) -> Option<(i64, i64)> {
    let stem = name.strip_suffix(PIECE_SUFFIX)?;
    let (first, last) = stem.split_once('-')?;
    if first.len() != 8 || last.len() != 8 {
        return None;
    }
    let (first, last) = (first.parse().ok()?, last.parse().ok()?);
    (first <= last).then_some((first, last))
}

/// The pieces in a series' folder, as (first, last).
fn pieces_in(dir: &Path) -> std::io::Result<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        if let Some(range) = entry?.file_name().to_str().and_then(parse_piece_name) {
            out.push(range);
        }
    }
    out.sort();
    Ok(out)
}

/// The first piece a combined piece ending at `seq` stands for, when one is due.
fn combine_from(seq: i64) -> Option<i64> {
    COMBINE.iter().find(|span| seq > 0 && seq % **span == 0).map(|span| seq - span + 1)
}

/// The pieces to read, in order, to go from having read up to `have` (-1: nothing) to `last`:
/// each time the piece starting just after what is read and reaching furthest, or failing that one
/// that covers it. Empty if the folder lacks what is needed (tried again next round).
fn plan(pieces: &[(i64, i64)], have: i64, last: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut next = have + 1;
    while next <= last {
        let exact = pieces.iter().filter(|(f, l)| *f == next && *l <= last).max_by_key(|(_, l)| *l);
        let covering = || pieces.iter().filter(|(f, l)| *f < next && *l >= next && *l <= last).max_by_key(|(_, l)| *l);
        let Some(piece) = exact.or_else(covering) else { return Vec::new() };
        out.push(*piece);
        next = piece.1 + 1;
    }
    out
}

/// One round: publish this PC's new piece, then take every other PC's new pieces. Fails, with
/// nothing changed here, when the folder cannot be reached or written.
pub fn round(store: &Store, folder: &Path, actor: &Actor, now: DateTime<Utc>) -> Result<Round> {
    if let Some(moved) = store.moved_from()? {
        return Err(Error::Sharing(Sharing::Copied { home: moved.home.describe(), now: moved.now.describe() }));
    }
    let local = local_dir(store);
    private_dir(&local).map_err(|e| Error::file(&local, e))?;
    // One round at a time on this database (the screens' background rounds and `cutover sync`).
    let lock_path = local.join("round.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::file(&lock_path, e))?;
    lock.lock().map_err(|e| Error::file(&lock_path, e))?;
    if !folder.is_dir() {
        return Err(Error::Sharing(Sharing::FolderUnreachable { folder: folder.to_path_buf() }));
    }
    let this = store.local_workstation()?;
    let published = publish(store, folder, &local, &this, now)?;
    let before = store.share_marks()?;
    let (others, merged) = take(store, folder, &local, &this, actor, now)?;
    drop(lock);
    Ok(Round { this, published, others, merged, before })
}

/// Puts this PC's new piece in the folder and says so in its `head.json`; only the head when
/// nothing is new. A new series (starting from a piece holding everything) when this PC's folder
/// is not as this database left it: missing, replaced by an older copy, or written after this
/// database was restored from a backup.
fn publish(store: &Store, folder: &Path, local: &Path, this: &Workstation, now: DateTime<Utc>) -> Result<bool> {
    let pc_dir = folder.join(format!("cutover-{}", this.id));
    std::fs::create_dir_all(&pc_dir).map_err(|e| not_writable(folder, &e))?;
    remove_partials(&pc_dir);
    let here = Home::of(store.path());
    let head = read_head(&pc_dir);
    let last = store.last_published()?;
    let ours = |h: &Head, l: &Option<Published>| l.as_ref().is_some_and(|l| h.epoch == l.epoch && h.last == l.seq);
    if let Some(h) = &head
        && (h.computer != here.computer || h.path != here.path)
        && !ours(h, &last)
    {
        return Err(Error::Sharing(Sharing::TwinInFolder {
            folder: folder.to_path_buf(),
            other: format!("{} on {}", h.path, h.computer),
        }));
    }
    // Every piece still there as this PC wrote it (as long as it was), and enough of them to read
    // the series from its start: otherwise the folder was damaged or changed, and a new series starts.
    // A piece beyond the last this database recorded was left by a round that failed part-way (the
    // folder filled up, say): no reader takes it (the head does not name it), and it goes.
    let series_intact = |l: &Published| -> Result<bool> {
        let dir = pc_dir.join(&l.epoch);
        let Ok(pieces) = pieces_in(&dir) else { return Ok(false) };
        for &(f, s) in &pieces {
            if s > l.seq {
                let _ = std::fs::remove_file(dir.join(piece_name(f, s)));
                continue;
            }
            let length = std::fs::metadata(dir.join(piece_name(f, s))).map(|m| m.len()).ok();
            match store.published(&l.epoch, f, s)? {
                Some(p) if p.first == f && Some(p.bytes) == length => {}
                _ => return Ok(false),
            }
        }
        Ok(!plan(&pieces, -1, l.seq).is_empty())
    };
    let sealing = store.local_setting(SEALING)?.unwrap_or_default();
    let continuing = match (&head, &last) {
        (Some(h), Some(l)) if ours(h, &last) && h.sealing == sealing && series_intact(l)? => Some(l.clone()),
        _ => None,
    };
    let marks = store.share_marks()?;
    let write_head = |epoch: &str, last: i64| -> Result<()> {
        let head = Head {
            format: HEAD_FORMAT.to_string(),
            workstation_id: this.id.clone(),
            name: this.name.clone(),
            prefix: this.prefix.clone(),
            computer: here.computer.clone(),
            path: here.path.clone(),
            epoch: epoch.to_string(),
            last,
            heard_at: crate::domain::time::to_storage(now),
            sealing: sealing.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&head).unwrap_or_default();
        write_beside(&pc_dir.join(HEAD), &bytes).map_err(|e| not_writable(folder, &e))
    };
    if let Some(l) = &continuing
        && l.marks == marks
    {
        write_head(&l.epoch, l.seq)?;
        return Ok(false);
    }
    let (epoch, seq) = match &continuing {
        Some(l) => (l.epoch.clone(), l.seq + 1),
        None => (uuid::Uuid::new_v4().simple().to_string(), 0),
    };
    let from = continuing.as_ref().map(|l| l.marks.clone()).unwrap_or_default();
    let series = pc_dir.join(&epoch);
    // Everything goes into the folder before anything is recorded here: a write the folder refuses
    // part-way (full, or turned read-only) leaves this database as it was, and takes back what this
    // round placed, so the head still names the last piece and the next round carries on the series.
    let piece = place_piece(store, folder, local, &series, (&epoch, seq, seq), &from, None, now)?;
    let mut placed = vec![piece];
    let placed_all = (|| -> Result<()> {
        // Now and then the last 16, 256 or 4096 pieces also go in one, for a PC that has been away:
        // only when they hold few rows (the first pieces after a PC took another's whole log do not).
        if let Some(first) = combine_from(seq)
            && let Some(start) = combinable(store, &epoch, first, &placed[0])?
        {
            let upto = placed[0].marks.clone();
            placed.push(place_piece(store, folder, local, &series, (&epoch, first, seq), &start, Some(&upto), now)?);
        }
        write_head(&epoch, seq)
    })();
    if let Err(e) = placed_all {
        for p in &placed {
            let _ = std::fs::remove_file(series.join(piece_name(p.first, p.seq)));
        }
        return Err(e);
    }
    store.write_at(now, |tx| placed.iter().try_for_each(|p| tx.record_published(p)))?;
    tidy(&pc_dir, &epoch, seq);
    Ok(true)
}

/// Where pieces `first` to `newest` (the piece just placed, not yet recorded) start (the marks of the
/// piece before), if each of them holds at most `COMBINE_AT_MOST_ROWS` rows: small pieces are
/// combined, never one that carried a log's bulk.
fn combinable(store: &Store, epoch: &str, first: i64, newest: &Published) -> Result<Option<Marks>> {
    let Some(start) = store.published(epoch, first - 1, first - 1)? else { return Ok(None) };
    let mut before = start.marks.clone();
    for s in first..=newest.seq {
        let recorded = if s == newest.seq { Some(newest.clone()) } else { store.published(epoch, s, s)? };
        let Some(piece) = recorded else { return Ok(None) };
        let rows: i64 = piece.marks.iter().map(|(t, n)| n - before.get(t).copied().unwrap_or(0)).sum();
        if rows > COMBINE_AT_MOST_ROWS {
            return Ok(None);
        }
        before = piece.marks;
    }
    Ok(Some(start.marks))
}

/// Writes pieces `first..=seq` of series `epoch` (the rows after `from`, up to `upto` or now) here,
/// then copies it into the series' folder beside its name and renames it into place.
#[allow(clippy::too_many_arguments)]
fn place_piece(
    store: &Store,
    folder: &Path,
    local: &Path,
    series: &Path,
    (epoch, first, seq): (&str, i64, i64),
    from: &Marks,
    upto: Option<&Marks>,
    now: DateTime<Utc>,
) -> Result<Published> {
    let name = piece_name(first, seq);
    let out_dir = local.join("out");
    private_dir(&out_dir).map_err(|e| Error::file(&out_dir, e))?;
    let made = out_dir.join(&name);
    let _ = std::fs::remove_file(&made);
    let label = PieceLabel { epoch, first, seq, made_at: now };
    let placed = store.write_piece(&made, &label, from, upto).and_then(|marks| {
        let bytes = std::fs::metadata(&made).map_err(|e| Error::file(&made, e))?.len();
        std::fs::create_dir_all(series).map_err(|e| not_writable(folder, &e))?;
        copy_beside(&made, &series.join(&name)).map_err(|e| not_writable(folder, &e))?;
        Ok(Published { epoch: epoch.to_string(), seq, first, marks, bytes })
    });
    let _ = std::fs::remove_file(&made);
    let piece = placed?;
    tracing::info!(seq, first, bytes = piece.bytes, "sync: piece published");
    Ok(piece)
}

/// Removes what no reader needs any more: earlier series, and small pieces long since combined.
/// Best effort: a reader that was copying one finds the combined piece next round.
fn tidy(pc_dir: &Path, epoch: &str, seq: i64) {
    if let Ok(entries) = std::fs::read_dir(pc_dir) {
        for entry in entries.flatten() {
            if entry.path().is_dir() && entry.file_name() != epoch {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let series = pc_dir.join(epoch);
    let Ok(pieces) = pieces_in(&series) else { return };
    for &(f, l) in &pieces {
        let covered = pieces.iter().any(|&(f2, l2)| (f2, l2) != (f, l) && f2 <= f && l <= l2);
        if covered && l + KEEP_SMALL_PIECES < seq {
            let _ = std::fs::remove_file(series.join(piece_name(f, l)));
        }
    }
}

/// Files this PC left half-written in its own folder (it alone writes there, and holds the round's lock).
fn remove_partials(dir: &Path) {
    let walk = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
    };
    for path in walk(dir) {
        let children = if path.is_dir() { walk(&path) } else { vec![path] };
        for file in children {
            if file.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(".partial-")) {
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

/// Takes each other PC's pieces not yet taken, in order; each PC's in transactions of its own, so
/// one PC's damaged piece holds back only that PC's.
fn take(
    store: &Store,
    folder: &Path,
    local: &Path,
    this: &Workstation,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(Vec<OtherPc>, Vec<Merged>)> {
    let incoming = local.join("in");
    let _ = std::fs::remove_dir_all(&incoming);
    private_dir(&incoming).map_err(|e| Error::file(&incoming, e))?;
    let known: HashMap<String, SourceState> =
        store.share_sources()?.into_iter().map(|s| (s.workstation_id.clone(), s)).collect();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|_| Error::Sharing(Sharing::FolderUnreachable { folder: folder.to_path_buf() }))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("cutover-")))
        .collect();
    dirs.sort();
    let mut others = Vec::new();
    let mut merged = Vec::new();
    let mut heard: Vec<SourceState> = Vec::new();
    for dir in dirs {
        let id =
            dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().trim_start_matches("cutover-").to_string();
        if id == this.id {
            continue;
        }
        let Some(head) = read_head(&dir).filter(|h| h.workstation_id == id) else {
            // A PC whose first round has not finished yet has no head: nothing to take, nothing wrong.
            if !dir.join(HEAD).exists() {
                continue;
            }
            let known = known.get(&id);
            others.push(OtherPc {
                workstation_id: id.clone(),
                name: known.map(|k| k.name.clone()).unwrap_or_else(|| "a PC".to_string()),
                prefix: known.map(|k| k.prefix.clone()).unwrap_or_default(),
                entries_taken: 0,
                heard_at: known.and_then(|k| k.heard_at),
                skipped: Some("its file in the shared folder could not be read (half-written or damaged)".to_string()),
            });
            continue;
        };
        let before = known.get(&id);
        let mut state = SourceState {
            workstation_id: id.clone(),
            epoch: head.epoch.clone(),
            seq: before.filter(|b| b.epoch == head.epoch).map_or(-1, |b| b.seq),
            name: head.name.clone(),
            prefix: head.prefix.clone(),
            heard_at: crate::domain::time::from_storage(&head.heard_at),
            entries_taken: before.map_or(0, |b| b.entries_taken),
        };
        let mut pc = OtherPc {
            workstation_id: id.clone(),
            name: head.name.clone(),
            prefix: head.prefix.clone(),
            entries_taken: 0,
            heard_at: state.heard_at,
            skipped: None,
        };
        let series = dir.join(&head.epoch);
        let chain = pieces_in(&series).map(|p| plan(&p, state.seq, head.last)).unwrap_or_default();
        if state.seq < head.last && chain.is_empty() {
            pc.skipped = Some("some of its pieces are missing from the shared folder".to_string());
        }
        // Copied here and checked whole, in order, up to the first that fails.
        let mut ready = Vec::new();
        for (first, last) in chain {
            let name = piece_name(first, last);
            let copy = incoming.join(format!("{id}-{}-{name}", head.epoch));
            let checked = std::fs::copy(series.join(&name), &copy)
                .map_err(|e| Error::file(&copy, e))
                .and_then(|_| inspect_merge_source(store.path(), store.passphrase(), &copy))
                .and_then(|mut source| {
                    check_for_damage(&source)?;
                    source.file_name = format!("the shared folder ({}, {})", head.prefix, head.name);
                    Ok(source)
                });
            let damaged =
                || format!("its piece {name} is damaged or was not copied whole; it is tried again next round");
            match checked {
                Ok(source) if source.workstation_id.as_deref() == Some(id.as_str()) => ready.push((last, source)),
                // A piece from a newer version of cutover, or under another passphrase (or none
                // while this PC has one), says so, with what to do.
                Err(
                    e @ Error::Exchange(
                        crate::error::Exchange::MergeNewer { .. }
                        | crate::error::Exchange::MergeEncrypted(_)
                        | crate::error::Exchange::MergeOtherPassphrase(_),
                    ),
                ) => {
                    pc.skipped = Some(e.to_string());
                    break;
                }
                Ok(_) | Err(_) => {
                    pc.skipped = Some(damaged());
                    break;
                }
            }
        }
        let bytes: u64 = ready.iter().filter_map(|(_, s)| std::fs::metadata(&s.path).ok()).map(|m| m.len()).sum();
        if !ready.is_empty() {
            tracing::info!(pieces = ready.len(), bytes, "sync: read pieces from another PC");
        }
        for chunk in ready.chunks(PIECES_AT_ONCE) {
            let sources: Vec<_> = chunk.iter().map(|(_, s)| s.clone()).collect();
            let reached = chunk.last().map_or(state.seq, |(last, _)| *last);
            let mut next = state.clone();
            let outcome = store.merge_with(&sources, actor, now, false, |tx, outcomes| {
                let entries: u64 = outcomes.iter().map(|o| o.entries).sum();
                next.seq = reached;
                next.entries_taken += entries as i64;
                tx.record_source(&next)?;
                if outcomes.iter().any(MergeOutcome::brought_news) {
                    tx.audit(actor, "sync", None, sync_detail(&head, outcomes))?;
                }
                Ok(())
            });
            match outcome {
                Ok(outcomes) => {
                    pc.entries_taken += outcomes.iter().map(|o| o.entries).sum::<u64>();
                    state = SourceState { seq: reached, entries_taken: next.entries_taken, ..state };
                    merged
                        .extend(sources.into_iter().zip(outcomes).map(|(source, outcome)| Merged { source, outcome }));
                }
                Err(e) => {
                    tracing::warn!("sync: a piece was not taken: {}", e.for_the_log());
                    pc.skipped = Some(format!("its pieces were not taken: {e}"));
                    break;
                }
            }
        }
        for (_, source) in &ready {
            let _ = std::fs::remove_file(&source.path);
        }
        heard.push(state);
        others.push(pc);
    }
    // When each PC was last heard from, for the next round and the screens.
    let changed: Vec<&SourceState> = heard.iter().filter(|s| known.get(&s.workstation_id) != Some(s)).collect();
    if !changed.is_empty() {
        store.write_at(now, |tx| changed.iter().try_for_each(|s| tx.record_source(s)))?;
    }
    Ok((others, merged))
}

/// The audit row of a round that took something: from which PC, and how much.
fn sync_detail(head: &Head, outcomes: &[MergeOutcome]) -> serde_json::Value {
    let sum = |f: fn(&MergeOutcome) -> u64| outcomes.iter().map(f).sum::<u64>();
    serde_json::json!({
        "from": head.workstation_id, "prefix": head.prefix, "name": head.name,
        "entries": sum(|o| o.entries), "revisions": sum(|o| o.revisions), "patients": sum(|o| o.patients),
        "reentry_events": sum(|o| o.reentry_events), "staff": sum(|o| o.staff),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_combine_every_16_256_and_4096_never_the_first() {
        assert_eq!(combine_from(0), None);
        assert_eq!(combine_from(1), None);
        assert_eq!(combine_from(15), None);
        assert_eq!(combine_from(16), Some(1));
        assert_eq!(combine_from(32), Some(17));
        assert_eq!(combine_from(256), Some(1));
        assert_eq!(combine_from(512), Some(257));
        assert_eq!(combine_from(4096), Some(1));
        assert_eq!(combine_from(8192), Some(4097));
    }

    #[test]
    fn a_reader_takes_the_next_small_piece_or_failing_that_the_combined_one() {
        let pieces = [(0, 0), (1, 1), (1, 16), (2, 2), (16, 16), (17, 17), (18, 18)];
        // Up to date but one: one small piece.
        assert_eq!(plan(&pieces, 17, 18), [(18, 18)]);
        // From nothing: the first, then the combined piece, then the small ones after it.
        assert_eq!(plan(&pieces, -1, 18), [(0, 0), (1, 16), (17, 17), (18, 18)]);
        // Having read up to 2, with 3..15 gone: the combined piece covers them.
        assert_eq!(plan(&pieces, 2, 17), [(1, 16), (17, 17)]);
        // A gap nothing covers: nothing now, tried again next round.
        assert_eq!(plan(&[(0, 0), (2, 2)], 0, 2), []);
        assert_eq!(parse_piece_name(&piece_name(17, 32)), Some((17, 32)));
        assert_eq!(parse_piece_name("00000001-00000001.cutover.partial-77"), None);
    }
}
