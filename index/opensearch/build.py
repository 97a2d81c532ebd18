"""Corpus -> OpenSearch: parse a share of the files, bulk-load them into a new version index, publish.

``build_part`` parses the files of one share (``--part I/N``: every N-th file of the sorted corpus)
and bulk-loads them into the version index all N builders agree on (it is named by the corpus'
content). ``publish`` turns replicas and refreshes on, records what was built, and moves the alias
to the new index in one atomic request; only then is the old index deleted. Until that request, every
searcher keeps reading the old index, whatever happens to the builders or the cluster.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as os_errors

from index.analysis import analyze
from index.chunking import parse_document
from index.corpus import SourceFile, file_stamps, load_file, scan_corpus
from index.engine import pipeline_fingerprint
from index.errors import CitebotError, SearchUnavailable
from index.models import BuildReport, Quote, SkippedFile
from index.opensearch import layout
from index.opensearch.client import failures
from index.opensearch.config import OpenSearchConfig

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# Bulk requests: this many records each; a rejected (429) one is retried with back-off, a request
# waits at most BULK_TIMEOUT for a shard to become available before its records fail.
BULK_RECORDS = 500
BULK_RETRIES = 5
BULK_BACKOFF = (1, 8)  # seconds, first and longest wait
BULK_TIMEOUT = "10s"
# Terms' document frequencies are stored in records of this many terms.
DF_RECORD_TERMS = 20_000


@dataclass(frozen=True, slots=True)
class Share:
    """Which builder this is: ``part`` (1-based) of ``parts``."""

    part: int = 1
    parts: int = 1

    @classmethod
    def parse(cls, text: str) -> Share:
        """``"I/N"`` as the command line gives it; CitebotError with a usable message if malformed."""
        try:
            part, parts = (int(x) for x in text.split("/"))
        except ValueError:
            raise CitebotError(f"--part takes I/N, such as 1/4, not {text!r}.") from None
        if not 1 <= part <= parts:
            raise CitebotError(f"--part {text}: I must be between 1 and N.")
        return cls(part, parts)

    def takes(self, position: int) -> bool:
        return position % self.parts == self.part - 1


@dataclass(slots=True)
class PartCounts:
    documents: int = 0
    chunks: int = 0
    quotes: int = 0
    files: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)
    speakers: dict[str, list[int]] = field(default_factory=dict)


# --- naming ---------------------------------------------------------------------------------------


def corpus_version(sources: Sequence[SourceFile]) -> str:
    """A short hash of the corpus content and of the code that parses it: builders of one corpus
    agree on it without talking to each other."""
    digest = hashlib.sha256(pipeline_fingerprint().encode())
    for source in sources:
        digest.update(f"{source.rel}\0{source.sha256}\0".encode())
    return digest.hexdigest()[:12]


def parts_index_name(config: OpenSearchConfig, sources: Sequence[SourceFile], parts: int) -> str:
    return layout.index_name(config.prefix, f"{corpus_version(sources)}-of{parts}")


# --- one builder ----------------------------------------------------------------------------------


def build_part(
    client: OpenSearch,
    config: OpenSearchConfig,
    corpus_dir: Path,
    share: Share,
    *,
    name: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, PartCounts]:
    """Parse this builder's share of ``corpus_dir`` into the version index; its name and the counts."""
    sources, skipped = scan_corpus(corpus_dir.resolve())
    name = name or parts_index_name(config, sources, share.parts)
    if name in serving_indexes(client, config):
        raise CitebotError(f"{name} already serves this corpus: nothing to build.")
    create_index(client, config, name)
    mine = [s for i, s in enumerate(sources) if share.takes(i)]
    counts = PartCounts(skipped=[s for i, s in enumerate(skipped) if share.takes(i)])
    actions = _records(mine, share, counts, progress)
    _bulk(client, config, name, actions)
    _bulk(client, config, name, _summary_records(share, counts))
    log.info(
        "opensearch part written index=%s part=%d/%d documents=%d passages=%d",
        name,
        share.part,
        share.parts,
        counts.documents,
        counts.chunks,
    )
    return name, counts


