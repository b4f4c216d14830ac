//! The writer's own SQLite connection, called in place on the writer's thread.
//!
//! sqlx runs every SQLite connection on a worker thread of its own and hands each statement to
//! it and back: two thread wake-ups per statement, measured at about 45 µs against a few µs of
//! SQLite work (docs/performance.md). The engine's writer is a thread of its own already, so its
//! connection is opened here with rusqlite and called directly, with prepared statements cached.
//!
//! The API mirrors the part of sqlx's that the store macros use (`query`, `query_scalar`,
//! `query_as`, `QueryBuilder`, `Row::try_get`), so the SQL of every store stays written once and
//! is expanded for this connection as for sqlx's. Statements run when their future is created:
//! the futures are `Ready`, so an `.await` on them never yields.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use std::borrow::Cow;
use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::sync::Arc;

/// Statements kept prepared (the stores have about a hundred distinct ones).
const STATEMENT_CACHE_CAPACITY: usize = 512;
/// Column layouts kept by statement text, at most (past it the table starts over).
const COLUMNS_CACHE_CAPACITY: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("column {column}: {detail}")]
    Decode { column: String, detail: String },
    #[error("no row returned by a query that expected one")]
    RowNotFound,
    #[error("parameter {0}: only ?, ?NNN and $NNN parameters are supported")]
    Parameter(String),
}

impl Error {
    /// A UNIQUE or PRIMARY KEY constraint refused the write (as sqlx classifies it).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    }

    /// SQLite's own words for the failure.
    pub fn message(&self) -> String {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(_, Some(m))) => m.clone(),
            other => other.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The writer's connection.
pub struct Connection {
    inner: rusqlite::Connection,
    /// The column layout of each statement that returns rows, by its text: rows share it, and
    /// a column is found by name with one hash look-up.
    columns: TextMap<Arc<Columns>>,
    /// For each statement text, the argument each parameter takes (see [`bind`]): worked out once,
    /// as SQLite finds a parameter's name by a linear search.
    params: TextMap<Arc<[usize]>>,
}

/// Maps keyed by statement text, looked up on every statement: a fast hash.
type TextMap<V> = std::collections::HashMap<String, V, foldhash::fast::RandomState>;

/// The columns of a statement's rows.
#[derive(Debug)]
pub struct Columns {
    names: Vec<String>,
    /// The first position of each name (foldhash: rows are read by column name, and SipHash
    /// showed in the writer's profile).
    by_name: TextMap<usize>,
}

impl Columns {
    fn of(stmt: &rusqlite::Statement<'_>) -> Columns {
        let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut by_name = TextMap::with_capacity_and_hasher(names.len(), Default::default());
        for (i, name) in names.iter().enumerate() {
            by_name.entry(name.clone()).or_insert(i);
        }
        Columns { names, by_name }
    }
}

impl Connection {
    pub fn new(inner: rusqlite::Connection) -> Connection {
        inner.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        Connection {
            inner,
            columns: TextMap::default(),
            params: TextMap::default(),
        }
    }

    /// Runs statements without parameters (transaction control, pragmas).
    pub fn execute_batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.inner.execute_batch(sql)?)
    }

    pub fn raw(&mut self) -> &mut rusqlite::Connection {
        &mut self.inner
    }

    pub fn into_inner(self) -> rusqlite::Connection {
        self.inner
    }

    fn run(&mut self, sql: &str, args: &[Arg<'_>], rows: bool) -> Result<Outcome> {
        let mut stmt = self.inner.prepare_cached(sql)?;
        let slots = match self.params.get(sql) {
            Some(known) => known.clone(),
            None => {
                let fresh: Arc<[usize]> = parameter_slots(&stmt)?.into();
                if self.params.len() >= COLUMNS_CACHE_CAPACITY {
                    self.params.clear();
                }
                self.params.insert(sql.to_string(), fresh.clone());
                fresh
            }
        };
        bind(&mut stmt, args, &slots)?;
        if !rows {
            let changed = stmt.raw_execute()?;
            return Ok(Outcome::Done(Done {
                rows_affected: changed as u64,
            }));
        }
        let columns = match self.columns.get(sql) {
            Some(known) => known.clone(),
            None => {
                let fresh = Arc::new(Columns::of(&stmt));
                if self.columns.len() >= COLUMNS_CACHE_CAPACITY {
                    self.columns.clear();
                }
                self.columns.insert(sql.to_string(), fresh.clone());
                fresh
            }
        };
        let width = columns.names.len();
        let mut found = Vec::new();
        let mut cursor = stmt.raw_query();
        while let Some(row) = cursor.next()? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(Value::from(row.get_ref(i)?));
            }
            found.push(Row {
                columns: columns.clone(),
                values,
            });
        }
        Ok(Outcome::Rows(found))
    }
}

