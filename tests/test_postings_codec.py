"""The scorer's postings on disk (gaps and term frequencies in zstd frames, decoded a term at a time):
what is loaded is what was built, bit for bit, on real prose and on random corpora, and damage is an
IndexCorrupt, never a wrong answer."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from pathlib import Path
from pydoc_data.topics import topics  # Python's own documentation: real prose, always installed

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import postings_codec, postings_files
from index.analysis import analyze
from index.bm25 import BM25Scorer, pack_postings
from index.errors import IndexCorrupt


@pytest.fixture(scope="module")
def passages() -> list[list[str]]:
    paragraphs = [p for text in topics.values() for p in re.split(r"\n\s*\n", text) if len(p.split()) > 5]
    return [t for t in (analyze(p) for p in paragraphs) if t]


def _columns(passages: list[list[str]]) -> tuple[list[str], tuple[npt.NDArray[np.int32], ...]]:
    """The postings of ``passages`` as the build gives them: vocabulary, (terms, passages, tfs,
    lengths)."""
    ids: dict[str, int] = {}
    terms, docs, tfs = [], [], []
    for doc, tokens in enumerate(passages):
        for token, count in Counter(tokens).items():
            terms.append(ids.setdefault(token, len(ids)))
            docs.append(doc)
            tfs.append(count)
    lengths = [len(t) for t in passages]
    return list(ids), tuple(np.array(c, dtype=np.int32) for c in (terms, docs, tfs, lengths))


def _decoded_whole(scorer: BM25Scorer) -> BM25Scorer:
    """A loaded scorer with every term decoded (asked for, term by term, as queries would)."""
    for term in scorer.vocabulary:
        scorer.get_scores([term])
    return scorer


def _assert_same_arrays(loaded: BM25Scorer, built: BM25Scorer) -> None:
    assert loaded.vocabulary == built.vocabulary and loaded.num_docs == built.num_docs
    np.testing.assert_array_equal(loaded._doc_ids, built._doc_ids)
    # Bit for bit: the contributions are recomputed from term frequencies by the build's arithmetic.
    np.testing.assert_array_equal(loaded._weights.view(np.uint32), built._weights.view(np.uint32))
    np.testing.assert_array_equal(loaded._term_seg, built._term_seg)
    np.testing.assert_array_equal(loaded._seg_start, built._seg_start)
    np.testing.assert_array_equal(loaded._seg_max.view(np.uint32), built._seg_max.view(np.uint32))


def test_the_build_streamed_to_disk_loads_bit_for_bit_on_real_prose(
    tmp_path: Path, passages: list[list[str]]
) -> None:
    vocabulary, (terms, docs, tfs, lengths) = _columns(passages)
    built = BM25Scorer.from_postings(vocabulary, terms, docs, tfs, lengths, kernel=None)
    BM25Scorer.write_packed(tmp_path / "bm25", vocabulary, pack_postings(terms, docs, tfs), lengths)
    loaded = _decoded_whole(BM25Scorer.load(tmp_path / "bm25", kernel=None))
    _assert_same_arrays(loaded, built)
    postings = (tmp_path / "bm25" / postings_files.POSTINGS).stat().st_size
    assert postings <= 3 * len(built._doc_ids)  # the target; 8 bytes a posting as plain arrays


def test_save_then_load_is_bit_for_bit_and_ranks_the_same(tmp_path: Path, passages: list[list[str]]) -> None:
    built = BM25Scorer.build(passages, kernel=None)
    built.save(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)
    for query in (["function"], ["class", "method", "class"], ["the", "object", "return"], ["zzz"]):
        assert loaded.top_k(query, 10) == built.top_k(query, 10)
        np.testing.assert_array_equal(loaded.get_scores(query), built.get_scores(query))
    assert list(loaded.scores_of(["function"], [0, 5, 9])) == list(built.scores_of(["function"], [0, 5, 9]))
    _assert_same_arrays(_decoded_whole(loaded), built)
    # A loaded scorer saves as the files it came from.
    loaded.save(tmp_path / "again")
    _assert_same_arrays(_decoded_whole(BM25Scorer.load(tmp_path / "again", kernel=None)), built)


def test_a_term_repeated_past_a_byte_is_escaped(tmp_path: Path) -> None:
    passages = [["drum"] * 300 + ["beat"], ["drum", "beat"] * 255, ["beat"] * 4095, ["quiet", "drum"]]
    built = BM25Scorer.build(passages, kernel=None)
    built.save(tmp_path / "bm25")
    loaded = _decoded_whole(BM25Scorer.load(tmp_path / "bm25", kernel=None))
    _assert_same_arrays(loaded, built)
    assert loaded.top_k(["drum"], 3) == built.top_k(["drum"], 3)


_words = st.sampled_from([f"w{i}" for i in range(40)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_words, min_size=0, max_size=40), min_size=1, max_size=60))
def test_random_corpora_load_as_built(
    tmp_path_factory: pytest.TempPathFactory, corpus: list[list[str]]
) -> None:
    folder = tmp_path_factory.mktemp("bm25")
    built = BM25Scorer.build(corpus, kernel=None)
    built.save(folder)
    _assert_same_arrays(_decoded_whole(BM25Scorer.load(folder, kernel=None)), built)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2**31 - 2), st.integers(1, 4095)), max_size=300),
    st.integers(1, 5),
)
def test_frames_round_trip(postings: list[tuple[int, int]], segments: int) -> None:
    """Any passage ids, cut into sorted segments, and any term frequencies come back."""
    cut = sorted({0, *(len(postings) * i // segments for i in range(1, segments))} - {len(postings)})
    pieces = np.split(np.array([d for d, _ in postings], dtype=np.int64), cut[1:]) if postings else []
    docs = np.concatenate([np.unique(p) for p in pieces]) if pieces else np.zeros(0, np.int64)
    lengths = np.array([len(np.unique(p)) for p in pieces], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    tfs = np.array([tf for _, tf in postings][: len(docs)], dtype=np.int64)
    frame = postings_codec.encode_frame(postings_codec.segment_gaps(docs, starts), tfs)
    gaps, tf = postings_codec.decode_frame(frame, len(docs))
    np.testing.assert_array_equal(postings_codec.ids_from_gaps(gaps, lengths, 2**31), docs)
    np.testing.assert_array_equal(tf, tfs.astype(np.float64))
    with pytest.raises(postings_codec.FrameDamaged):
        postings_codec.decode_frame(frame, len(docs) + 1)
    if len(docs):
        with pytest.raises(postings_codec.FrameDamaged):  # an id past the last passage
            postings_codec.ids_from_gaps(gaps, lengths, int(docs.max()))


def _big_scorer(folder: Path) -> BM25Scorer:
    """Enough passages for several frames: 300 words in 3,000 passages of 30."""
    rng = np.random.default_rng(5)
    corpus = [[f"w{i}" for i in row] for row in rng.zipf(1.3, size=(3000, 30)) % 300]
    built = BM25Scorer.build(corpus, kernel=None)
    built.save(folder)
    return built


def _frame_terms(folder: Path) -> npt.NDArray[np.int64]:
    vocabulary = json.loads((folder / "bm25.json").read_text("utf-8"))["vocabulary"]
    postings = json.loads((folder / "bm25.json").read_text("utf-8"))["postings"]
    return postings_files.read_tables(folder, len(vocabulary), postings).frame_term


def test_a_damaged_frame_fails_its_terms_only_and_is_never_misread(tmp_path: Path) -> None:
    built = _big_scorer(tmp_path / "bm25")
    frame_term = _frame_terms(tmp_path / "bm25")
    assert len(frame_term) > 3  # several frames
    tables = postings_files.read_tables(tmp_path / "bm25", len(built.vocabulary), len(built._doc_ids))
    data = bytearray((tmp_path / "bm25" / postings_files.POSTINGS).read_bytes())
    last = len(frame_term) - 2  # damage the last frame, in its middle
    middle = (int(tables.frame_offset[last]) + int(tables.frame_offset[last + 1])) // 2
    data[middle] ^= 0x40
    (tmp_path / "bm25" / postings_files.POSTINGS).write_bytes(bytes(data))
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)  # only the tables are read at load
    first_term = built.vocabulary[0]
    assert loaded.top_k([first_term], 5) == built.top_k([first_term], 5)  # its frame is intact
    damaged_term = built.vocabulary[int(frame_term[last])]
    with pytest.raises(IndexCorrupt, match="damaged"):
        loaded.top_k([damaged_term], 5)
    with pytest.raises(IndexCorrupt, match="damaged"):
        loaded.get_scores([damaged_term])


@pytest.mark.parametrize(
    "damage",
    ["postings truncated", "postings emptied", "table garbled", "table missing", "older layout"],
)
def test_damaged_or_old_files_are_refused_at_load(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "bm25"
    _big_scorer(folder)
    postings = folder / postings_files.POSTINGS
    if damage == "postings truncated":
        postings.write_bytes(postings.read_bytes()[:-10])
    elif damage == "postings emptied":
        postings.write_bytes(b"")
    elif damage == "table garbled":
        (folder / "seg_start.col").write_bytes(b'{"dtype":"<u2","n":3,"base":0,"delta":true}\n garbage')
    elif damage == "table missing":
        (folder / "frame_offset.col").unlink()
    else:
        meta = json.loads((folder / "bm25.json").read_text("utf-8"))
        (folder / "bm25.json").write_text(json.dumps(meta | {"layout": "impact-segments-1"}), "utf-8")
    with pytest.raises(IndexCorrupt):
        BM25Scorer.load(folder, kernel=None)


def test_threads_decoding_at_once_see_whole_postings(tmp_path: Path) -> None:
    built = _big_scorer(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)
    queries = [[built.vocabulary[i], built.vocabulary[(i * 7) % len(built.vocabulary)]] for i in range(120)]
    expected = [built.top_k(q, 10) for q in queries]
    results: dict[int, list[tuple[int, float]]] = {}
    start = threading.Barrier(4)

    def work(offset: int) -> None:
        start.wait()
        for i in range(offset, len(queries), 4):
            results[i] = loaded.top_k(queries[i], 10)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(queries))] == expected


def test_a_query_decodes_only_the_frames_of_its_terms(tmp_path: Path) -> None:
    built = _big_scorer(tmp_path / "bm25")
    frame_term = _frame_terms(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)
    # Frames that were never decoded still hold whatever np.empty gave; the ones asked hold the build's.
    loaded.top_k([built.vocabulary[0]], 5)
    assert loaded._lazy is not None
    decoded = np.frombuffer(bytes(loaded._lazy._decoded), dtype=np.uint8)
    assert decoded[: frame_term[1]].all() and not decoded[frame_term[1] :].any()


def test_a_frame_longer_than_a_chunk_decodes_bit_for_bit(tmp_path: Path) -> None:
    """5,000 one-posting terms and a term in 70,000 passages share one frame: its contributions are
    computed a chunk at a time, across segments and terms."""
    passages = [[f"rare{i}"] for i in range(5000)]
    passages += [["common"] * (1 + i % 4) + ["filler"] * (i % 7) for i in range(70_000)]
    built = BM25Scorer.build(passages, kernel=None)
    built.save(tmp_path / "bm25")
    assert int(_frame_terms(tmp_path / "bm25")[1]) > built.vocabulary.index("common")  # one frame
    loaded = _decoded_whole(BM25Scorer.load(tmp_path / "bm25", kernel=None))
    _assert_same_arrays(loaded, built)
    assert loaded.top_k(["common", "rare7"], 10) == built.top_k(["common", "rare7"], 10)


def test_a_big_query_has_the_rest_filled_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that asks a big query goes on answering: every other term's postings are filled
    in behind it (after a delay a one-question CLI never lives to see), bit for bit."""
    from index import bm25

    built = _big_scorer(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)
    assert loaded._lazy is not None
    rarest = min(built.vocabulary, key=built.term_doc_freq)
    commonest = max(built.vocabulary, key=built.term_doc_freq)
    monkeypatch.setattr(bm25, "_FEW_POSTINGS", built.term_doc_freq(rarest))
    loaded.top_k([rarest], 5)  # not big: nothing more asked for
    assert not loaded._lazy._rest.started
    loaded.top_k([commonest], 5)
    assert loaded._lazy._rest.started and not all(loaded._lazy._decoded)  # started, not yet run
    assert loaded.fill_postings(timeout=60)
    _assert_same_arrays(loaded, built)


def test_filling_every_term_while_queries_run_keeps_their_answers(tmp_path: Path) -> None:
    built = _big_scorer(tmp_path / "bm25")
    loaded = BM25Scorer.load(tmp_path / "bm25", kernel=None)
    queries = [[built.vocabulary[i], built.vocabulary[-1 - i]] for i in range(0, len(built.vocabulary), 3)]
    filler = threading.Thread(target=loaded.fill_postings)
    filler.start()
    assert [loaded.top_k(q, 10) for q in queries] == [built.top_k(q, 10) for q in queries]
    filler.join()
    _assert_same_arrays(loaded, built)
