"""Versions of a document in the index (its version note and date, from which the current version is found at
query time), an index on passage labels (article references: 第十二条), and the administrators' search terms.

The columns are added with plain ``ALTER TABLE … ADD COLUMN`` and ``CREATE INDEX`` (the state is told separately):
on SQLite Django's ``AddField``/``AlterField`` would rebuild the tables and drop the FTS5 triggers of 0002."""

from django.db import migrations, models

ADD = [
    "ALTER TABLE search_searchentry ADD COLUMN version varchar(50) NOT NULL DEFAULT ''",
    "ALTER TABLE search_searchentry ADD COLUMN version_date date NULL",
    "CREATE INDEX search_searchpassage_label_idx ON search_searchpassage (label)",
]
DROP = [
    "DROP INDEX IF EXISTS search_searchpassage_label_idx",
    "ALTER TABLE search_searchentry DROP COLUMN version_date",
    "ALTER TABLE search_searchentry DROP COLUMN version",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0003_pending_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField("searchentry", "version", models.CharField(blank=True, max_length=50)),
                migrations.AddField("searchentry", "version_date", models.DateField(blank=True, null=True)),
                migrations.AlterField("searchpassage", "label", models.CharField(blank=True, db_index=True, max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name='QueryTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('aliases', 'Alias or abbreviation of a document'), ('synonyms', 'Synonym'), ('party', 'Party-work word')], max_length=10, verbose_name='kind')),
                ('term', models.CharField(help_text='As members type it, e.g. 党章 or 交党费.', max_length=50, verbose_name='term')),
                ('expansion', models.CharField(blank=True, help_text='Alias: the full title of the document; synonym: the wording regulations use. Several separated by |. Empty for a party-work word.', max_length=500, verbose_name='means')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'search term',
                'verbose_name_plural': 'search terms',
                'constraints': [models.UniqueConstraint(fields=('kind', 'term'), name='search_query_term_unique')],
            },
        ),
    ]