enum Outcome {
    Done(Done),
    Rows(Vec<Row>),
}

/// Which argument each of the statement's parameters takes (1-based), the way sqlx binds for
/// SQLite: an anonymous `?` takes the next argument, `?NNN` and `$NNN` the NNNth (so `$1` may
/// appear twice).
fn parameter_slots(stmt: &rusqlite::Statement<'_>) -> Result<Vec<usize>> {
    let mut next = 0usize;
    let mut slots = Vec::with_capacity(stmt.parameter_count());
    for index in 1..=stmt.parameter_count() {
        let n = match stmt.parameter_name(index) {
            None => {
                next += 1;
                next
            }
            Some(name) => {
                let digits = name
                    .strip_prefix('?')
                    .or_else(|| name.strip_prefix('$'))
                    .ok_or_else(|| Error::Parameter(name.to_string()))?;
                digits
                    .parse::<usize>()
                    .map_err(|_| Error::Parameter(name.to_string()))?
            }
        };
        slots.push(n);
    }
    Ok(slots)
}

/// Binds `args` by the statement's [`parameter_slots`]; parameters past the arguments stay NULL.
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg<'_>], slots: &[usize]) -> Result<()> {
    for (index, n) in slots.iter().enumerate() {
        match args.get(n.wrapping_sub(1)) {
            Some(arg) => stmt.raw_bind_parameter(index + 1, arg)?,
            None => break,
        }
    }
    Ok(())
}

/// What an `execute` changed.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A bound argument; text is borrowed when the caller lends it for the query's life.
#[derive(Debug, Clone)]
pub enum Arg<'q> {
    Null,
    Integer(i64),
    Text(Cow<'q, str>),
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Arg::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Arg::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

/// A value that can be bound to a parameter.
pub trait Encode<'q> {
    fn encode(self) -> Arg<'q>;
}

impl<'q> Encode<'q> for &'q str {
    fn encode(self) -> Arg<'q> {
        Arg::Text(Cow::Borrowed(self))
    }
}
impl<'q> Encode<'q> for &'q String {
    fn encode(self) -> Arg<'q> {
        Arg::Text(Cow::Borrowed(self.as_str()))
    }
}
impl<'q> Encode<'q> for String {
    fn encode(self) -> Arg<'q> {
        Arg::Text(Cow::Owned(self))
    }
}
impl<'q> Encode<'q> for i64 {
    fn encode(self) -> Arg<'q> {
        Arg::Integer(self)
    }
}
impl<'q> Encode<'q> for &'q i64 {
    fn encode(self) -> Arg<'q> {
        Arg::Integer(*self)
    }
}
impl<'q> Encode<'q> for i32 {
    fn encode(self) -> Arg<'q> {
        Arg::Integer(i64::from(self))
    }
}
impl<'q> Encode<'q> for bool {
    fn encode(self) -> Arg<'q> {
        Arg::Integer(i64::from(self))
    }
}
impl<'q, T: Encode<'q>> Encode<'q> for Option<T> {
    fn encode(self) -> Arg<'q> {
        match self {
            Some(v) => v.encode(),
            None => Arg::Null,
        }
    }
}
impl<'q> Encode<'q> for &'q Option<String> {
    fn encode(self) -> Arg<'q> {
        self.as_deref().encode()
    }
}

/// A value a column decodes into.
pub trait Decode: Sized {
    fn decode(value: &Value) -> std::result::Result<Self, String>;
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Integer(_) => "INTEGER",
        Value::Real(_) => "REAL",
        Value::Text(_) => "TEXT",
        Value::Blob(_) => "BLOB",
    }
}

