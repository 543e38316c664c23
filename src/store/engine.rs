//! The two engines the store runs on, behind one small interface: SQL text written for
//! SQLite (`?N` placeholders) with values in, rows of values out.
//!
//! SQLite is the embedded default. PostgreSQL is the shared store of several collectors
//! and review servers; its statements are the same text, translated where the dialects
//! differ ([`pg_sql`]), so every query of the store is written once. The PostgreSQL
//! client is the synchronous `postgres` crate, which runs a runtime of its own: it must
//! not be entered from a tokio worker (where the store is called from), so each
//! connection lives on a thread of its own and calls are sent to it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::mpsc;

use anyhow::Context;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

impl Value<'_> {
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i),
            Value::Real(f) => Value::Real(f),
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
            Value::Blob(b) => Value::Blob(Cow::Owned(b.into_owned())),
        }
    }
}

/// What can be a statement's parameter.
pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_values!(i64, i32, u32, u16, u8);

impl ToValue for usize {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}
impl ToValue for f32 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(f64::from(*self))
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}
impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Value::Text(t) => Value::Text(Cow::Borrowed(t)),
            Value::Blob(b) => Value::Blob(Cow::Borrowed(b)),
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(*i),
            Value::Real(f) => Value::Real(*f),
        }
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

/// A statement's parameters: `params![a, b]`.
macro_rules! params {
    ($($x:expr),* $(,)?) => {
        &[$($crate::store::engine::ToValue::to_value(&$x)),*] as &[$crate::store::engine::Value<'_>]
    };
}
pub(crate) use params;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// PostgreSQL checks each parameter's type against what the statement expects; the
/// store's values are SQLite's few, so each is written as the type asked for.
impl postgres::types::ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::{IsNull, Type};
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                _ => i.to_string().as_str().to_sql(ty, out),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                _ => f.to_string().as_str().to_sql(ty, out),
            },
            Value::Text(t) => t.as_ref().to_sql(ty, out),
            Value::Blob(b) => b.as_ref().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl<'a> postgres::types::FromSql<'a> for Value<'static> {
    fn from_sql(ty: &postgres::types::Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(Cow::Owned(raw.to_vec())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                Value::Text(Cow::Owned(String::from_sql(ty, raw)?))
            }
            _ => return Err(format!("the store reads no column of type {ty}").into()),
        })
    }

    fn from_sql_null(_: &postgres::types::Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

/// A row as either engine gives it.
pub enum Row<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r [Value<'static>]),
}

impl Row<'_> {
    pub fn get<T: Column>(&self, i: usize) -> anyhow::Result<T> {
        match self {
            Row::Lite(r) => T::lite(r, i).with_context(|| format!("column {i}")),
            Row::Pg(v) => {
                let v = v.get(i).ok_or_else(|| anyhow::anyhow!("no column {i}"))?;
                T::value(v).with_context(|| format!("column {i}"))
            }
        }
    }

    /// Column `i` as it is stored (for copying a store).
    pub fn value(&self, i: usize) -> anyhow::Result<Value<'static>> {
        match self {
            Row::Lite(r) => {
                use rusqlite::types::ValueRef;
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) => Value::Text(Cow::Owned(String::from_utf8_lossy(t).into_owned())),
                    ValueRef::Blob(b) => Value::Blob(Cow::Owned(b.to_vec())),
                })
            }
            Row::Pg(v) => v.get(i).cloned().ok_or_else(|| anyhow::anyhow!("no column {i}")),
        }
    }
}

/// What a column can be read as.
pub trait Column: Sized {
    fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self>;
    fn value(v: &Value) -> anyhow::Result<Self>;
}

fn mismatch<T>(v: &Value, want: &str) -> anyhow::Result<T> {
    anyhow::bail!("expected {want}, found {v:?}")
}

macro_rules! int_columns {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self> {
                r.get(i)
            }
            fn value(v: &Value) -> anyhow::Result<Self> {
                match v {
                    Value::Int(n) => Ok(<$t>::try_from(*n)?),
                    _ => mismatch(v, "an integer"),
                }
            }
        }
    )*};
}
int_columns!(i64, i32, u32, u64, usize);

impl Column for bool {
    fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn value(v: &Value) -> anyhow::Result<Self> {
        match v {
            Value::Int(n) => Ok(*n != 0),
            _ => mismatch(v, "a boolean"),
        }
    }
}

impl Column for f64 {
    fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn value(v: &Value) -> anyhow::Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(n) => Ok(*n as f64),
            _ => mismatch(v, "a number"),
        }
    }
}

impl Column for String {
    fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn value(v: &Value) -> anyhow::Result<Self> {
        match v {
            Value::Text(t) => Ok(t.to_string()),
            _ => mismatch(v, "text"),
        }
    }
}

