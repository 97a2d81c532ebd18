"""Syntax for attribution: sentences parsed by the shipped spaCy model, as plain values.

The rest of the attribution code reads :class:`Parsed` values, never spaCy objects, so it is tested
and typed without spaCy, and spaCy is imported only when a build parses something (never on the
question path). The model lives in ``index/attribution/model`` (trained by
``python -m index.attribution.train``).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from index.models import Span

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).with_name("model")
# Longer sentences (run-on lines, tables) are left to the rule layer: parsing them is slow and the
# parse of a 100k-character "sentence" means nothing.
MAX_PARSE_CHARS = 1500
_BATCH = 64  # measured: faster than 16 or 256 on this machine


class Token(NamedTuple):
    """One word: offsets into the document text, and what the model says about it. A named tuple
    rather than a frozen dataclass: a build makes one per parsed word, millions, and a tuple is
    made about four times as fast."""

    start: int
    end: int
    text: str
    lemma: str
    pos: str  # UPOS: PROPN, VERB, ...
    tag: str  # PTB: VBD, NNP, ...
    dep: str  # UD relation to the head: nsubj, ccomp, ...
    head: int  # index of the head token in the sentence (itself for the root)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed sentence: its span in the document and its tokens."""

    span: Span
    text: str  # the sentence's text: text[k - span.start] is the document's character k
    tokens: tuple[Token, ...]

    def children(self, i: int) -> list[int]:
        return [j for j, t in enumerate(self.tokens) if t.head == i and j != i]

    def subtree(self, i: int) -> list[int]:
        """Token indices of ``i``'s subtree, in order (a projective parse makes it contiguous)."""
        out = [i]
        stack = [i]
        while stack:
            k = stack.pop()
            for j in self.children(k):
                out.append(j)
                stack.append(j)
        return sorted(out)


# A parsed word as a parser hands it over: start and end in its sentence's text, lemma, UPOS,
# tag, dependency and the index of its head in the sentence.
Word = tuple[int, int, str, str, str, str, int]
# A parser takes sentence texts and returns, per text, its words.
ParseFn = Callable[[Sequence[str]], list[list[Word]]]


def model_version() -> str:
    """The shipped models' version: the parser's, then the speaker chooser's (``chooser.json``).
    It is part of the index's pipeline fingerprint, so retraining either makes old indexes stale."""
    return f"{_version_in(MODEL_DIR / 'meta.json', parser=True)}+chooser-{_version_in(CHOOSER_PATH)}"


CHOOSER_PATH = Path(__file__).with_name("chooser.json")


def _version_in(path: Path, *, parser: bool = False) -> str:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "none"
    return f"{meta.get('name', '?')}-{meta.get('version', '?')}" if parser else str(meta.get("version", "?"))


@functools.cache
def load_parser() -> ParseFn | None:
    """The shipped model as a parse function, or None (logged) when it cannot be loaded: then
    attribution falls back to the rule layer."""
    try:
        import spacy
        from spacy.parts_of_speech import NAMES as pos_names
        from threadpoolctl import ThreadpoolController

        nlp = _load_with_ops(spacy, _numpy_blas_ops())
        # Found once: finding the loaded BLAS libraries reads the process's memory map, which
        # on every call cost about 1% of a build's workers.
        blas = ThreadpoolController()
    except Exception as err:  # any failure here means "no parser", never a failed build
        log.warning("attribution parser unavailable, using rules reason=%r", err)
        return None
    words_of = _WordReader(nlp.vocab.strings, pos_names)
    docs_of = _SteppedGreedyParse(nlp)

    def parse(texts: Sequence[str]) -> list[list[Word]]:
        # One BLAS thread: the build already runs one parsing process per core.
        with blas.limit(limits=1, user_api="blas"):
            return [words_of(doc) for doc in docs_of(texts)]

    return parse


class _SteppedGreedyParse:
    """The pipeline's Docs, with the dependency parser's greedy search stepped from Python.

    Each step scores every unfinished sentence's state at once (spaCy's step model, in numpy) and
    takes each state's best valid transition (the parser's own ``transition_states``, as its
    training loop does): spaCy's greedy decisions, and on the shipped model its trees word for
    word. Faster than both of spaCy's own loops here:

    - its greedy loop (``greedy_parse``) calls thinc's ``Vec.arg_max`` once per hidden unit, state
      and step, and in the pinned version's released wheel (3.8.18) each call takes and releases
      the GIL (a pair of mutex operations): about a fifth of a build's parsing time, measured with
      gdb and py-spy; its matrix products also run on thinc's generic BLIS kernels;
    - a beam search of width one (``beam_parse``) makes the same decisions without that, but
      spends about 45% of the parser's time cloning states and keeping priority queues a beam of
      one never needs: this loop parses 3,000 KJV cue sentences in 1.51 CPU-s against its 2.18.
    """

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self._parser = nlp.get_pipe("parser") if "parser" in nlp.pipe_names else None

    def __call__(self, texts: Sequence[str]) -> list[Any]:
        if self._parser is None:
            return list(self._nlp.pipe(texts, batch_size=_BATCH))
        docs = list(self._nlp.pipe(texts, batch_size=_BATCH, disable=["parser"]))
        for start in range(0, len(docs), _BATCH):
            _parse_greedily(self._parser, docs[start : start + _BATCH])
        return docs


def _parse_greedily(parser: Any, docs: list[Any]) -> None:
    import numpy

    states = parser.moves.init_batch(docs)
    if any(len(doc) for doc in docs):  # the step model needs at least one word
        step = parser.model.predict(docs)
        unfinished = [state for state in states if not state.is_final()]
        while unfinished:
            scores = numpy.ascontiguousarray(step.predict(unfinished), dtype="float32")
            unfinished = parser.transition_states(unfinished, scores)
        step.clear_memory()
    parser.set_annotations(docs, states)