def create_index(client: OpenSearch, config: OpenSearchConfig, name: str) -> None:
    """Create the version index unless another builder of the same version already did."""
    body = layout.index_body(config.shards, config.replicas)
    with failures(config, f"creating the index {name}"):
        try:
            client.indices.create(index=name, body=body)
        except os_errors.RequestError as err:
            if "resource_already_exists" not in str(err.error):
                raise


def _records(
    sources: Sequence[SourceFile], share: Share, counts: PartCounts, progress: Progress | None
) -> Iterator[dict[str, Any]]:
    local_doc = local_chunk = local_quote = 0
    for done, source in enumerate(sources, start=1):
        try:
            documents, problems = load_file(source)
        except CitebotError as err:
            counts.skipped.append(SkippedFile(source.rel, str(err)))
            continue
        counts.skipped.extend(problems)
        counts.files.append(source.rel)
        for document in documents:
            parsed = parse_document(document, 0)
            text = document.text
            doc_index = layout.global_id(local_doc, share.part, share.parts)
            local_doc += 1
            chunk_ids = []
            for chunk in parsed.chunks:
                chunk_id = layout.global_id(local_chunk, share.part, share.parts)
                local_chunk += 1
                chunk_ids.append(chunk_id)
                terms = analyze(text[chunk.start : chunk.end])
                counts.df.update(set(terms))
                yield _passage_record(chunk_id, doc_index, chunk.paragraph, chunk.start, chunk.end, terms)
            quote_ids = []
            for quote in parsed.quotes:
                quote_id = layout.global_id(local_quote, share.part, share.parts)
                local_quote += 1
                quote_ids.append(quote_id)
                for word in _speaker_words(quote):
                    counts.speakers.setdefault(word, []).append(quote_id)
                yield _quote_record(quote_id, doc_index, quote)
            yield {
                "_id": f"d{doc_index}",
                "kind": layout.DOCUMENT,
                "doc_index": doc_index,
                "doc": document.doc,
                "title": document.title,
                "name": Path(document.doc).name,
                "data": {
                    "url": document.url,
                    "text": text,
                    "size": len(text.encode("utf-8")),
                    "paragraphs": [[p.start, p.end] for p in document.paragraphs],
                    "sentences": [[s.start, s.end] for s in parsed.sentences],
                    "chunk_ids": chunk_ids,
                    "chunk_starts": [c.start for c in parsed.chunks],
                    "quote_ids": quote_ids,
                },
            }
            counts.documents += 1
            counts.chunks += len(chunk_ids)
            counts.quotes += len(quote_ids)
        if progress is not None:
            progress(done, len(sources))


def _passage_record(
    chunk_id: int, doc_index: int, paragraph: int, start: int, end: int, terms: Sequence[str]
) -> dict[str, Any]:
    return {
        "_id": f"p{chunk_id}",
        "kind": layout.PASSAGE,
        "chunk_id": chunk_id,
        "doc_index": doc_index,
        "terms": " ".join(terms),
        "data": {"paragraph": paragraph, "start": start, "end": end},
    }


def _quote_record(quote_id: int, doc_index: int, quote: Quote) -> dict[str, Any]:
    record = asdict(quote)
    return {
        "_id": f"q{quote_id}",
        "kind": layout.QUOTE,
        "quote_id": quote_id,
        "doc_index": doc_index,
        "data": record,
    }


def _speaker_words(quote: Quote) -> set[str]:
    from index.answering.naming import speaker_words

    return speaker_words(quote)


