"""Train the shipped English pipeline (tagger, morphologizer, lemmatizer, parser) on the UD treebanks.

    python -m index.attribution.train [--ud DIR] [--steps N] [--seed N] [--out DIR]

Trains on ``gum-train.conllu`` + ``en_ewt-ud-dev.conllu``, keeps the best model on ``gum-dev.conllu``,
scores it on ``en_ewt-ud-test.conllu`` and writes it (with its scores in ``meta.json``) to ``--out``,
by default the package's ``index/attribution/model``. Nothing is downloaded; the seed makes it
repeatable. About 3,000 steps take 10-20 CPU-minutes on the project's 2-core machine.

This module is a build-time tool: the engine never imports it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

CONFIG = Path(__file__).with_name("train.cfg")
MODEL_DIR = Path(__file__).with_name("model")
DEFAULT_UD = Path(__file__).resolve().parents[3] / "shared" / "nlp" / "ud"
TRAIN_FILES = ("gum-train.conllu", "en_ewt-ud-dev.conllu")
DEV_FILE = "gum-dev.conllu"
TEST_FILE = "en_ewt-ud-test.conllu"
# GUM's MISC column carries long entity/discourse annotations; only SpaceAfter matters to spaCy.
_MISC_KEEP = re.compile(r"SpaceAfter=No")


def strip_misc(conllu: str) -> str:
    """CoNLL-U with every MISC field reduced to SpaceAfter=No (or `_`)."""
    lines = []
    for line in conllu.splitlines():
        cols = line.split("\t")
        if len(cols) == 10:
            cols[9] = "SpaceAfter=No" if _MISC_KEEP.search(cols[9]) else "_"
            line = "\t".join(cols)
        lines.append(line)
    return "\n".join(lines) + "\n"


def convert(sources: list[Path], target: Path) -> int:
    """Write the CoNLL-U files as one spaCy DocBin (10 sentences a doc); returns the doc count."""
    from spacy.tokens import DocBin
    from spacy.training.converters import conllu_to_docs  # type: ignore[attr-defined]

    docs = DocBin(store_user_data=False)
    for source in sources:
        text = strip_misc(source.read_text(encoding="utf-8"))
        for doc in conllu_to_docs(text, n_sents=10, no_print=True):  # type: ignore[no-untyped-call]
            docs.add(doc)
    docs.to_disk(target)
    return len(docs)


def score(model: Path, test: Path) -> dict[str, float]:
    """POS, tag, lemma, UAS and LAS of ``model`` on the gold ``test`` DocBin."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Example

    nlp = spacy.load(model)
    gold = list(DocBin().from_disk(test).get_docs(nlp.vocab))
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in gold]
    scores = nlp.evaluate(examples, batch_size=64)
    keys = {"pos_acc": "pos", "tag_acc": "tag", "lemma_acc": "lemma", "dep_uas": "uas", "dep_las": "las"}
    return {name: round(float(scores[key]), 4) for key, name in keys.items()}


def train(ud: Path, out: Path, steps: int, seed: int) -> dict[str, Any]:
    from spacy.cli.train import train as spacy_train

    with tempfile.TemporaryDirectory(prefix="citebot-train-") as tmp:
        work = Path(tmp)
        convert([ud / name for name in TRAIN_FILES], work / "train.spacy")
        convert([ud / DEV_FILE], work / "dev.spacy")
        convert([ud / TEST_FILE], work / "test.spacy")
        overrides = {
            "paths.train": str(work / "train.spacy"),
            "paths.dev": str(work / "dev.spacy"),
            "training.max_steps": steps,
            # evaluate at least once before the end, so model-best is never the untrained model
            "training.eval_frequency": min(500, steps),
            "system.seed": seed,
        }
        spacy_train(CONFIG, work / "output", overrides=overrides, use_gpu=-1)
        best = work / "output" / "model-best"
        scores = score(best, work / "test.spacy")
        meta_path = best / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta.update(
            name="citebot_attribution",
            version=f"1.0.{steps}",
            license="CC BY-SA 4.0",
            sources=[{"name": name} for name in (*TRAIN_FILES, DEV_FILE)],
            citebot_test_scores={"file": TEST_FILE, **scores},
            citebot_training={"steps": steps, "seed": seed},
        )
        meta.pop("performance", None)
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        card = (out / "README.md").read_text(encoding="utf-8") if (out / "README.md").exists() else None
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(best, out)
        if card is not None:  # the model card (licence, attribution) stays; update its scores by hand
            (out / "README.md").write_text(card, encoding="utf-8")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.attribution.train", description=__doc__)
    parser.add_argument("--ud", type=Path, default=DEFAULT_UD, help="folder of the UD .conllu files")
    parser.add_argument("--steps", type=int, default=3000, help="training steps (default 3000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where to write the model")
    args = parser.parse_args(argv)
    scores = train(args.ud, args.out, args.steps, args.seed)
    print(json.dumps({"model": str(args.out), TEST_FILE: scores}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
