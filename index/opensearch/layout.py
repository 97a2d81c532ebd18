"""How citebot's data lies in OpenSearch: names, the mapping, and the ids of its documents.

One index per corpus version (``<prefix>-<version>``) holds every kind of record, told apart by
``kind``; the alias ``<prefix>`` points at the one being served. Searchers only ever use the alias,
so a rebuild writes a new index and swaps the alias in one atomic step.

Kinds: ``passage`` (a chunk: its analyzed terms, ranked by BM25), ``document`` (text, paragraph,
sentence and chunk offsets), ``quote`` (an attributed quote with its offsets), ``speaker`` (a folded
speaker word and the quotes it names), ``part`` (what one builder wrote: counts and its terms'
document frequencies) and ``meta`` (written by the publish step). Only ``terms`` is searched by
score; everything a reader needs back verbatim sits in ``data``, stored and never analyzed.
"""

from __future__ import annotations

from typing import Any

# BM25 as the embedded index uses it; OpenSearch's BM25 is Lucene's (idf ln(1 + (N-df+0.5)/(df+0.5))).
K1 = 1.5
B = 0.75

PASSAGE, DOCUMENT, QUOTE, SPEAKER, PART, META = "passage", "document", "quote", "speaker", "part", "meta"


def index_name(prefix: str, version: str) -> str:
    return f"{prefix}-{version}"


def part_id(part: int, parts: int) -> str:
    return f"part-{part}-of-{parts}"


def global_id(local: int, part: int, parts: int) -> int:
    """Ids interleave across the builders of one index: builder ``part`` (1-based) of ``parts``
    numbers its n-th record ``n * parts + part - 1``, so no two builders ever hand out the same id."""
    return local * parts + part - 1


def index_body(shards: int, replicas: int) -> dict[str, Any]:
    """Settings and mapping of a new version index. It starts without replicas and refreshes:
    publishing turns them on once the bulk load is done."""
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": 0,
                "refresh_interval": "-1",
                "similarity": {"citebot_bm25": {"type": "BM25", "k1": K1, "b": B}},
            },
            "analysis": {
                # citebot's own analyzer (folding, stemming, stop words) already ran: the terms are
                # joined by spaces and split back here, so both backends rank the same vocabulary.
                "analyzer": {"citebot_terms": {"type": "custom", "tokenizer": "whitespace"}}
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "kind": {"type": "keyword"},
                "doc_index": {"type": "integer"},
                "chunk_id": {"type": "integer"},
                "quote_id": {"type": "integer"},
                "doc": {"type": "keyword"},
                "title": {"type": "keyword"},
                "name": {"type": "keyword"},
                "word": {"type": "keyword"},
                "terms": {
                    "type": "text",
                    "analyzer": "citebot_terms",
                    "similarity": "citebot_bm25",
                    "norms": True,
                    "index_options": "freqs",
                },
                "data": {"type": "object", "enabled": False},
            },
        },
    }