impl Column for Vec<u8> {
    fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self> {
        r.get(i)
    }
    fn value(v: &Value) -> anyhow::Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.to_vec()),
            _ => mismatch(v, "bytes"),
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn lite(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Self> {
        match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => Ok(None),
            _ => T::lite(r, i).map(Some),
        }
    }
    fn value(v: &Value) -> anyhow::Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::value(v).map(Some),
        }
    }
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// An open connection.
pub enum Conn {
    Lite(rusqlite::Connection),
    Pg(PgClient),
}

impl Conn {
    pub fn engine(&self) -> Engine {
        match self {
            Conn::Lite(_) => Engine::Sqlite,
            Conn::Pg(_) => Engine::Postgres,
        }
    }

    pub fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// Run one statement; the rows it changed.
    pub fn execute(&self, sql: &str, p: &[Value]) -> anyhow::Result<usize> {
        match self {
            Conn::Lite(c) => Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(p.iter()))?),
            Conn::Pg(c) => c.execute(pg_sql(sql), owned(p)),
        }
    }

    /// Run statements without parameters (a schema migration, BEGIN, COMMIT).
    pub fn execute_batch(&self, sql: &str) -> anyhow::Result<()> {
        match self {
            Conn::Lite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => {
                let sql = sql.to_string();
                c.run(move |s| Ok(s.client.batch_execute(&sql)?))
            }
        }
    }

    /// Every row of a query, each read by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        p: &[Value],
        mut f: impl FnMut(&Row) -> anyhow::Result<T>,
    ) -> anyhow::Result<Vec<T>> {
        match self {
            Conn::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(p.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Lite(r))?);
                }
                Ok(out)
            }
            Conn::Pg(c) => c.query(pg_sql(sql), owned(p))?.iter().map(|r| f(&Row::Pg(r))).collect(),
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        p: &[Value],
        f: impl FnOnce(&Row) -> anyhow::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        match self {
            Conn::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(rusqlite::params_from_iter(p.iter()))?;
                match rows.next()? {
                    Some(r) => Ok(Some(f(&Row::Lite(r))?)),
                    None => Ok(None),
                }
            }
            Conn::Pg(c) => match c.query(pg_sql(sql), owned(p))?.first() {
                Some(r) => Ok(Some(f(&Row::Pg(r))?)),
                None => Ok(None),
            },
        }
    }

    /// The first row of a query, which must exist.
    pub fn query_row<T>(&self, sql: &str, p: &[Value], f: impl FnOnce(&Row) -> anyhow::Result<T>) -> anyhow::Result<T> {
        self.query_opt(sql, p, f)?
            .ok_or_else(|| anyhow::anyhow!("the query returned no row"))
    }
}

fn owned(p: &[Value]) -> Vec<Value<'static>> {
    p.iter().map(|v| v.clone().into_owned()).collect()
}

/// A transaction: rolled back when dropped uncommitted.
pub struct Tx<'a> {
    conn: &'a Conn,
    open: bool,
}

impl<'a> Tx<'a> {
    /// Begin one that holds the write lock from the start on SQLite (a deferred one that
    /// read first cannot upgrade when another connection wrote meanwhile, and fails
    /// instead of waiting). PostgreSQL locks rows as they are written.
    pub fn begin(conn: &'a Conn) -> anyhow::Result<Tx<'a>> {
        let sql = match conn {
            Conn::Lite(_) => "BEGIN IMMEDIATE",
            Conn::Pg(_) => "BEGIN",
        };
        conn.execute_batch(sql)
            .context("waiting for the database's write lock")?;
        Ok(Tx { conn, open: true })
    }

    /// Begin one that holds the write lock of one SQLite database of the connection from
    /// the start, by a write to `table` that changes nothing: `BEGIN IMMEDIATE` would
    /// take the lock of every attached database too (the search index's file, which its
    /// own thread fills while a run stores). As [`Tx::begin`] on PostgreSQL.
    pub fn begin_locking(conn: &'a Conn, table: &str) -> anyhow::Result<Tx<'a>> {
        if conn.is_pg() {
            return Tx::begin(conn);
        }
        conn.execute_batch("BEGIN").context("beginning a transaction")?;
        let tx = Tx { conn, open: true };
        tx.execute_batch(&format!("UPDATE {table} SET one = one WHERE 0"))
            .with_context(|| format!("waiting for the write lock of {table}'s database"))?;
        Ok(tx)
    }

    /// The connection, for as long as the transaction's borrow of it.
    pub fn conn(&self) -> &'a Conn {
        self.conn
    }

    pub fn commit(mut self) -> anyhow::Result<()> {
        self.open = false;
        self.conn.execute_batch("COMMIT").context("committing")
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// SQLite's statement as PostgreSQL reads it: `$N` placeholders, and the few functions
/// and forms the dialects spell differently.
pub fn pg_sql(sql: &str) -> String {
    let mut s = sql
        .replace(
            "SELECT value FROM json_each(?1)",
            "SELECT jsonb_array_elements_text(CAST(?1 AS text)::jsonb)::bigint",
        )
        .replace("instr(", "strpos(");
    // json_extract(col, '$.field') → (col::jsonb ->> 'field')
    while let Some(at) = s.find("json_extract(") {
        let rest = &s[at + "json_extract(".len()..];
        let Some(close) = rest.find(')') else { break };
        let inner = &rest[..close];
        let Some((col, path)) = inner.split_once(',') else {
            break;
        };
        let field = path.trim().trim_matches('\'').trim_start_matches("$.");
        let with = format!("({}::jsonb ->> '{field}')", col.trim());
        s = format!("{}{with}{}", &s[..at], &rest[close + 1..]);
    }
    let ignore = s.contains("INSERT OR IGNORE INTO");
    if ignore {
        s = s.replace("INSERT OR IGNORE INTO", "INSERT INTO");
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    let mut next = 0;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted {
            let mut n = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                n.push(d);
                chars.next();
            }
            if n.is_empty() {
                next += 1;
                n = next.to_string();
            }
            out.push('$');
            out.push_str(&n);
        } else {
            out.push(c);
        }
    }
    if ignore {
        out.push_str(" ON CONFLICT DO NOTHING");
    }
    out
}

type Job = Box<dyn FnOnce(&mut PgState) + Send>;

/// A PostgreSQL connection on its own thread.
pub struct PgClient {
    jobs: mpsc::Sender<Job>,
    shown: String,
}

impl fmt::Debug for PgClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgClient({})", self.shown)
    }
}

