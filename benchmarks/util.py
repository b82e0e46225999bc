class QueryCounter:
    """Counts the SQL statements run inside the block. (Django's CaptureQueriesContext reads
    connection.queries, which each request resets at its start.)"""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def _wrapper(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self._wrapper)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def database_url(name: str) -> str:
    """BENCH_DATABASE_URL, else a scratch PostgreSQL database when one answers, else SQLite."""
    import os
    import socket
    import tempfile

    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    try:
        socket.create_connection(("127.0.0.1", 5432), 1).close()
        return f"postgres://postgres@127.0.0.1:5432/{name}"
    except OSError:
        return f"sqlite:///{tempfile.mkdtemp()}/{name}.sqlite3"


def fresh_database(url: str) -> None:
    """Drop and create a PostgreSQL database (SQLite files are new anyway)."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