def _summary_records(share: Share, counts: PartCounts) -> Iterator[dict[str, Any]]:
    """What this builder wrote, for the readers' statistics and for publish to check it is all there.
    The part record goes last: its presence means the rest of the share is in."""
    part = layout.part_id(share.part, share.parts)
    for word, ids in counts.speakers.items():
        yield {
            "_id": f"s{share.part}/{share.parts}:{word}",
            "kind": layout.SPEAKER,
            "word": word,
            "data": {"quotes": ids},
        }
    terms = sorted(counts.df)
    for n, lo in enumerate(range(0, len(terms), DF_RECORD_TERMS)):
        chunk = terms[lo : lo + DF_RECORD_TERMS]
        yield {"_id": f"{part}-df-{n}", "kind": "df", "data": {"df": {t: counts.df[t] for t in chunk}}}
    yield {
        "_id": part,
        "kind": layout.PART,
        "data": {
            "part": share.part,
            "parts": share.parts,
            "documents": counts.documents,
            "chunks": counts.chunks,
            "quotes": counts.quotes,
            "files": counts.files,
            "skipped": [[s.path, s.reason] for s in counts.skipped],
        },
    }


def _bulk(client: OpenSearch, config: OpenSearchConfig, name: str, records: Iterator[dict[str, Any]]) -> None:
    """Bulk-load ``records``, retrying rejected batches with back-off; SearchUnavailable if any fails."""
    actions = ({"_index": name, **record} for record in records)
    with failures(config, f"loading {name}"):
        try:
            for _ok, _item in helpers.streaming_bulk(
                client,
                actions,
                chunk_size=BULK_RECORDS,
                max_retries=BULK_RETRIES,
                initial_backoff=BULK_BACKOFF[0],
                max_backoff=BULK_BACKOFF[1],
                timeout=BULK_TIMEOUT,
                request_timeout=max(config.timeout, 30.0),
            ):
                pass
        except helpers.BulkIndexError as err:
            raise SearchUnavailable(
                f"The search service at {config.safe_url} refused {len(err.errors)} records of {name} "
                f"({_first_reason(err.errors)})."
            ) from None


def _first_reason(errors: Sequence[Any]) -> str:
    """The error type of the first failed bulk item (``{"index": {"error": {"type": ...}}}``)."""
    for item in errors:
        for outcome in item.values() if isinstance(item, dict) else ():
            error = outcome.get("error") if isinstance(outcome, dict) else None
            if isinstance(error, dict):
                return str(error.get("type", "unknown"))
            if error:
                return str(error)
    return "unknown"


# --- publishing -----------------------------------------------------------------------------------


def serving_indexes(client: OpenSearch, config: OpenSearchConfig) -> list[str]:
    """The indexes the alias points at now (one, or none before the first publish)."""
    with failures(config, "reading the alias"):
        if not client.indices.exists_alias(name=config.prefix):
            return []
        return sorted(client.indices.get_alias(name=config.prefix))


def publish(
    client: OpenSearch, config: OpenSearchConfig, corpus_dir: Path, name: str, parts: int, started: float
) -> BuildReport:
    """Make ``name`` the served index once every part is in, then delete the index it replaces."""
    found = _parts_written(client, config, name)
    missing = [i for i in range(1, parts + 1) if layout.part_id(i, parts) not in found]
    if missing:
        raise CitebotError(
            f"Cannot publish {name}: part(s) {', '.join(f'{i}/{parts}' for i in missing)} not built yet."
        )
    written = [found[layout.part_id(i, parts)] for i in range(1, parts + 1)]
    with failures(config, f"publishing {name}"):
        client.indices.put_settings(
            index=name,
            body={"index": {"number_of_replicas": config.replicas, "refresh_interval": "1s"}},
        )
        client.indices.refresh(index=name)
    _wait_searchable(client, config, name)
    old = serving_indexes(client, config)
    report = _report(client, config, old, written, started)
    meta = {
        "corpus_dir": str(corpus_dir.resolve()),
        "pipeline": pipeline_fingerprint(),
        "stamps": file_stamps(corpus_dir.resolve()),
        "files": sorted(f for w in written for f in w["files"]),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "parts": parts,
        "report": report.to_json(),
    }
    with failures(config, f"publishing {name}"):
        client.index(index=name, id=layout.META, body={"kind": layout.META, "data": meta}, refresh=True)
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": config.prefix}} for i in old]
        actions.append({"add": {"index": name, "alias": config.prefix}})
        client.indices.update_aliases(body={"actions": actions})
    log.info("opensearch published index=%s alias=%s replaced=%s", name, config.prefix, ",".join(old) or "-")
    delete_unserved(client, config, keep=name)
    return report


