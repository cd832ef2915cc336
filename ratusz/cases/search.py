"""Full-text search over cases: marks, titles, parties, incoming numbers and document text.

One index row per case, rebuilt from the case's current rows after each commit that
changes it (`index_case_by_id`), or in bulk (`index_cases_in_range`). The tables are made
by migration 0003_search and are not Django models:

- SQLite: the FTS5 table `cases_search` (rowid = case id), tokenizer `unicode61
  remove_diacritics 2`; every word of a query is a prefix ("warun" finds "warunki").
- PostgreSQL: `cases_searchdocument` with a weighted tsvector in the `polish`
  configuration (ispell dictionary from Debian's hunspell-pl, so "wniosku" finds
  "wniosek"; the `simple` configuration when the dictionary is missing), a trigram index
  for typos in marks and titles, and the row-level security wall of every tenant table.

`search_cases` returns the matching cases the user may see, best first. A word that looks
like a case mark ("GK.6220.1.2026", or its beginning "GK.6220") matches marks exactly or
by prefix.
"""

# The SQL below is assembled from this module's constants only; what people type travels
# as query parameters, never as SQL text.
# ruff: noqa: S608, S611

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ratusz.cases import selectors
from ratusz.cases.models import Case
from ratusz.core.tenancy import RLS_SETTING, tenant_context

logger = logging.getLogger(__name__)

#: Words too common to search for; there is no Polish stop-word file in PostgreSQL.
POLISH_STOP_WORDS = frozenset([
    "a", "aby", "ale", "albo", "ani", "bez", "bo", "by", "być", "byc", "czy", "dla", "do",
    "go", "i", "ich", "ja", "jak", "je", "jego", "jej", "jest", "już", "juz", "lub", "ma",
    "mi", "na", "nad", "nie", "o", "od", "oraz", "po", "pod", "przed", "przez", "przy", "się",
    "sie", "są", "sa", "ta", "tak", "te", "tego", "to", "tu", "tym", "u", "w", "we", "z", "za",
    "ze", "że",
])

#: "GK.6220.1.2026", "GK.6220", "RPW/12/2026": a mark or register number, or its beginning.
MARK_PATTERN = re.compile(r"^\w+(?:[./]\w+)+[./]?$")
WORD_PATTERN = re.compile(r"\w+")
#: Document text kept in the index per case (a tsvector holds at most 1 MB).
MAX_DOCUMENT_CHARS = 200_000
#: SQLite's bm25 weights for the columns municipality_id, mark, title, parties, documents.
FTS5_WEIGHTS = "0.0, 10.0, 5.0, 3.0, 1.0"

#: How alike a typed word and a word of a title must be to count as a typo (pg_trgm).
WORD_SIMILARITY_THRESHOLD = 0.5

_configurations: dict[str, str] = {}


# --- Indexing ---------------------------------------------------------------------------

def index_case_by_id(case_id: int) -> None:
    """Refresh the search index of one case (called after commit; safe to run twice)."""
    index_cases([case_id])


@transaction.atomic(durable=True)
def index_cases(case_ids: Iterable[int]) -> None:
    """Rebuild the index rows of these cases from their current data, in a transaction of
    its own (it runs after the write that changed them has committed)."""
    ids = sorted({int(case_id) for case_id in case_ids})
    if ids:
        _refresh("IN ({})".format(", ".join(["%s"] * len(ids))), ids)


def index_cases_in_range(first_id: int, last_id: int) -> None:
    """Rebuild the index rows of the cases with first_id <= id <= last_id (bulk loads,
    alone or inside the loader's own transaction)."""
    _refresh("BETWEEN %s AND %s", [first_id, last_id])


