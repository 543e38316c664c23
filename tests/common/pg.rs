//! A PostgreSQL server of the tests' own: `initdb` in a temporary directory, listening on
//! 127.0.0.1 only, stopped when the test process ends. Each test gets a new database.
//!
//! Without PostgreSQL's programs a test says SKIPPED, loudly, and passes; with
//! `BANYUE_REQUIRE_PG` set (CI installs Debian's `postgresql`) it fails instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Server {
    pub port: u16,
    _dir: tempfile::TempDir,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Where PostgreSQL's server programs are: on the PATH, or Debian's versioned directory.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("sh").args(["-c", "command -v initdb"]).output()
        && out.status.success()
    {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let real = std::fs::canonicalize(&p).unwrap_or(p);
        return real.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// PostgreSQL refuses to run as root: then its programs run as the `postgres` user.
fn as_server_user(program: &Path) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start() -> Result<Server, String> {
    let bin = bin_dir().ok_or("no initdb: PostgreSQL's server programs are not installed")?;
    let dir = tempfile::Builder::new()
        .prefix("banyue-pg")
        .tempdir()
        .map_err(|e| e.to_string())?;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let uid = Command::new("id")
            .args(["-u", "postgres"])
            .output()
            .map_err(|e| e.to_string())?;
        let uid: u32 = String::from_utf8_lossy(&uid.stdout)
            .trim()
            .parse()
            .map_err(|_| "running as root and there is no `postgres` user".to_string())?;
        std::os::unix::fs::chown(dir.path(), Some(uid), None).map_err(|e| e.to_string())?;
    }
    let data = dir.path().join("data");
    let out = as_server_user(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "banyue",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200",
        dir.path().display()
    );
    let out = as_server_user(&bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.path().join("log"))
        .args(["-w", "start"])
        .output()
        .map_err(|e| format!("pg_ctl: {e}"))?;
    if !out.status.success() {
        let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
        return Err(format!(
            "pg_ctl start failed: {}{log}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Stopped, and its files removed, when this test process ends, however it ends.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {runas}'{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        // SAFETY: geteuid has no preconditions.
        runas = if unsafe { libc::geteuid() } == 0 {
            "runuser -u postgres -- "
        } else {
            ""
        },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.path().display(),
    );
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(Server { port, _dir: dir })
}

/// A new, empty database on the tests' server (`postgres://banyue@127.0.0.1:PORT/tN`), or
/// `None` after saying SKIPPED when PostgreSQL is not installed.
pub fn database(test: &str) -> Option<String> {
    let server = match SERVER.get_or_init(start) {
        Ok(s) => s,
        Err(why) => {
            if std::env::var_os("BANYUE_REQUIRE_PG").is_some() {
                panic!("BANYUE_REQUIRE_PG is set but PostgreSQL cannot start: {why}");
            }
            eprintln!("SKIPPED {test}: {why} (install Debian's `postgresql`; CI sets BANYUE_REQUIRE_PG)");
            return None;
        }
    };
    let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    let admin = format!("postgres://banyue@127.0.0.1:{}/postgres", server.port);
    let sql = format!("CREATE DATABASE {name}");
    // The synchronous client runs a runtime of its own: not on a tokio test's thread.
    std::thread::spawn(move || -> Result<(), String> {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(&sql).map_err(|e| e.to_string())
    })
    .join()
    .expect("creating a database")
    .expect("creating a database");
    Some(format!("postgres://banyue@127.0.0.1:{}/{name}", server.port))
}

/// The store a scenario runs on: the embedded SQLite file its config names, or a new
/// PostgreSQL database of the tests' server.
#[derive(Clone)]
pub enum Engine {
    Sqlite,
    Postgres(String),
}

impl Engine {
    /// A new PostgreSQL database for `test`, or `None` after saying SKIPPED.
    pub fn postgres(test: &str) -> Option<Engine> {
        database(test).map(Engine::Postgres)
    }

    /// A new, empty store on the same engine, for a scenario that starts again on a fresh
    /// desk: the demo's SQLite file, or another database of the tests' server.
    pub fn another(&self, test: &str) -> Engine {
        match self {
            Engine::Sqlite => Engine::Sqlite,
            Engine::Postgres(_) => Engine::postgres(test).expect("the server that made the first database"),
        }
    }

    /// `text`, a config, with its store on this engine.
    pub fn config(&self, text: &str) -> String {
        match self {
            Engine::Sqlite => text.to_string(),
            Engine::Postgres(url) => {
                assert!(text.contains("[settings]\n"), "a config without [settings]: {text}");
                text.replacen("[settings]\n", &format!("[settings]\nstore = \"{url}\"\n"), 1)
            }
        }
    }

    /// Where the store of a directory as `banyue demo` leaves it is on this engine.
    pub fn location(&self, dir: &Path) -> banyue::store::Location {
        match self {
            Engine::Sqlite => banyue::store::Location::Sqlite(dir.join("data").join("banyue.db")),
            Engine::Postgres(url) => banyue::store::Location::Postgres(url.clone()),
        }
    }

    /// A directory as `banyue demo` leaves it (its store in `data/banyue.db`, its config in
    /// `banyue.toml`) moved onto this engine: the store copied, the config rewritten.
    pub fn adopt(&self, dir: &Path) {
        let Engine::Postgres(url) = self else { return };
        let from = Engine::Sqlite.location(dir);
        banyue::store::copy(&from, &banyue::store::Location::Postgres(url.clone())).expect("copy into PostgreSQL");
        let path = dir.join("banyue.toml");
        let text = std::fs::read_to_string(&path).expect("the demo's config");
        std::fs::write(&path, self.config(&text)).expect("rewriting the config");
    }
}

/// Each scenario — `async fn NAME(engine: Engine)`, or a plain `fn` after `sync` — as two
/// tests, `NAME::sqlite` and `NAME::postgres` (SKIPPED, loudly, without PostgreSQL).
#[allow(unused_macros)]
macro_rules! on_both_engines {
    (sync $($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(crate::common::pg::Engine::Sqlite);
            }

            #[test]
            fn postgres() {
                if let Some(e) = crate::common::pg::Engine::postgres(concat!(stringify!($name), "::postgres")) {
                    super::$name(e);
                }
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::common::pg::Engine::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(e) = crate::common::pg::Engine::postgres(concat!(stringify!($name), "::postgres")) {
                    super::$name(e).await;
                }
            }
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use on_both_engines;