impl Decode for String {
    fn decode(value: &Value) -> std::result::Result<Self, String> {
        match value {
            Value::Text(t) => Ok(t.clone()),
            other => Err(format!("expected TEXT, found {}", kind(other))),
        }
    }
}
impl Decode for i64 {
    fn decode(value: &Value) -> std::result::Result<Self, String> {
        match value {
            Value::Integer(i) => Ok(*i),
            other => Err(format!("expected INTEGER, found {}", kind(other))),
        }
    }
}
impl Decode for i32 {
    fn decode(value: &Value) -> std::result::Result<Self, String> {
        let wide = i64::decode(value)?;
        i32::try_from(wide).map_err(|_| format!("{wide} does not fit in 32 bits"))
    }
}
impl Decode for bool {
    fn decode(value: &Value) -> std::result::Result<Self, String> {
        match i64::decode(value)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(format!("{other} is not a boolean")),
        }
    }
}
impl<T: Decode> Decode for Option<T> {
    fn decode(value: &Value) -> std::result::Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::decode(other).map(Some),
        }
    }
}

/// A column named or numbered.
pub trait ColumnIndex {
    fn position(&self, columns: &Columns) -> Option<usize>;
    fn describe(&self) -> String;
}
impl ColumnIndex for &str {
    fn position(&self, columns: &Columns) -> Option<usize> {
        columns.by_name.get(*self).copied()
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}
impl ColumnIndex for usize {
    fn position(&self, columns: &Columns) -> Option<usize> {
        (*self < columns.names.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("#{self}")
    }
}

/// A row read, its values owned.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<Columns>,
    values: Vec<Value>,
}

impl Row {
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T> {
        let at = index.position(&self.columns).ok_or_else(|| Error::Decode {
            column: index.describe(),
            detail: "no such column".into(),
        })?;
        T::decode(&self.values[at]).map_err(|detail| Error::Decode {
            column: index.describe(),
            detail,
        })
    }
}

/// A statement and its arguments.
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Arg<'q>>,
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
    }
}

impl<'q> Query<'q> {
    pub fn bind<T: Encode<'q>>(mut self, value: T) -> Self {
        self.args.push(value.encode());
        self
    }

    pub fn execute(self, conn: &mut Connection) -> Ready<Result<Done>> {
        ready(conn.run(&self.sql, &self.args, false).map(|o| match o {
            Outcome::Done(done) => done,
            Outcome::Rows(_) => unreachable!("run without rows answers Done"),
        }))
    }

    fn rows(self, conn: &mut Connection) -> Result<Vec<Row>> {
        match conn.run(&self.sql, &self.args, true)? {
            Outcome::Rows(rows) => Ok(rows),
            Outcome::Done(_) => unreachable!("run with rows answers Rows"),
        }
    }

    pub fn fetch_all(self, conn: &mut Connection) -> Ready<Result<Vec<Row>>> {
        ready(self.rows(conn))
    }

    pub fn fetch_optional(self, conn: &mut Connection) -> Ready<Result<Option<Row>>> {
        ready(self.rows(conn).map(|rows| rows.into_iter().next()))
    }

    pub fn fetch_one(self, conn: &mut Connection) -> Ready<Result<Row>> {
        ready(
            self.rows(conn)
                .and_then(|rows| rows.into_iter().next().ok_or(Error::RowNotFound)),
        )
    }
}

/// A query whose rows decode as a tuple.
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self>;
}
impl<A: Decode, B: Decode> FromRow for (A, B) {
    fn from_row(row: &Row) -> Result<Self> {
        Ok((row.try_get(0usize)?, row.try_get(1usize)?))
    }
}
impl<A: Decode, B: Decode, C: Decode> FromRow for (A, B, C) {
    fn from_row(row: &Row) -> Result<Self> {
        Ok((
            row.try_get(0usize)?,
            row.try_get(1usize)?,
            row.try_get(2usize)?,
        ))
    }
}

pub struct QueryAs<'q, T> {
    inner: Query<'q>,
    _row: PhantomData<T>,
}

pub fn query_as<T: FromRow>(sql: &str) -> QueryAs<'_, T> {
    QueryAs {
        inner: query(sql),
        _row: PhantomData,
    }
}