@contextlib.contextmanager
def _wall_opened_for_indexing() -> Iterator[None]:
    """Indexing is system work keyed by case ids that come from services, not people: if
    no gmina is set on the connection (a task, a script), read and write for all."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [RLS_SETTING])
        (value,) = cursor.fetchone()
    if value:
        yield
    else:
        with tenant_context(None, all_municipalities=True):
            yield


def _refresh(id_condition: str, params: list) -> None:
    # The delete and the insert go together: a savepoint inside `index_cases` or a bulk
    # loader's transaction, the whole transaction when a loader indexes on its own.
    if connection.vendor == "postgresql":
        with _wall_opened_for_indexing(), transaction.atomic():
            configuration = text_search_configuration()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM cases_searchdocument WHERE case_id {id_condition}", params)
                cursor.execute(_postgres_index_sql(id_condition, configuration), params)
    elif connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM cases_search WHERE rowid {id_condition}", params)
            cursor.execute(_sqlite_index_sql(id_condition), params)


def text_search_configuration() -> str:
    """`polish` when migration 0003 could build it from hunspell-pl, else `simple`."""
    key = f"{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('PORT')}/" \
          f"{connection.settings_dict.get('NAME')}"
    if key not in _configurations:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'polish'")
            found = cursor.fetchone() is not None
        if not found:
            logger.warning("search.polish_configuration_missing: using 'simple'")
        _configurations[key] = "polish" if found else "simple"
    return _configurations[key]


_CURRENT_VERSION = ("v.number = (SELECT max(v2.number) FROM cases_documentversion v2 "
                    "WHERE v2.document_id = v.document_id)")


def _postgres_index_sql(id_condition: str, configuration: str) -> str:
    def vector(text: str, weight: str) -> str:
        return f"setweight(to_tsvector('{configuration}', {text}), '{weight}')"

    # The mark goes in whole ("gk.6220.1.2026", one token of the parser) and split into
    # its parts, so that "6220" or "GK" alone find it too.
    heading = ("c.mark || ' ' || replace(c.mark, '.', ' ') || ' ' || c.title || ' ' || "
               "coalesce(i.number || ' ' || replace(i.number, '/', ' '), '')")
    names = "coalesce(p.names, '') || ' ' || coalesce(s.names, '')"
    texts = f"left(coalesce(d.texts, ''), {MAX_DOCUMENT_CHARS})"
    person = "concat_ws(' ', organisation_name, first_name, last_name)"
    return f"""
        INSERT INTO cases_searchdocument (case_id, municipality_id, mark, searchable, document)
        SELECT c.id, c.municipality_id, upper(c.mark), lower(c.mark || ' ' || c.title),
               {vector(heading, 'A')} || {vector(names, 'B')}
               || {vector('c.description', 'C')} || {vector(texts, 'D')}
        FROM cases_case c
        LEFT JOIN cases_incomingentry i ON i.id = c.incoming_id
        LEFT JOIN LATERAL (SELECT string_agg({person}, ' ') AS names FROM cases_caseparty
                           WHERE case_id = c.id) p ON true
        LEFT JOIN LATERAL (SELECT string_agg({person}, ' ') AS names FROM cases_incomingsender
                           WHERE entry_id = c.incoming_id) s ON true
        LEFT JOIN LATERAL (SELECT string_agg(d.title || ' ' || v.text, ' ') AS texts
                           FROM cases_document d
                           JOIN cases_documentversion v ON v.document_id = d.id
                           WHERE d.case_id = c.id AND {_CURRENT_VERSION}) d ON true
        WHERE c.id {id_condition}
    """


def _sqlite_index_sql(id_condition: str) -> str:
    person = "organisation_name || ' ' || first_name || ' ' || last_name"
    return f"""
        INSERT INTO cases_search (rowid, municipality_id, mark, title, parties, documents)
        SELECT c.id, c.municipality_id, c.mark || ' ' || coalesce(i.number, ''), c.title,
               coalesce((SELECT group_concat({person}, ' ') FROM cases_caseparty
                         WHERE case_id = c.id), '') || ' ' ||
               coalesce((SELECT group_concat({person}, ' ') FROM cases_incomingsender
                         WHERE entry_id = c.incoming_id), ''),
               c.description || ' ' ||
               substr(coalesce((SELECT group_concat(d.title || ' ' || v.text, ' ')
                                FROM cases_document d
                                JOIN cases_documentversion v ON v.document_id = d.id
                                WHERE d.case_id = c.id AND {_CURRENT_VERSION}), ''),
                      1, {MAX_DOCUMENT_CHARS})
        FROM cases_case c
        LEFT JOIN cases_incomingentry i ON i.id = c.incoming_id
        WHERE c.id {id_condition}
    """


# --- Searching --------------------------------------------------------------------------

def parse_query(query: str) -> tuple[list[str], list[str]]:
    """Split what a person typed into mark-like tokens and words (stop words dropped)."""
    marks: list[str] = []
    words: list[str] = []
    for token in (query or "").split()[:20]:
        token = token.strip("\"'(),;:")
        if MARK_PATTERN.match(token) and any(ch.isdigit() for ch in token):
            marks.append(token.rstrip("./").upper())
        else:
            words.extend(word for word in WORD_PATTERN.findall(token.lower())
                         if word not in POLISH_STOP_WORDS)
    return marks, words


def search_cases(user, municipality, query: str) -> QuerySet[Case]:
    """The cases this user may see that match the query, best match first.

    Only `visible_cases` are ever returned; another gmina's cases never match (the index
    is filtered by gmina, and on PostgreSQL walled by row-level security too)."""
    visible = selectors.visible_cases(user, municipality)
    marks, words = parse_query(query)
    if not marks and not words:
        return visible.none()
    municipality_id = getattr(municipality, "pk", municipality)
    if connection.vendor == "postgresql":
        return _search_postgres(visible, municipality_id, marks, words)
    return _search_sqlite(visible, municipality_id, marks, words)


def _ranked(visible: QuerySet[Case], match_sql: str, match_params: list, rank_sql: str,
            rank_params: list) -> QuerySet[Case]:
    return (visible.filter(pk__in=RawSQL(match_sql, match_params))
            .annotate(search_rank=RawSQL(rank_sql, rank_params))
            .order_by("-search_rank", "-opened_at", "-id"))


def _fts5_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _search_sqlite(visible, municipality_id, marks, words) -> QuerySet[Case]:
    terms = [f"mark : {_fts5_phrase(mark)}" for mark in marks]
    terms += [f"{_fts5_phrase(word)}*" for word in words]
    expression = " ".join(terms)
    return _ranked(
        visible,
        "SELECT rowid FROM cases_search WHERE cases_search MATCH %s AND municipality_id = %s",
        [expression, municipality_id],
        f"SELECT -bm25(cases_search, {FTS5_WEIGHTS}) FROM cases_search "
        'WHERE cases_search MATCH %s AND rowid = "cases_case"."id"',
        [expression],
    )


def _postgres_tsquery(words: list[str]) -> str:
    """The words as one tsquery (text): all must match, each in any inflected form; the
    last may also be the beginning of a word (typing is not finished)."""
    configuration = text_search_configuration()
    parts, params = [], []
    for position, word in enumerate(words):
        part = "plainto_tsquery(%s::regconfig, %s)"
        params += [configuration, word]
        if position == len(words) - 1 and len(word) >= 3:
            part = f"({part} || to_tsquery('simple', %s))"
            params.append(f"'{word}':*")
        parts.append(part)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({' && '.join(parts)})::text", params)
        return cursor.fetchone()[0]


def _search_postgres(visible, municipality_id, marks, words) -> QuerySet[Case]:
    conditions, params = ["s.municipality_id = %s"], [municipality_id]
    rank_terms, rank_params = [], []
    for mark in marks:
        if "." in mark:
            # Comparisons, not LIKE: under row-level security only leakproof operators may
            # use an index, and text comparisons are leakproof ('/' follows '.').
            conditions.append("(s.mark = %s OR (s.mark >= %s AND s.mark < %s))")
            params += [mark, f"{mark}.", f"{mark}/"]
            rank_terms.append("(CASE WHEN s.mark = %s THEN 10 ELSE 5 END)")
            rank_params.append(mark)
        else:  # a register number such as RPW/12/2026: one token of the parser
            conditions.append("s.document @@ plainto_tsquery('simple', %s)")
            params.append(mark)
            rank_terms.append("1")
    tsquery = _postgres_tsquery(words) if words else ""
    if words and not tsquery:
        return visible.none()
    if tsquery:
        conditions.append("s.document @@ %s::tsquery")
        params.append(tsquery)
        rank_terms.append("ts_rank(s.document, %s::tsquery)")
        rank_params.append(tsquery)
    match = f"SELECT s.case_id FROM cases_searchdocument s WHERE {' AND '.join(conditions)}"
    rank = (f"SELECT {' + '.join(rank_terms)} FROM cases_searchdocument s "
            'WHERE s.case_id = "cases_case"."id"')
    found = _ranked(visible, match, params, rank, rank_params)
    if marks or found.exists():
        return found
    similar = _search_postgres_similar(visible, municipality_id, words)
    return found if similar is None else similar


def _search_postgres_similar(visible, municipality_id, words) -> QuerySet[Case] | None:
    """No exact match: titles and marks that contain something like each word (typos)."""
    words = [word for word in words if len(word) >= 3]
    if not words:
        return None
    with connection.cursor() as cursor:
        # The default 0.6 misses one wrong letter in an 8-letter word ("zabodowy").
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                       [str(WORD_SIMILARITY_THRESHOLD)])
    similar = " AND ".join(["%s <%% s.searchable"] * len(words))
    closeness = " + ".join(["word_similarity(%s, s.searchable)"] * len(words))
    return _ranked(
        visible,
        f"SELECT s.case_id FROM cases_searchdocument s WHERE s.municipality_id = %s "
        f"AND {similar}",
        [municipality_id, *words],
        f'SELECT {closeness} FROM cases_searchdocument s WHERE s.case_id = "cases_case"."id"',
        list(words),
    )
