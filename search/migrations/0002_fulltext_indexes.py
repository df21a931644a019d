"""Full-text indexes for the embedded backend, for whichever database is in use: FTS5 tables kept in
step by triggers on SQLite (unicode61 over the jieba-segmented text, never the trigram tokenizer), GIN
indexes over ``to_tsvector('simple', …)`` of the same segmented text on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_passage_fts USING fts5(tokens, content='search_searchpassage', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_passage_ai AFTER INSERT ON search_searchpassage BEGIN "
    "INSERT INTO search_passage_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_passage_ad AFTER DELETE ON search_searchpassage BEGIN "
    "INSERT INTO search_passage_fts(search_passage_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_passage_au AFTER UPDATE ON search_searchpassage BEGIN "
    "INSERT INTO search_passage_fts(search_passage_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_passage_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE VIRTUAL TABLE search_passage_vocab USING fts5vocab(search_passage_fts, 'row')",
    "CREATE VIRTUAL TABLE search_title_fts USING fts5(title_tokens, content='search_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_title_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens); END",
    "CREATE TRIGGER search_title_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_title_fts(search_title_fts, rowid, title_tokens) VALUES ('delete', old.id, old.title_tokens); END",
    "CREATE TRIGGER search_title_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_title_fts(search_title_fts, rowid, title_tokens) VALUES ('delete', old.id, old.title_tokens); "
    "INSERT INTO search_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_passage_ai", "DROP TRIGGER IF EXISTS search_passage_ad",
    "DROP TRIGGER IF EXISTS search_passage_au", "DROP TABLE IF EXISTS search_passage_vocab",
    "DROP TABLE IF EXISTS search_passage_fts",
    "DROP TRIGGER IF EXISTS search_title_ai", "DROP TRIGGER IF EXISTS search_title_ad",
    "DROP TRIGGER IF EXISTS search_title_au", "DROP TABLE IF EXISTS search_title_fts",
]
POSTGRES_UP = [
    "CREATE INDEX search_passage_tsv ON search_searchpassage USING gin (to_tsvector('simple'::regconfig, tokens))",
    "CREATE INDEX search_title_tsv ON search_searchentry USING gin (to_tsvector('simple'::regconfig, title_tokens))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_passage_tsv", "DROP INDEX IF EXISTS search_title_tsv"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_embedded_tables")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