/// The connection, and its statements prepared once.
pub struct PgState {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgState {
    fn statement(&mut self, sql: &str) -> anyhow::Result<postgres::Statement> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self
            .client
            .prepare(sql)
            .with_context(|| format!("preparing {}", sql.split_whitespace().collect::<Vec<_>>().join(" ")))?;
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

/// How long a connection attempt waits.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl PgClient {
    pub fn connect(url: &str) -> anyhow::Result<PgClient> {
        let shown = shown_url(url);
        let mut config: postgres::Config = url
            .parse()
            .with_context(|| format!("not a PostgreSQL address: {shown}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("banyue");
        }
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready, started) = mpsc::sync_channel::<anyhow::Result<()>>(1);
        let name = shown.clone();
        std::thread::Builder::new()
            .name("banyue-postgres".into())
            .spawn(move || {
                let client = match config.connect(postgres::NoTls) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready.send(Err(anyhow::Error::new(e).context(format!("cannot connect to {name}"))));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                let mut state = PgState {
                    client,
                    statements: HashMap::new(),
                };
                // Ends when the store (the only sender) is dropped.
                while let Ok(job) = inbox.recv() {
                    job(&mut state);
                }
            })
            .context("starting the PostgreSQL connection's thread")?;
        started
            .recv()
            .map_err(|_| anyhow::anyhow!("the PostgreSQL connection's thread ended"))??;
        Ok(PgClient { jobs, shown })
    }

    /// Run `f` on the connection's thread and wait for its answer.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgState) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |s: &mut PgState| {
                let _ = tx.send(f(s));
            }))
            .map_err(|_| anyhow::anyhow!("the connection to {} is closed", self.shown))?;
        rx.recv()
            .map_err(|_| anyhow::anyhow!("the connection to {} ended mid-statement", self.shown))?
    }

    fn execute(&self, sql: String, p: Vec<Value<'static>>) -> anyhow::Result<usize> {
        self.run(move |s| {
            let st = s.statement(&sql)?;
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = p.iter().map(|v| v as _).collect();
            Ok(s.client.execute(&st, &refs).with_context(|| first_words(&sql))? as usize)
        })
    }

    fn query(&self, sql: String, p: Vec<Value<'static>>) -> anyhow::Result<Vec<Vec<Value<'static>>>> {
        self.run(move |s| {
            let st = s.statement(&sql)?;
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = p.iter().map(|v| v as _).collect();
            let rows = s.client.query(&st, &refs).with_context(|| first_words(&sql))?;
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get::<_, Value<'static>>(i).map_err(anyhow::Error::new))
                        .collect()
                })
                .collect()
        })
    }
}

fn first_words(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().take(8).collect();
    format!("running {} …", words.join(" "))
}

pub use crate::config::shown_url;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_read_as_postgresql() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ?1 AND c = '?' AND d < ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d < $12"
        );
        assert_eq!(
            pg_sql("INSERT OR IGNORE INTO t (a) VALUES (?1)"),
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            pg_sql("WHERE json_extract(e.edit, '$.action') = 'split' AND instr(title, ?1) > 0"),
            "WHERE (e.edit::jsonb ->> 'action') = 'split' AND strpos(title, $1) > 0"
        );
        assert!(
            pg_sql("id IN (SELECT value FROM json_each(?1))").contains("jsonb_array_elements_text(CAST($1 AS text)")
        );
    }

    #[test]
    fn a_password_is_never_shown() {
        let shown = shown_url("postgres://banyue:secret@127.0.0.1:5432/banyue");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
