"""The search index's rows. Every node reads the same index from the database, so all answer alike.

`search_docs` holds one searchable thing per row with its folded name and context and its number (`doc`)
in popularity order within its kind. `search_terms` holds, per kind and word, the set of doc numbers whose
name (or whose context: artists, album) holds that word, as roaring bitmaps; `search_prefixes` holds the
same sets for the prefixes that begin many words (built with the index), so a two-letter prefix is one row.
Writes only touch `search_docs` (a changed doc is `dirty`); queries lay the few dirty docs over the stored
sets, and `compact` folds them in (see catalog._search_index).
"""

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base


class SearchDoc(Base):
    __tablename__ = "search_docs"
    __table_args__ = (
        UniqueConstraint("kind", "entity_id"),
        Index("ix_search_docs_kind_doc", "kind", "doc", unique=True),
        Index("ix_search_docs_kind_doc_entity", "kind", "doc", "entity_id"),  # a page's entity ids, index alone
        Index("ix_search_docs_kind_name_doc", "kind", "name", "doc"),  # exact names, in ranking order
        Index("ix_search_docs_dirty", "kind", sqlite_where=text("dirty = 1"), postgresql_where=text("dirty = true")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    entity_id: Mapped[int] = mapped_column(Integer)
    doc: Mapped[int] = mapped_column(Integer)  # rank in its kind: 0 is the most popular
    name: Mapped[str] = mapped_column(String(500))  # folded; "" once the entity is gone (until compaction)
    context: Mapped[str] = mapped_column(String(1000), default="")
    # What the stored term sets say about this doc (None: not in them yet); differs from name/context while dirty.
    stored_name: Mapped[str | None] = mapped_column(String(500))
    stored_context: Mapped[str | None] = mapped_column(String(1000))
    dirty: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SearchTerm(Base):
    __tablename__ = "search_terms"
    __table_args__ = (
        Index("ix_search_terms_size_term", "size", "term"),
        Index("ix_search_terms_size_rterm", "size", "rterm"),
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)  # len(term): typo candidates are looked up by size and an intact end
    rterm: Mapped[str] = mapped_column(String(64))  # the term reversed
    name_docs: Mapped[bytes] = mapped_column(LargeBinary)  # serialized roaring bitmaps of doc numbers
    other_docs: Mapped[bytes] = mapped_column(LargeBinary)


class SearchPrefix(Base):
    __tablename__ = "search_prefixes"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_docs: Mapped[bytes] = mapped_column(LargeBinary)
    other_docs: Mapped[bytes] = mapped_column(LargeBinary)


__all__ = ["SearchDoc", "SearchPrefix", "SearchTerm"]