def _wait_searchable(client: OpenSearch, config: OpenSearchConfig, name: str, seconds: float = 30.0) -> None:
    """Wait (bounded) until every primary shard of ``name`` is live, before anyone is sent to it."""
    deadline = time.monotonic() + seconds
    while True:
        with failures(config, f"waiting for {name}"):
            health = client.cluster.health(index=name)
        if health.get("status") in ("yellow", "green"):
            return
        if time.monotonic() > deadline:
            raise SearchUnavailable(
                f"{name} did not become searchable in {seconds:.0f} s; it was not published."
            )
        time.sleep(0.5)


def _parts_written(client: OpenSearch, config: OpenSearchConfig, name: str) -> dict[str, dict[str, Any]]:
    with failures(config, f"reading the parts of {name}"):
        client.indices.refresh(index=name)
        found = client.search(index=name, body={"query": {"term": {"kind": layout.PART}}, "size": 10_000})
    return {hit["_id"]: hit["_source"]["data"] for hit in found["hits"]["hits"]}


def _report(
    client: OpenSearch,
    config: OpenSearchConfig,
    old: Sequence[str],
    written: Sequence[dict[str, Any]],
    started: float,
) -> BuildReport:
    files = {f for w in written for f in w["files"]}
    before: set[str] = set()
    if old:
        with failures(config, "reading the previous build"):
            try:
                meta = client.get(index=old[0], id=layout.META)["_source"]["data"]
                before = set(meta.get("files", []))
            except os_errors.NotFoundError:
                pass
    return BuildReport(
        documents=sum(w["documents"] for w in written),
        chunks=sum(w["chunks"] for w in written),
        quotes=sum(w["quotes"] for w in written),
        added=sorted(files - before),
        removed=sorted(before - files),
        unchanged=len(files & before),
        skipped=[SkippedFile(path, reason) for w in written for path, reason in w["skipped"]],
        seconds=time.perf_counter() - started,
    )


def delete_unserved(client: OpenSearch, config: OpenSearchConfig, *, keep: str) -> None:
    """Delete this prefix's version indexes that the alias does not serve (replaced or abandoned)."""
    serving = set(serving_indexes(client, config))
    with failures(config, "deleting replaced indexes"):
        existing = client.indices.get(index=f"{config.prefix}-*", expand_wildcards="open,closed")
        for name in sorted(existing):
            if name not in serving and name != keep:
                client.indices.delete(index=name)
                log.info("opensearch deleted index=%s", name)


# --- the whole build on one machine ---------------------------------------------------------------


def build(
    client: OpenSearch, config: OpenSearchConfig, corpus_dir: Path, *, progress: Progress | None = None
) -> BuildReport:
    """Build a new version index from the whole corpus and publish it. On any failure the half-built
    index is deleted (if the cluster lets us) and the alias still points at the old one."""
    started = time.perf_counter()
    sources, _ = scan_corpus(corpus_dir.resolve())
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    name = layout.index_name(
        config.prefix, f"{corpus_version(sources)}-{stamp}{int(time.time() * 1000) % 1000:03d}"
    )
    try:
        build_part(client, config, corpus_dir, Share(), name=name, progress=progress)
        return publish(client, config, corpus_dir, name, 1, started)
    except BaseException:
        _drop_quietly(client, config, name)
        raise


def _drop_quietly(client: OpenSearch, config: OpenSearchConfig, name: str) -> None:
    """Delete a half-built index, unless it is (or might be) the one being served: when the alias
    cannot be read, the index stays for the next build's clean-up."""
    try:
        if name in serving_indexes(client, config):
            return
        client.indices.delete(index=name, ignore_unavailable=True)
    except (CitebotError, os_errors.OpenSearchException) as err:
        log.warning("opensearch left half-built index=%s reason=%s", name, type(err).__name__)