impl<'q, T: FromRow> QueryAs<'q, T> {
    pub fn bind<V: Encode<'q>>(mut self, value: V) -> Self {
        self.inner = self.inner.bind(value);
        self
    }
    pub fn fetch_all(self, conn: &mut Connection) -> Ready<Result<Vec<T>>> {
        ready(
            self.inner
                .rows(conn)
                .and_then(|rows| rows.iter().map(T::from_row).collect()),
        )
    }
    pub fn fetch_one(self, conn: &mut Connection) -> Ready<Result<T>> {
        ready(
            self.inner
                .rows(conn)
                .and_then(|rows| rows.first().ok_or(Error::RowNotFound).and_then(T::from_row)),
        )
    }
}

/// A query whose rows are one value each.
pub struct QueryScalar<'q, T> {
    inner: Query<'q>,
    _value: PhantomData<T>,
}

pub fn query_scalar<T: Decode>(sql: &str) -> QueryScalar<'_, T> {
    QueryScalar {
        inner: query(sql),
        _value: PhantomData,
    }
}

impl<'q, T: Decode> QueryScalar<'q, T> {
    pub fn bind<V: Encode<'q>>(mut self, value: V) -> Self {
        self.inner = self.inner.bind(value);
        self
    }
    pub fn fetch_one(self, conn: &mut Connection) -> Ready<Result<T>> {
        ready(self.inner.rows(conn).and_then(|rows| {
            rows.first()
                .ok_or(Error::RowNotFound)
                .and_then(|r| r.try_get(0usize))
        }))
    }
    pub fn fetch_optional(self, conn: &mut Connection) -> Ready<Result<Option<T>>> {
        ready(
            self.inner
                .rows(conn)
                .and_then(|rows| rows.first().map(|r| r.try_get(0usize)).transpose()),
        )
    }
    pub fn fetch_all(self, conn: &mut Connection) -> Ready<Result<Vec<T>>> {
        ready(
            self.inner
                .rows(conn)
                .and_then(|rows| rows.iter().map(|r| r.try_get(0usize)).collect()),
        )
    }
}

/// The marker the store macros name as the backend of this connection's [`QueryBuilder`].
pub struct Direct;

/// Builds a statement of varying shape (multi-row inserts, `IN` lists, optional filters), with
/// anonymous `?` parameters in the order they are pushed.
pub struct QueryBuilder<'q, DB = Direct> {
    sql: String,
    args: Vec<Arg<'q>>,
    _db: PhantomData<DB>,
}

impl<'q, DB> QueryBuilder<'q, DB> {
    pub fn new(init: impl Into<String>) -> Self {
        QueryBuilder {
            sql: init.into(),
            args: Vec::new(),
            _db: PhantomData,
        }
    }

    pub fn push(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    pub fn push_bind<T: Encode<'q>>(&mut self, value: T) -> &mut Self {
        self.args.push(value.encode());
        self.sql.push('?');
        self
    }

    /// `sep`-separated items, each pushed with [`Separated::push_bind`] or [`Separated::push`].
    pub fn separated<'b>(&'b mut self, sep: &'static str) -> Separated<'b, 'q, DB> {
        Separated {
            builder: self,
            sep,
            first: true,
        }
    }

    /// `VALUES (…), (…)`: one parenthesised tuple per item.
    pub fn push_values<I, F>(&mut self, items: I, mut push_tuple: F) -> &mut Self
    where
        I: IntoIterator,
        F: FnMut(Separated<'_, 'q, DB>, I::Item),
    {
        self.sql.push_str("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.sql.push('(');
            push_tuple(self.separated(", "), item);
            self.sql.push(')');
        }
        self
    }

    /// The statement, taking the arguments pushed so far (as sqlx's builder, it is built once).
    pub fn build(&mut self) -> Query<'_> {
        Query {
            sql: Cow::Borrowed(self.sql.as_str()),
            args: std::mem::take(&mut self.args),
        }
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}

pub struct Separated<'b, 'q, DB> {
    builder: &'b mut QueryBuilder<'q, DB>,
    sep: &'static str,
    first: bool,
}

