"""BM25 postings as bytes: passage-id gaps and term frequencies in zstd frames, and the arithmetic
that turns a term frequency back into the posting's contribution.

A posting is stored as its passage id, as the gap from the previous posting of its segment (a
segment's first posting: the id itself; a segment is sorted by passage, see ``index/bm25.py``), and
its term frequency, not as the float32 contribution the scorer reads: that is recomputed from the
term frequency, the passage's length and the term's IDF by ``contributions``, the one expression
the build uses too, so decoded weights are the built ones bit for bit.

A frame holds the postings of consecutive terms (``frame_cuts``: about ``FRAME_POSTINGS`` of them,
more when a long term is among them), so a term is decoded with a few neighbours at most, never
with the whole file. Its content, compressed as one zstd frame with a checksum (damage is detected, never
decoded into wrong passages):

- one byte: the gap width w (1, 2 or 4 bytes), then the number of postings (uint32: the segment
  tables say it too, and the two must agree);
- the gaps in byte planes (every gap's low byte, then every next byte: the high planes of small
  gaps are runs of zeros, which compress to nothing);
- each term frequency as a byte, 255 meaning "the next escape";
- the escapes: term frequencies of 255 or more, as little-endian uint16.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import zstandard

FRAME_POSTINGS = 8192  # postings a frame gathers before it is cut (a longer term: a frame alone)
# zstd level. 3, not the store's 9: measured on the bench's scorers, 9 took 2.5-3x the CPU of 3
# (Zipf 1M: 1.16 s against 0.47 s, most of saving a built scorer) for files 1.2% (Zipf 1M) to 7.7%
# (KJV 1M: 9.67 against 10.41 MB) smaller; decoding every term of KJV 1M took 0.14-0.19 s either way.
_LEVEL = 3
_ESCAPE = 255  # a term frequency byte meaning "read it from the escapes"
_WIDTHS = (1, 2, 4)
_HEADER = 5  # bytes before the gaps: their width, the number of postings
_MAX_TF = 0xFFFF  # what an escape holds (the build packs term frequencies in 12 bits)


class FrameDamaged(ValueError):
    """A frame that does not decode to the postings the tables promise."""


def lucene_idf(num_docs: int, doc_freq: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Lucene's BM25 IDF: always above zero, smaller the more passages hold the term. The decoder
    computes it for the whole vocabulary at once, as the build does, so each term's is the same."""
    df = np.asarray(doc_freq, dtype=np.float64)
    return np.log1p((num_docs - df + 0.5) / (df + 0.5))


def length_norm(lengths: npt.NDArray[Any], k1: float, b: float, avgdl: float) -> npt.NDArray[np.float64]:
    """BM25's length normalization ``k1 * (1 - b + b * length / avgdl)`` of each length."""
    if not avgdl:
        return np.full(len(lengths), k1)
    norm: npt.NDArray[np.float64] = k1 * (1 - b + b * lengths / avgdl)
    return norm


def contributions(
    idf: npt.NDArray[np.float64] | np.float64,
    tf: npt.NDArray[np.float64],
    norm: npt.NDArray[np.float64],
    k1: float,
) -> npt.NDArray[np.float32]:
    """Each posting's whole contribution, ``idf * tf * (k1 + 1) / (tf + norm)`` (IDF times
    rank-bm25's term-frequency part), rounded to float32; ``idf`` may be one term's, for all. The
    build and the decoder both call this: the same operations in the same order on the same float64
    values give the same bits (in place, so that a large term makes two temporaries, not five)."""
    value: npt.NDArray[np.float64] = idf * tf
    value *= k1 + 1
    norm_plus_tf = tf + norm
    value /= norm_plus_tf
    return value.astype(np.float32)


