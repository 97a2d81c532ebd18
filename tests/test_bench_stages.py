"""bench.stages: py-spy samples put in the first stage whose frames they hold, per process kind."""

from __future__ import annotations

from bench.stages import stage_seconds, table

_WORKER = 'process 1:"python build.py";process 2:"python -P -c from index.workers import serve; serve()"'
_MAIN = 'process 1:"python build.py";<module> (build.py:3);build_index (index/engine.py:90)'


def test_samples_go_to_their_first_matching_stage_per_process() -> None:
    lines = [
        f"{_WORKER};serve (index/workers.py:1);parse_job (index/workers.py:2);"
        "ParsedAhead.__init__ (index/attribution/parse.py:3);pipe (spacy/language.py:4) 30",
        f"{_WORKER};serve (index/workers.py:1);parse_one (index/workers.py:5);"
        "parse_document (index/chunking.py:6);find_quotes (index/quotes.py:7) 10",
        f"{_WORKER};serve (index/workers.py:1);parse_one (index/workers.py:5);"
        "parse_document (index/chunking.py:6) 5",
        f"{_WORKER};serve (index/workers.py:1);something_new (index/x.py:1) 5",
        f"{_MAIN};GenerationWriter.add (index/writer.py:9) 4",
        'process 3:"python -c print (1)" -c',  # a command line alone: no count, skipped
    ]
    seconds = stage_seconds(lines, rate=10)
    worker, main = seconds["worker"], seconds["main"]
    assert worker["parse: spaCy (tok2vec, tagger, morphologizer, lemmatizer, parser)"] == 3.0
    assert worker["attribution rules (find_quotes)"] == 1.0  # not its caller's stage
    assert worker["sentences and passages (parse_document)"] == 0.5
    assert worker["other"] == 0.5
    assert main["writing batches (GenerationWriter.add)"] == 0.4
    assert sum(worker.values()) == 5.0 and sum(main.values()) == 0.4
    rows = table(seconds)
    assert "| worker | **all** | 5.0 | 100% |" in rows
    spacy = "parse: spaCy (tok2vec, tagger, morphologizer, lemmatizer, parser)"
    assert f"| worker | {spacy} | 3.0 | 60.0% |" in rows


def test_reading_the_words_is_told_from_the_parse_it_wraps() -> None:
    parse = f"{_WORKER};serve (index/workers.py:1);parse (index/attribution/parse.py:2)"
    listcomp = "load_parser.<locals>.parse.<locals>.<listcomp> (index/attribution/parse.py:3)"
    lines = [
        f"{parse};{listcomp} 2",  # the words read in the comprehension itself
        f"{parse};{listcomp};pipe (spacy/language.py:4) 6",  # the model, called from one
        f"{parse};{listcomp};_WordReader.__call__ (index/attribution/parse.py:5) 1",
    ]
    worker = stage_seconds(lines, rate=1)["worker"]
    assert worker["parse: reading the words off spaCy's Docs"] == 3
    assert worker["parse: spaCy (tok2vec, tagger, morphologizer, lemmatizer, parser)"] == 6