impl<'q, DB> Separated<'_, 'q, DB> {
    fn separate(&mut self) {
        if !self.first {
            self.builder.sql.push_str(self.sep);
        }
        self.first = false;
    }

    pub fn push_bind<T: Encode<'q>>(&mut self, value: T) -> &mut Self {
        self.separate();
        self.builder.push_bind(value);
        self
    }

    pub fn push(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        self.separate();
        self.builder.push(sql);
        self
    }

    /// SQL inside the current item (no separator first).
    pub fn push_unseparated(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        self.builder.push(sql);
        self
    }

    /// A parameter inside the current item (no separator first).
    pub fn push_bind_unseparated<T: Encode<'q>>(&mut self, value: T) -> &mut Self {
        self.builder.push_bind(value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Connection {
        crate::sqlite::page_cache::install();
        Connection::new(rusqlite::Connection::open_in_memory().unwrap())
    }

    #[tokio::test]
    async fn numbered_parameters_bind_by_number_and_repeat() {
        let mut c = memory();
        c.execute_batch("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)")
            .unwrap();
        query("INSERT INTO t (c, b, a) VALUES ($3, $2, $1)")
            .bind("first")
            .bind(7i64)
            .bind(Some("third"))
            .execute(&mut c)
            .await
            .unwrap();
        let row = query("SELECT * FROM t WHERE ($1 IS NULL OR a = $1) AND b = $2")
            .bind(Some("first"))
            .bind(7i64)
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(row.try_get::<String, _>("a").unwrap(), "first");
        assert_eq!(row.try_get::<i64, _>("b").unwrap(), 7);
        assert_eq!(
            row.try_get::<Option<String>, _>("c").unwrap().as_deref(),
            Some("third")
        );
        let none: Option<String> = query_scalar("SELECT a FROM t WHERE b = $1")
            .bind(8i64)
            .fetch_optional(&mut c)
            .await
            .unwrap();
        assert_eq!(none, None);
    }

    #[tokio::test]
    async fn builder_values_and_lists() {
        let mut c = memory();
        c.execute_batch("CREATE TABLE t (a TEXT PRIMARY KEY, b INTEGER)")
            .unwrap();
        let items = [("x", 1i64), ("y", 2), ("z", 3)];
        let mut qb = QueryBuilder::<Direct>::new("INSERT INTO t (a, b) ");
        qb.push_values(items, |mut b, (a, n)| {
            b.push_bind(a).push_bind(n);
        });
        assert_eq!(
            qb.sql(),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)"
        );
        assert_eq!(qb.build().execute(&mut c).await.unwrap().rows_affected(), 3);
        let mut qb = QueryBuilder::<Direct>::new("SELECT a, b FROM t WHERE a IN (");
        let mut list = qb.separated(", ");
        list.push_bind("x").push_bind("z".to_string());
        qb.push(") ORDER BY a");
        let rows: Vec<(String, i64)> = qb
            .build()
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| <(String, i64)>::from_row(r).unwrap())
            .collect();
        assert_eq!(rows, vec![("x".into(), 1), ("z".into(), 3)]);
        // A name that appears twice reads its first column, in every row of the statement.
        for _ in 0..2 {
            let row = query("SELECT b, a, a AS b FROM t WHERE a = $1")
                .bind("y")
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(row.try_get::<i64, _>("b").unwrap(), 2);
            assert_eq!(row.try_get::<String, _>(2usize).unwrap(), "y");
        }
    }

    #[tokio::test]
    async fn unique_violations_are_told_apart_and_types_are_strict() {
        let mut c = memory();
        c.execute_batch("CREATE TABLE t (a TEXT PRIMARY KEY, b INTEGER NOT NULL)")
            .unwrap();
        query("INSERT INTO t VALUES ($1, $2)")
            .bind("k")
            .bind(1i64)
            .execute(&mut c)
            .await
            .unwrap();
        let dup = query("INSERT INTO t VALUES ($1, $2)")
            .bind("k")
            .bind(2i64)
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(dup.is_unique_violation(), "{dup}");
        let null = query("INSERT INTO t VALUES ($1, $2)")
            .bind("m")
            .bind(None::<i64>)
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(!null.is_unique_violation(), "{null}");
        let row = query("SELECT * FROM t").fetch_one(&mut c).await.unwrap();
        assert!(row.try_get::<i64, _>("a").is_err());
        assert!(row.try_get::<String, _>("missing").is_err());
        let missing = query("SELECT * FROM t WHERE a = 'nope'")
            .fetch_one(&mut c)
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::RowNotFound));
    }
}
