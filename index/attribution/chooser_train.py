"""Train the speaker chooser on the news dev set's gold, with k-fold cross-validation by document.

    python -m index.attribution.chooser_train    # --news ../shared/qa/news --folds 5 --seed 0 --cost 2

Every quote the pipeline finds in a dev-set article is gathered with its candidate speakers (the
rules choose while gathering, as before the chooser existed); a quote whose words match a gold
attribution labels each candidate right or wrong by the scorer's speaker rule (a shared word with
the gold name or the article's non-pronoun mention). Articles are the folds: each fold's model is
trained on the other articles and judged on its own, and only those held-out figures are printed,
as chooser figures and as score.py's quote recall and precision over the held-out articles. The
keep threshold is chosen on the held-out folds: it maximises right speakers minus ``cost`` times
wrong ones (a wrong speaker is worse than none). The shipped model is then fitted on every article
and written as JSON (coefficients, threshold, the held-out figures), never as a pickle.

Needs scikit-learn (a dev dependency); answering and building never import it.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.attribution.chooser import (
    CHOOSER_FILE,
    FEATURES,
    LearnedChooser,
    Option,
    RuleChooser,
    Situation,
    SpeakerChooser,
)
from index.corpus import scan_file
from index.models import Document, Quote

# The scorer's rule for a right speaker (../shared/qa/news/score.py): words shared after folding,
# titles and function words left out, a bare pronoun never counts.
_STOP = frozenset(
    """the a an of and for to in on at mr mrs ms dr president he she it they his her its their who one
    said says""".split()
)
_PRONOUNS = frozenset("he she it they we i you him her them".split())


def _fold(s: str | None) -> str:
    s = unicodedata.normalize("NFKD", s or "").replace("ı", "i")
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def _words(s: str | None) -> set[str]:
    return {w.strip(".,;:'\"“”’()-") for w in _fold(s).split()} - _STOP - {""}


def speaker_matches(predicted: str | None, gold: dict[str, object], text: str) -> bool:
    span = gold["speaker_span"]
    assert isinstance(span, list)
    mention = text[span[0] : span[1]]
    want = _words(str(gold["speaker"]))
    if _fold(mention).strip() not in _PRONOUNS:
        want |= _words(mention)
    return bool(_words(predicted) & want)


def covers(start: int, end: int, spans: Sequence[Sequence[int]]) -> bool:
    """The scorer's span rule: overlap at least half the shorter of prediction and gold."""
    gold_len = sum(b - a for a, b in spans)
    if end <= start or gold_len == 0:
        return False
    shared = sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
    return shared >= 0.5 * min(end - start, gold_len)


@dataclass
class Recorder:
    """A chooser that records every choice it is asked for and lets ``inner`` decide."""

    inner: SpeakerChooser
    seen: list[tuple[Situation, list[Option]]] = field(default_factory=list)

    def choose(self, options: Sequence[Option], situation: Situation) -> Option | None:
        self.seen.append((situation, list(options)))
        return self.inner.choose(options, situation)


@dataclass(frozen=True)
class Row:
    """One candidate of one gold-matched quote."""

    doc: str
    quote: int  # a number shared by the candidates of one quote
    features: tuple[float, ...]
    right: bool


def _documents(news: Path) -> dict[str, Document]:
    return {path.name: scan_file(path)[0] for path in sorted((news / "corpus").glob("*.txt"))}


