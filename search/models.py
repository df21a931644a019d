"""Tables of the embedded backend. Rows are written only by ``search.backends.embedded``; the full-text
indexes over their segmented text (an FTS5 table on SQLite, a GIN index over ``to_tsvector('simple', …)``
on PostgreSQL) are created by migration 0002 for the database in use."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    key = models.CharField(max_length=64, unique=True)
    page_id = models.IntegerField(db_index=True)
    content_type = models.CharField(max_length=16, db_index=True)
    title = models.CharField(max_length=500)
    title_tokens = models.TextField()
    title_key = models.CharField(max_length=500, db_index=True)  # groups versions of one document
    doc_number = models.CharField(max_length=100, blank=True)
    doc_number_key = models.CharField(max_length=100, blank=True, db_index=True)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    issuer = models.CharField(max_length=200, blank=True, db_index=True)
    issue_date = models.DateField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    year = models.IntegerField(null=True, blank=True, db_index=True)
    validity = models.CharField(max_length=16, blank=True)
    version = models.CharField(max_length=50, blank=True)  # 2023年版
    # The version's own date (effective, else issued, else 1 January of the version note's year): of the
    # versions of one title in force, the latest is the current one.
    version_date = models.DateField(null=True, blank=True)
    url = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    live = models.BooleanField(default=True)
    restricted = models.BooleanField(default=False)  # True: only the subtrees in allowed_paths see it
    updated_at = models.DateTimeField(null=True, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "search entry"

    def __str__(self) -> str:
        return self.key


class SearchAllowedPath(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="allowed_paths")
    path = models.CharField(max_length=255, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "path"], name="search_allowed_path_unique")]

    def __str__(self) -> str:
        return self.path


class SearchPassage(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="passages")
    position = models.IntegerField()
    label = models.CharField(max_length=100, blank=True, db_index=True)
    chapter = models.CharField(max_length=200, blank=True)
    anchor = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    norm = models.TextField()  # text.normalize(): what remembered phrases are matched against
    tokens = models.TextField()

    class Meta:
        ordering = ["entry", "position"]

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.position}"


class PendingIndex(models.Model):
    """A page whose indexing failed because the engine could not be reached. The task retries on its
    own; whatever is still here is indexed by the catch-up sweep (beat ``search-catch-up`` and
    ``manage.py search_index --catch-up``) once the engine answers. ``index_page`` both indexes and
    removes (a page that is gone or unpublished), so the page id is all that needs keeping."""

    page_id = models.IntegerField(unique=True)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(auto_now_add=True)
    last_failed_at = models.DateTimeField()

    class Meta:
        verbose_name = "pending index update"
        ordering = ["first_failed_at", "id"]

    def __str__(self) -> str:
        return f"page {self.page_id}"


class QueryTerm(models.Model):
    """A word of the search's vocabulary an administrator added (merged with ``search/data/query_terms.txt``):
    an alias naming a document, a synonym of everyday wording, or a word that marks a query about party work."""

    class Kind(models.TextChoices):
        ALIAS = "aliases", _("Alias or abbreviation of a document")
        SYNONYM = "synonyms", _("Synonym")
        PARTY = "party", _("Party-work word")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    term = models.CharField(_("term"), max_length=50, help_text=_("As members type it, e.g. 党章 or 交党费."))
    expansion = models.CharField(
        _("means"), max_length=500, blank=True,
        help_text=_("Alias: the full title of the document; synonym: the wording regulations use. Several "
                    "separated by |. Empty for a party-work word."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        constraints = [models.UniqueConstraint(fields=["kind", "term"], name="search_query_term_unique")]

    def __str__(self) -> str:
        return f"{self.term} = {self.expansion}" if self.expansion else self.term

    def values(self) -> list[str]:
        return [v.strip() for v in self.expansion.split("|") if v.strip()]
