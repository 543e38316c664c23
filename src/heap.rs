//! The allocators' tunables. banyue's own allocations go to jemalloc (the binary's
//! `#[global_allocator]`, with one arena and freed pages handed back after a second);
//! SQLite and the other C code allocate with the system's malloc, which these tune: how
//! many arenas glibc keeps, and giving freed memory back before a run drafts. No-ops off
//! glibc.

/// glibc gives each thread that allocates while others do an arena of its own, up to
/// eight per core, and an arena keeps what was freed in it. On a cold run of 2,000
/// feeds (2 cores) the storing threads (the judging, the reading ahead, the search on
/// every core) then peaked at 285 MB, against 213 MB with two arenas a core at the same
/// speed; one arena a core cut it to 197 MB but spent a tenth more CPU waiting on them.
/// Call before any other thread exists; an operator's `MALLOC_ARENA_MAX` wins.
pub fn two_arenas_per_core() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores * 2).unwrap_or(libc::c_int::MAX);
        // SAFETY: sets a tunable of the allocator; the caller runs before other threads.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Hands the pages freed inside the allocator's arenas back to the system. Collecting
/// frees its indexes and the feeds' bodies in every arena, but an arena keeps the space,
/// and drafting the window then allocated beside it: on a cold run of 2,000 feeds the
/// peak fell from 211 to 195 MB with this call before the draft. A few milliseconds.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
    // jemalloc hands a freed page back 10 ms after, when it next allocates or frees: at
    // the end of a cold run's collecting, the near-duplicate index just freed was still
    // resident as the draft began (the run's resident memory 88 MB, 66 MB once purged).
    // `arena.<i>.purge` hands back the pages no allocation holds; 4096 is
    // `MALLCTL_ARENAS_ALL`, every arena.
    #[cfg(unix)]
    jemalloc_do(c"arena.4096.purge");
}

/// Set when jemalloc is the program's allocator (by the binary, which declares it).
static JEMALLOC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The binary's allocator is jemalloc: [`flush_thread_cache`] then reaches it.
pub fn jemalloc_is_the_allocator() {
    JEMALLOC.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Hands this thread's cache of freed small blocks back to jemalloc's arena, for a thread
/// that goes idle after a burst of work (a blocking thread that has read a page). A
/// thread's cache is collected only as the thread allocates, so an idle thread keeps what
/// it cached; a cold run's blocking threads, idle between pages, held about a tenth of
/// its peak so (docs/benchmarks.md, issue 11, stop 67).
pub fn flush_thread_cache() {
    // `thread.tcache.flush` only moves this thread's cached blocks back to the arena.
    #[cfg(unix)]
    jemalloc_do(c"thread.tcache.flush");
}

/// Runs one of jemalloc's commands that take and return nothing, when jemalloc is the
/// program's allocator.
#[cfg(unix)]
fn jemalloc_do(command: &std::ffi::CStr) {
    if JEMALLOC.load(std::sync::atomic::Ordering::Relaxed) {
        // SAFETY: the callers' commands read no argument and write no result.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                command.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
}

/// The C heap in a line for the debug log: what SQLite holds now and held at most (its
/// own count of its allocations), and what glibc's arenas hold in use and free.
pub fn c_heap() -> String {
    const MB: f64 = 1024.0 * 1024.0;
    // SAFETY: both only read SQLite's counters, under its own mutex.
    let (now, most) = unsafe {
        (
            rusqlite::ffi::sqlite3_memory_used(),
            rusqlite::ffi::sqlite3_memory_highwater(0),
        )
    };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let glibc = {
        // SAFETY: walks the allocator's own lists under its locks.
        let m = unsafe { libc::mallinfo2() };
        format!(
            "; glibc's arenas {:.1} MB ({:.1} MB in use, {:.1} MB free), {:.1} MB mapped apart",
            m.arena as f64 / MB,
            m.uordblks as f64 / MB,
            m.fordblks as f64 / MB,
            m.hblkhd as f64 / MB
        )
    };
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let glibc = String::new();
    format!(
        "SQLite {:.1} MB, at most {:.1} MB{glibc}",
        now as f64 / MB,
        most as f64 / MB
    )
}