def _gold(news: Path) -> dict[str, list[dict[str, object]]]:
    by_doc: dict[str, list[dict[str, object]]] = {}
    for line in (news / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            by_doc.setdefault(item["doc"], []).append(item)
    return by_doc


def _matching(golds: Sequence[dict[str, object]], start: int, end: int) -> list[dict[str, object]]:
    return [g for g in golds if covers(start, end, g["content"])]  # type: ignore[arg-type]


def collect_rows(documents: dict[str, Document], gold: dict[str, list[dict[str, object]]]) -> list[Row]:
    """The candidates of every quote that matches a gold attribution, labelled."""
    from index.quotes import find_quotes

    rows: list[Row] = []
    number = 0
    for name, document in documents.items():
        recorder = Recorder(RuleChooser())
        find_quotes(document.doc, document.text, document.paragraphs, chooser=recorder)
        for situation, options in recorder.seen:
            golds = [g for q in situation.quotes for g in _matching(gold.get(name, []), q.start, q.end)]
            if not golds or not options:
                continue
            number += 1
            for option in options:
                right = any(speaker_matches(option.candidate.name, g, document.text) for g in golds)
                rows.append(Row(name, number, option.features, right))
    return rows


def fit(rows: Sequence[Row], threshold: float) -> LearnedChooser:
    from sklearn.linear_model import LogisticRegression

    if len({r.right for r in rows}) < 2:
        raise SystemExit("chooser_train: the gold gives no right and wrong candidates to learn from")
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit([r.features for r in rows], [int(r.right) for r in rows])
    weights = tuple(float(w) for w in model.coef_[0])
    return LearnedChooser(weights, float(model.intercept_[0]), threshold, _version(weights, threshold))


def _version(weights: Sequence[float], threshold: float) -> str:
    digest = hashlib.sha256(json.dumps([list(weights), threshold, list(FEATURES)]).encode()).hexdigest()
    return f"lr-{digest[:10]}"


def folds_of(docs: Sequence[str], k: int, seed: int) -> dict[str, int]:
    """Each article's fold: a seeded shuffle, dealt round-robin."""
    order = sorted(docs)
    random.Random(seed).shuffle(order)
    return {doc: i % k for i, doc in enumerate(order)}


_OWN = FEATURES.index("src_own")
_PREVIOUS = FEATURES.index("src_previous")


@dataclass
class Figures:
    quotes: int = 0  # gold-matched quotes judged
    reachable: int = 0  # ... with a right candidate among the options
    kept_right: int = 0
    kept_wrong: int = 0

    def line(self) -> str:
        kept = self.kept_right + self.kept_wrong
        return (
            f"accuracy {self.kept_right}/{self.quotes} = {self.kept_right / max(1, self.quotes):.3f}, "
            f"abstained {self.quotes - kept}/{self.quotes} = "
            f"{(self.quotes - kept) / max(1, self.quotes):.3f}, "
            f"precision of kept speakers {self.kept_right}/{kept} = {self.kept_right / max(1, kept):.3f} "
            f"(a right candidate was among the options for {self.reachable})"
        )


def _judge(rows: Sequence[Row], chooser: LearnedChooser | None, figures: Figures) -> list[tuple[float, bool]]:
    """Choose for each quote in ``rows``; count into ``figures``; return (best probability, right)."""
    by_quote: dict[int, list[Row]] = {}
    for row in rows:
        by_quote.setdefault(row.quote, []).append(row)
    best: list[tuple[float, bool]] = []
    for candidates in by_quote.values():
        figures.quotes += 1
        figures.reachable += any(r.right for r in candidates)
        if chooser is None:  # the rules: the cue's own speaker, else the previous one
            picked = next((r for r in candidates if r.features[_OWN]), None)
            picked = picked or next((r for r in candidates if r.features[_PREVIOUS]), None)
            if picked is not None:
                figures.kept_right += picked.right
                figures.kept_wrong += not picked.right
            continue
        scored = [(chooser.probability(r.features), r) for r in candidates]
        probability, top = max(scored, key=lambda pair: pair[0])
        best.append((probability, top.right))
        if probability >= chooser.threshold:
            figures.kept_right += top.right
            figures.kept_wrong += not top.right
    return best


def pick_threshold(best: Sequence[tuple[float, bool]], cost: float, slack: float = 1.0) -> float:
    """The keep threshold maximising right - cost * wrong kept speakers, set midway between the
    last probability it drops and the first it keeps. On a few hundred quotes one example decides
    between neighbouring cuts, so the lowest cut within ``slack`` of the best is taken: a higher
    threshold must win by more than one right speaker to be worth the speakers it drops."""
    seen = sorted({p for p, _ in best})
    cuts = [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(seen)]
    gains = [sum(r - cost * (not r) for p, r in best if p >= t) for t in cuts]
    top = max(gains)
    return next(t for t, gain in zip(cuts, gains, strict=True) if gain >= top - slack)


def quote_scores(
    documents: dict[str, Document], gold: dict[str, list[dict[str, object]]], chooser: SpeakerChooser
) -> tuple[int, int, int, int]:
    """score.py's quote figures over these documents: (found gold, gold, right predictions, predictions)."""
    from index.quotes import find_quotes

    found = total = right = predicted = 0
    for name, document in documents.items():
        quotes = find_quotes(document.doc, document.text, document.paragraphs, chooser=chooser)
        golds = gold.get(name, [])
        total += len(golds)
        found += sum(any(_found_by(q, g, document.text) for q in quotes) for g in golds)
        predicted += len(quotes)
        right += sum(any(_found_by(q, g, document.text) for g in golds) for q in quotes)
    return found, total, right, predicted


def _found_by(quote: Quote, gold: dict[str, object], text: str) -> bool:
    spans = gold["content"]
    return covers(quote.start, quote.end, spans) and speaker_matches(quote.speaker, gold, text)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the speaker chooser (k-fold by document).")
    parser.add_argument("--news", type=Path, default=Path("../shared/qa/news"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cost", type=float, default=2.0, help="how much worse a wrong speaker is than none")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(CHOOSER_FILE))
    args = parser.parse_args(argv)

    documents = _documents(args.news)
    gold = _gold(args.news)
    rows = collect_rows(documents, gold)
    fold = folds_of(list(documents), args.folds, args.seed)
    quotes = len({r.quote for r in rows})
    print(f"{len(documents)} articles, {quotes} gold-matched quotes, {len(rows)} candidates")

    # Held-out probabilities of each fold's model pick the threshold ...
    models: list[LearnedChooser] = []
    best: list[tuple[float, bool]] = []
    for k in range(args.folds):
        model = fit([r for r in rows if fold[r.doc] != k], 0.0)
        models.append(model)
        best += _judge([r for r in rows if fold[r.doc] == k], model, Figures())
    threshold = pick_threshold(best, args.cost)
    # ... and the held-out figures at that threshold are the ones reported.
    held_out, rules = Figures(), Figures()
    scores = [0, 0, 0, 0]
    rule_scores = [0, 0, 0, 0]
    for k, model in enumerate(models):
        model = LearnedChooser(model.weights, model.intercept, threshold, model.version)
        _judge([r for r in rows if fold[r.doc] == k], model, held_out)
        _judge([r for r in rows if fold[r.doc] == k], None, rules)
        fold_docs = {d: documents[d] for d in documents if fold[d] == k}
        scores = [a + b for a, b in zip(scores, quote_scores(fold_docs, gold, model), strict=True)]
        rule_scores = [
            a + b for a, b in zip(rule_scores, quote_scores(fold_docs, gold, RuleChooser()), strict=True)
        ]
    print(f"threshold {threshold:.3f} (held-out, cost of a wrong speaker {args.cost:g})")
    print(f"held-out chooser: {held_out.line()}")
    print(f"rules (before):   {rules.line()}")
    figures = {
        "chooser_quotes": _quote_line("held-out quotes, chooser", scores),
        "rules_quotes": _quote_line("same quotes, rules", rule_scores),
    }
    shipped = fit(rows, threshold)
    report = {
        "version": shipped.version,
        "features": list(FEATURES),
        "coefficients": [round(w, 6) for w in shipped.weights],
        "intercept": round(shipped.intercept, 6),
        "threshold": round(threshold, 6),
        "trained_on": f"{args.news.name} gold ({len(documents)} articles), seed {args.seed}",
        "held_out": {
            "folds": args.folds,
            "chooser": held_out.line(),
            "rules": rules.line(),
            **figures,
        },
    }
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({shipped.version})")
    return 0


def _quote_line(label: str, scores: Sequence[int]) -> str:
    found, total, right, predicted = scores
    line = (
        f"{label}: recall {found}/{total} = {found / max(1, total):.3f}, "
        f"precision {right}/{predicted} = {right / max(1, predicted):.3f}"
    )
    print(line)
    return line


if __name__ == "__main__":
    raise SystemExit(main())