def segment_gaps(docs: npt.NDArray[Any], segment_starts: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Passage ids (sorted within each segment) as gaps from the previous id of the segment; a
    segment's first id is kept whole. ``segment_starts``: each segment's first position."""
    wide = np.asarray(docs, dtype=np.int64)
    gaps = np.diff(wide, prepend=np.int64(0))
    gaps[segment_starts] = wide[segment_starts]
    return gaps


def ids_from_gaps(
    gaps: npt.NDArray[Any], segment_lengths: npt.NDArray[np.int64], num_docs: int
) -> npt.NDArray[np.int64]:
    """The passage ids ``segment_gaps`` took apart; FrameDamaged unless every segment is strictly
    increasing and every id below ``num_docs``."""
    lengths = segment_lengths[segment_lengths > 0]  # the tables never hold an empty one, but damage may
    lasts = np.cumsum(lengths) - 1
    firsts = lasts - lengths + 1
    running = np.cumsum(gaps, dtype=np.int64)
    # A zero gap anywhere but at a segment's start would repeat a passage.
    if np.count_nonzero(gaps == 0) != np.count_nonzero(gaps[firsts] == 0):
        raise FrameDamaged("a passage repeated within a segment")
    running -= np.repeat(running[firsts] - gaps[firsts], lengths)  # now each segment counts from 0
    if len(running) and int(running[lasts].max()) >= num_docs:
        raise FrameDamaged("a passage id past the last passage")
    return running


def encode_frame(gaps: npt.NDArray[np.int64], tfs: npt.NDArray[Any]) -> bytes:
    """One frame's bytes (see the module's docstring)."""
    largest = int(gaps.max()) if len(gaps) else 0
    width = next(w for w in _WIDTHS if largest < 1 << (8 * w))
    narrow = gaps.astype(f"<u{width}")
    planes = narrow.view(np.uint8).reshape(len(narrow), width).T
    tf = np.asarray(tfs, dtype=np.int64)
    if len(tf) and (int(tf.min()) < 1 or int(tf.max()) > _MAX_TF):
        raise ValueError("a term frequency out of range")
    raw = b"".join(
        (
            bytes((width,)),
            len(gaps).to_bytes(4, "little"),
            planes.tobytes(),
            np.minimum(tf, _ESCAPE).astype(np.uint8).tobytes(),
            tf[tf >= _ESCAPE].astype("<u2").tobytes(),
        )
    )
    return zstandard.ZstdCompressor(level=_LEVEL, write_checksum=True).compress(raw)


def decode_frame(frame: bytes, postings: int) -> tuple[npt.NDArray[Any], npt.NDArray[np.uint16]]:
    """A frame's gaps and term frequencies, for a frame the tables say holds ``postings``;
    FrameDamaged if it does not."""
    try:
        size = zstandard.frame_content_size(frame)
    except zstandard.ZstdError:
        raise FrameDamaged("not a zstd frame") from None
    # At most 4 bytes of gap and 3 of term frequency a posting: checked before inflating, so damage
    # never asks for gigabytes.
    if size < _HEADER + 2 * postings or size > _HEADER + 7 * postings:
        raise FrameDamaged("the frame's length does not match the tables")
    try:
        raw = zstandard.ZstdDecompressor().decompress(frame)
    except zstandard.ZstdError:
        raise FrameDamaged("the frame does not inflate (checksum or content)") from None
    width, count = raw[0], int.from_bytes(raw[1:_HEADER], "little")
    body = np.frombuffer(raw, dtype=np.uint8, offset=_HEADER)
    tf_at = postings * width if width in _WIDTHS else -1
    extra = len(body) - tf_at - postings
    if count != postings or tf_at < 0 or extra < 0 or extra % 2:
        raise FrameDamaged("the frame's parts do not add up")
    gaps = body[:tf_at].reshape(width, postings).T.copy().view(f"<u{width}").reshape(postings)
    tf_bytes = body[tf_at : tf_at + postings]
    escaped = tf_bytes == _ESCAPE
    escapes = body[tf_at + postings :].view("<u2")
    if np.count_nonzero(escaped) != len(escapes) or (len(escapes) and int(escapes.min()) < _ESCAPE):
        raise FrameDamaged("the escaped term frequencies do not match")
    tf = tf_bytes.astype(np.uint16)
    tf[escaped] = escapes
    if postings and int(tf_bytes.min()) == 0:
        raise FrameDamaged("a term frequency of zero")
    return gaps, tf


def frame_cuts(term_starts: npt.NDArray[np.int64], postings: int) -> npt.NDArray[np.int64]:
    """Where frames begin, as indices into ``term_starts`` (each term's first posting, ascending,
    the first at 0): at the first term starting at or after each multiple of ``FRAME_POSTINGS``."""
    if not len(term_starts):
        return np.zeros(0, dtype=np.int64)
    marks = np.arange(0, postings, FRAME_POSTINGS, dtype=np.int64)
    cuts = np.searchsorted(term_starts, marks, side="left")
    cuts = np.unique(cuts[cuts < len(term_starts)])
    return np.union1d(cuts, [0]).astype(np.int64)