_WORD_COLUMNS = ["IDX", "LENGTH", "LEMMA", "POS", "TAG", "DEP", "HEAD"]
_HEAD_WRAP = 2**64  # a head before its word is stored as a negative offset, in uint64


class _WordReader:
    """A spaCy Doc's words as :data:`Word` tuples, read as one array of the token columns, not
    through a new ``Token`` object per attribute read (and one more for its head)."""

    def __init__(self, strings: Any, pos_names: dict[int, str]) -> None:
        self._strings = strings
        self._names: dict[int, str] = {}  # string hash -> string: a few thousand lemmas and labels
        self._pos = dict(pos_names)

    def __call__(self, doc: Any) -> list[Word]:
        name, pos = self._name, self._pos
        words = []
        rows = doc.to_array(_WORD_COLUMNS).tolist()
        for i, (start, length, lemma, upos, tag, dep, head) in enumerate(rows):
            offset = head - _HEAD_WRAP if head >= _HEAD_WRAP // 2 else head
            words.append((start, start + length, name(lemma), pos[upos], name(tag), name(dep), i + offset))
        return words

    def _name(self, key: int) -> str:
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = self._strings[key]
        return found


def _load_with_ops(spacy: Any, ops: Any) -> Any:
    """The shipped model with ``ops`` doing its arithmetic (a model takes the ops current when
    it is built), its tokenizer splitting off glued quotation marks (see below)."""
    from thinc.api import get_current_ops, set_current_ops

    previous = get_current_ops()
    set_current_ops(ops)
    try:
        nlp = spacy.load(MODEL_DIR)
    finally:
        set_current_ops(previous)
    _split_glued_quotation_marks(nlp)
    return nlp


# A quotation mark glued to the next word ('issue,"he said', common in text stripped of markup)
# stays inside one token for spaCy's English rules ('issue,"he'), which the parser then makes the
# subject. These split it off: a comma before a quotation mark, and a quotation mark between a word
# (or its final punctuation) and a letter.
_GLUED_QUOTE_INFIXES = (
    r"(?<=[^\W\d_]),(?=[\"“”])",
    r"(?<=[^\W\d_][,.!?])[\"“”](?=[^\W\d_])",
    r"(?<=[^\W\d_])[\"“”](?=[^\W\d_])",
)


def _split_glued_quotation_marks(nlp: Any) -> None:
    from spacy.util import compile_infix_regex

    infixes = [*nlp.Defaults.infixes, *_GLUED_QUOTE_INFIXES]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _numpy_blas_ops() -> Any:
    """thinc's CPU ops with matrix products done by numpy's BLAS (OpenBLAS, built for this CPU's
    vector units) instead of the generic BLIS kernels thinc ships: the layers' products are most
    of the parsing time, and measured here they run about 3x faster (115 against 38 GFLOP/s on one
    core), the same numbers up to the order of float additions."""
    import numpy
    from thinc.api import NumpyOps

    class NumpyBlasOps(NumpyOps):  # type: ignore[misc]
        name = "citebot-numpy-blas"

        def gemm(self, x: Any, y: Any, out: Any = None, trans1: bool = False, trans2: bool = False) -> Any:
            left = x.T if trans1 else x
            right = y.T if trans2 else y
            if out is None:
                return numpy.matmul(left, right)
            numpy.matmul(left, right, out=out)
            return out

    return NumpyBlasOps()


class ParsedAhead:
    """A parse function that answers from sentences parsed ahead of time, many documents' in one
    call (a document of one verse hands the model one sentence: no batch, each call paying the
    pipeline's fixed costs), and parses whatever it was not given itself. A sentence's parse
    depends only on its text, so the answers are those of parsing each document alone."""

    def __init__(self, parse: ParseFn, texts: Sequence[str]) -> None:
        self._parse = parse
        unique = list(dict.fromkeys(t for t in texts if 0 < len(t) <= MAX_PARSE_CHARS))
        self._parsed = dict(zip(unique, parse(unique), strict=True)) if unique else {}

    def __call__(self, texts: Sequence[str]) -> list[list[Word]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._parsed]
        fresh = dict(zip(missing, self._parse(missing), strict=True)) if missing else {}
        return [self._parsed[t] if t in self._parsed else fresh[t] for t in texts]


def parse_spans(
    text: str, spans: Sequence[Span], parse: ParseFn, *, own_text: str | None = None
) -> list[Parsed | None]:
    """Each span of ``text`` parsed as one sentence, or None where it is too long or parsing fails.
    ``own_text`` (same length) is where each sentence's ``Parsed.text`` is cut from, when the
    parser was shown an altered copy of the document's text."""
    own = text if own_text is None else own_text
    wanted = [i for i, s in enumerate(spans) if 0 < s.end - s.start <= MAX_PARSE_CHARS]
    results: list[Parsed | None] = [None] * len(spans)
    try:
        raw = parse([text[spans[i].start : spans[i].end] for i in wanted])
    except Exception as err:  # a model failure on odd text falls back to the rules, never crashes
        log.warning("attribution parse failed, using rules reason=%r", err)
        return results
    for i, words in zip(wanted, raw, strict=True):
        base = spans[i].start
        sentence = own[base : spans[i].end]
        results[i] = Parsed(spans[i], sentence, tuple(_token(text, base, w) for w in words))
    return results


def _token(text: str, base: int, word: Word) -> Token:
    start, end, lemma, pos, tag, dep, head = word
    return Token(base + start, base + end, text[base + start : base + end], lemma, pos, tag, dep, head)
