"""Speakers: who a cue's words belong to, read off the parse.

The speaker is the cue's subject, followed up through participles (", saying"), coordinated verbs
("and said") and "was quoted as saying"; "according to X" gives X; a passive cue gives its "by"
agent or nobody. News inverts its cues ('"…," said X'), which the treebanks hardly show, so the
words right after a cue are read when the parse gives no subject. From the subject word we take the
mention: the proper-noun run that names it (an appositive's name for a role: "the spokesman, John
Smith"), its role nouns, and whom it speaks for ("Putin's press secretary Dmitry Peskov").
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources

from index.attribution.cues import Cue, addressee_verbs
from index.attribution.parse import Parsed
from index.models import Span

_NOMINAL = frozenset({"PROPN", "NOUN", "PRON", "NUM", "X"})
_PERSONAL = frozenset({"he", "she", "they", "it", "we", "i", "you"})
_RELATIVE = frozenset({"who", "which", "that"})
_NP_WORDS = frozenset({"DET", "ADJ", "PROPN", "NOUN", "NUM", "PRON"})
_CLIMB = {"advcl": "participle", "xcomp": "participle", "conj": "coordination", "ccomp": "clause"}


@dataclass(frozen=True, slots=True)
class Mention:
    """A speaker as the text gives it."""

    start: int
    end: int
    name: Span | None  # the proper-noun run that names the speaker, titles left out
    roles: frozenset[str]  # role nouns in the mention, lower-cased ("spokesman", "president")
    pronoun: bool
    definite_role: bool  # "the president": resolvable to a named person of the document
    speaks_for: str | None  # "Putin" for "Putin's press secretary Dmitry Peskov"
    how: str  # the rule that found it: subject, participle, coordination, inverted, according, agent
    relay: str | None = None  # "the Tass news agency" in "Tass quoted X as saying"


def _words(name: str) -> frozenset[str]:
    text = resources.files("index.data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@functools.cache
def titles() -> frozenset[str]:
    return _words("titles.txt")


@functools.cache
def role_nouns() -> frozenset[str]:
    return _words("roles.txt")


@functools.cache
def documents() -> frozenset[str]:
    """Nouns for texts that carry someone's words ("a statement from the Ministry")."""
    return frozenset("statement report release letter document filing post website".split())


@functools.cache
def not_speakers() -> frozenset[str]:
    return _words("not_speakers.txt")


@functools.cache
def subordinators() -> frozenset[str]:
    return _words("subordinators.txt")


@functools.cache
def organisation_words() -> frozenset[str]:
    """Head nouns of organisations and groups ("the government recommending …" names a speaker)."""
    return _words("organisation_words.txt")


def find_speaker(sentence: Parsed, cue: Cue, quoted: Sequence[Span] = ()) -> Mention | None:
    """The cue's speaker, or None; words inside ``quoted`` are someone's words, never the speaker."""
    found = _speaker_token(sentence, cue, quoted)
    if found is None:
        return None
    head, how = found
    if _inside(sentence, head, quoted):
        return None
    if how in ("according", "inverted") and sentence.tokens[head].pos != "PRON":
        return _surface_mention(sentence, cue.token + (2 if how == "according" else 1), head, how)
    mention = _mention(sentence, head, how, cue.token)
    before = cue.token - 1
    unnamed = mention is not None and mention.name is None and not mention.pronoun
    if unnamed and before > head and sentence.tokens[before].pos == "PROPN":
        # "Battambang deputy governor and the committee's chief Siem Sim says": the name by the verb
        mention = _mention(sentence, before, how, cue.token) or mention
    if mention is not None and how == "quoted":
        mention = replace(mention, relay=_relay(sentence, cue.token))
    return mention


def _relay(sentence: Parsed, cue: int) -> str | None:
    """Who quoted the speaker: the subject of "quoted" in "Tass quoted X as saying"."""
    tokens = sentence.tokens
    quoting = tokens[cue].head
    subject = _subject(sentence, quoting)
    if subject is None:
        return None
    lo, hi = _phrase_bounds(sentence, subject)
    return _text_of(sentence, Span(tokens[lo].start, tokens[hi].end))


def _surface_mention(sentence: Parsed, lo: int, head: int, how: str) -> Mention | None:
    """The mention made of the words lo..head (after "according to", or after an inverted cue)."""
    tokens = sentence.tokens
    owner = None
    owner_span: Span | None = None
    first = lo
    for k in range(lo, head):
        if tokens[k].text in ("'s", "’s"):
            run = _name_run(sentence, k - 1) if k > lo else None
            owner = _text_of(sentence, run) if run is not None else owner
            owner_span = run if run is not None else owner_span
            lo = k + 1  # "Putin's press secretary Dmitry Peskov": Peskov speaks, for Putin
    name = _name_run(sentence, head, lo)
    if name is None and owner is not None and tokens[head].lemma.lower() in documents():
        name = owner_span  # "Cornyn's statement added": the statement's author speaks
    if name is not None and _text_of(sentence, name).lower() in not_speakers():
        return None
    roles = frozenset(
        tokens[k].lemma.lower()
        for k in range(lo, head + 1)
        if tokens[k].pos == "NOUN" or _is_title(tokens[k].text)
    )
    definite = tokens[lo].text.lower() == "the" and name is None and bool(roles)
    return Mention(tokens[first].start, tokens[head].end, name, roles, False, definite, owner, how)


def _text_of(sentence: Parsed, span: Span) -> str:
    base = sentence.span.start
    return sentence.text[span.start - base : span.end - base]


def agentless_passive(sentence: Parsed, cue: Cue) -> bool:
    """'She was told to disconnect': a passive cue with no "by" agent names no speaker, and no
    other reading should supply one."""
    return _passive(sentence, cue.token) and _agent(sentence, cue.token) is None


def _inside(sentence: Parsed, i: int, quoted: Sequence[Span]) -> bool:
    at = sentence.tokens[i].start
    return any(q.start <= at < q.end for q in quoted)


def _follows_quotation(sentence: Parsed, cue: int, quoted: Sequence[Span]) -> bool:
    """'"…," said X': only marks and commas stand between a quotation's end and the cue."""
    start = sentence.tokens[cue].start
    before = [q for q in quoted if q.end <= start]
    if not before:
        return False
    gap = sentence.text[before[-1].end - sentence.span.start : start - sentence.span.start]
    return not gap.strip(" ,;:—–-\n\t\xa0\"'“”’")


def _speaker_token(sentence: Parsed, cue: Cue, quoted: Sequence[Span]) -> tuple[int, str] | None:
    tokens = sentence.tokens
    if cue.kind == "according":
        return _according_source(sentence, cue.token)
    before = cue.token - 1
    if (
        tokens[cue.token].pos == "NOUN"
        and before >= 0
        and _subject_like(tokens[before].pos, tokens[before].tag)
    ):
        return before, "adjacent"  # "Australian woman claims Church …": the cue was read as a noun
    invertible = cue.lemma not in addressee_verbs()
    if invertible and _follows_quotation(sentence, cue.token, quoted):
        inverted = _after_cue(sentence, cue.token)
        if inverted is not None:
            return inverted, "inverted"
    agent = _agent(sentence, cue.token) if tokens[cue.token].tag == "VBN" else None
    if agent is not None:
        return agent, "agent"  # "as reported by City News"
    aside = _parenthetical_inverted(sentence, cue.token) if invertible else None
    if aside is not None:
        return aside, "inverted"  # "Institutional recipients, said Mauer, are required to …"
    relative = _relative_antecedent(sentence, cue.token)
    if relative is not None:
        return relative, "relative"  # "Devocht, who had told Montalvo …": Devocht
    own_subject = _subject(sentence, cue.token)
    if own_subject is None or _inside(sentence, own_subject, quoted):
        layout = _named_before_final_cue(sentence, cue.token)
        if layout is not None:
            return layout, "layout"  # "…, Ang Ky, chief of Stoung town, said."
        finite = tokens[cue.token].tag in ("VBD", "VBZ", "VBP")
        coordinated = cue.token > 0 and tokens[cue.token - 1].text.lower() in ("and", "but")
        if invertible and finite and not coordinated and cue.token > 0 and tokens[cue.token - 1].text == ",":
            inverted = _after_cue(sentence, cue.token)
            if inverted is not None:
                return inverted, "inverted"  # "People suffer most, said Sum Kim Sean, an official"
    i, how = cue.token, "subject"
    for _ in range(4):
        subject = _subject(sentence, i)
        if subject is not None and _inside(sentence, subject, quoted):
            break  # the subject of the quoted words, not of the cue
        if i != cue.token and tokens[i].dep == "ccomp" and tokens[i].head != i:
            # climbed into a reported clause ("theorized that an attack had occurred, and wrote"):
            # its subject is what was reported, not who reported it
            i = tokens[i].head
            continue
        if subject is not None:
            head = subject
            if tokens[head].text.lower() in _RELATIVE and tokens[i].dep == "acl:relcl":
                head = tokens[i].head  # "Smith, who said ...": the relative pronoun stands for Smith
            return (head, how) if tokens[head].pos in _NOMINAL else None
        if _passive(sentence, i):
            agent = _agent(sentence, i)
            return (agent, "agent") if agent is not None else None
        dep = tokens[i].dep
        parent = tokens[i].head
        if tokens[parent].lemma.lower() == "quote" and parent != i:
            quoted_one = _object(sentence, parent)  # "Tass quoted aide Ivan Petrov as saying"
            if quoted_one is not None:
                return quoted_one, "quoted"
        if dep == "acl" and _can_speak(sentence, parent):
            return parent, "participle"  # "with spokesman X saying ...", "a statement saying ..."
        if dep == "acl" and tokens[parent].head != parent:
            # "defended the record whilst promising …": the participle goes with the clause's subject
            i, how = tokens[parent].head, "participle"
            continue
        if dep in _CLIMB and parent != i:
            i, how = parent, _CLIMB[dep]
            continue
        break
    inverted = _after_cue(sentence, cue.token) if invertible else None
    if inverted is not None:
        return inverted, "inverted"
    before = cue.token - 1
    if before >= 0 and _subject_like(tokens[before].pos, tokens[before].tag) and own_subject is None:
        return before, "adjacent"  # "Paris claims she ...", where "claims" was read as a noun
    return None


def _parenthetical_inverted(sentence: Parsed, cue: int) -> int | None:
    """'…, said Name, …': an inverted cue set off by commas inside the report names its speaker
    right after it, whatever subject the parse gave the cue."""
    tokens = sentence.tokens
    if cue == 0 or tokens[cue - 1].text != "," or tokens[cue].tag not in ("VBD", "VBZ", "VBN"):
        return None
    name = _after_cue(sentence, cue)
    if name is None or tokens[name].pos != "PROPN" or any(t.pos != "PROPN" for t in tokens[cue + 1 : name]):
        return None
    after = name + 1
    return name if after < len(tokens) and tokens[after].text == "," else None


def _subject_like(pos: str, tag: str) -> bool:
    return pos in ("PROPN", "PRON") or tag == "NN"


def _relative_antecedent(sentence: Parsed, cue: int) -> int | None:
    """'Name, who (had) said …': the name before the relative pronoun that opens the cue's clause."""
    tokens = sentence.tokens
    k = cue - 1
    while k >= 0 and (tokens[k].pos in ("AUX", "ADV", "PART") and tokens[k].text.lower() != "who"):
        k -= 1
    if k < 2 or tokens[k].text.lower() != "who" or tokens[k - 1].text != ",":
        return None
    return k - 2 if tokens[k - 2].pos == "PROPN" else None


def _can_speak(sentence: Parsed, i: int) -> bool:
    """A name, a role or a document: "spokesman X saying", "a statement saying"; not "charges"."""
    token = sentence.tokens[i]
    lemma = token.lemma.lower()
    return (
        token.pos == "PROPN"
        or lemma in role_nouns()
        or lemma in documents()
        or lemma in organisation_words()
        or _is_title(token.text)
    )


def _named_before_final_cue(sentence: Parsed, cue: int) -> int | None:
    """News layout: a cue that ends its sentence after a comma, with a name before it, maybe with an
    apposition between ('…, Ang Ky, chief of Stoung town, said.', '…, Abraham, 92, said.')."""
    tokens = sentence.tokens
    after = cue + 1
    ends = after >= len(tokens) or (tokens[after].pos == "PUNCT" and tokens[after].text in (".", "!", "?"))
    if cue < 2 or tokens[cue - 1].text != ",":
        return None
    short_tail = (
        after < len(tokens)
        and tokens[after].pos in ("ADV", "ADP", "NOUN", "PROPN")
        and not any(t.pos in ("VERB", "AUX") for t in tokens[after:])
    )  # "…, Ang Ky said on Monday."
    if not ends and not short_tail:
        # 'Director Suleiman al-Amr, in remarks to TV, said "…"': the name opens the sentence
        return _opening_name_before(sentence, cue)
    segments: list[tuple[int, int]] = []  # comma-delimited stretches going left: (first, last)
    last = cue - 2
    k = last
    while k >= 0 and len(segments) < 2:
        if tokens[k].text == "," or k == 0:
            first = k + 1 if tokens[k].text == "," else k
            segments.append((first, last))
            last = k - 1
        k -= 1
    for n, (first, last) in enumerate(segments):
        while first <= last and tokens[first].pos == "PUNCT" and not _joined(sentence, first):
            first += 1  # the closing mark of a quotation before the name
        if first <= last and all(
            _name_word(tokens[j].pos, tokens[j].text) or _joined(sentence, j) for j in range(first, last + 1)
        ):
            if n == 1 and not _apposition(sentence, *segments[0]):
                return None
            return last
    return None


def _opening_name_before(sentence: Parsed, cue: int) -> int | None:
    """'<role> Name, <phrase without a verb>, said …': the name that ends the sentence's first
    comma-delimited stretch, when only a verbless phrase stands between it and the cue."""
    tokens = sentence.tokens
    commas = [k for k in range(cue) if tokens[k].text == ","]
    if len(commas) < 2 or commas[-1] != cue - 1:
        return None
    first_comma = commas[0]
    between = tokens[first_comma + 1 : cue - 1]
    relative = next((k for k, t in enumerate(between) if t.text.lower() in ("who", "which")), len(between))
    if len(between) > 30 or any(t.pos in ("VERB", "AUX") for t in between[:relative]):
        return None  # only a description (with its own "who …" or "which …" clause) may stand between
    last = first_comma - 1
    if last < 0 or tokens[last].pos != "PROPN" or any(t.pos in ("VERB", "AUX") for t in tokens[:first_comma]):
        return None
    return last


def _apposition(sentence: Parsed, first: int, last: int) -> bool:
    """'chief of Stoung town', 'an official with …', '92': a description, not a clause."""
    words = sentence.tokens[first : last + 1]
    return bool(words) and len(words) <= 12 and not any(t.pos in ("VERB", "AUX") for t in words)


def _subject(sentence: Parsed, i: int) -> int | None:
    """The nominal subject of ``i`` ("Discussing his concern, X said": the gerund is no subject)."""
    # A participle or infinitive takes no subject after it ("admitted to being a part of …": "part"
    # is what the poster was, not who wrote).
    nonfinite = sentence.tokens[i].tag in ("VBG", "VBN", "VB")
    # "has reacted" labelled passive is active: a passive subject without a passive verb is a subject.
    labels = ("nsubj", "nsubj:outer") if _passive(sentence, i) else ("nsubj", "nsubj:outer", "nsubj:pass")
    subjects = [
        j
        for j in sentence.children(i)
        if sentence.tokens[j].dep in labels
        and not (nonfinite and j > i)
        and sentence.tokens[j].text.lower() not in subordinators()
        and sentence.tokens[j].tag != "VBG"
        and sentence.tokens[j].pos != "VERB"
        and not _gerund_with_object(sentence, j)
    ]
    # A parse may give two; the one nearest the verb is its subject.
    return min(subjects, key=lambda j: abs(j - i)) if subjects else None


def _object(sentence: Parsed, i: int) -> int | None:
    for j in sentence.children(i):
        if sentence.tokens[j].dep in ("obj", "iobj"):
            return j
    return None


def _gerund_with_object(sentence: Parsed, j: int) -> bool:
    """'Discussing his concern, …' tagged as a name: an -ing word with an object is a verb."""
    token = sentence.tokens[j]
    return token.text.lower().endswith("ing") and any(
        sentence.tokens[k].dep == "obj" for k in sentence.children(j)
    )


def _passive(sentence: Parsed, i: int) -> bool:
    """A passive verb: a passive auxiliary, or a passive subject with no "have" ("has reacted",
    which the parse may label passive, is not)."""
    tokens = sentence.tokens
    children = sentence.children(i)
    if any(tokens[j].dep == "aux:pass" for j in children):
        return True
    perfect = any(tokens[j].dep == "aux" and tokens[j].lemma.lower() == "have" for j in children)
    return not perfect and any(tokens[j].dep == "nsubj:pass" for j in children)


def _agent(sentence: Parsed, i: int) -> int | None:
    """The "by X" of a passive cue."""
    tokens = sentence.tokens
    for j in sentence.children(i):
        if tokens[j].dep.startswith("obl") and any(
            tokens[k].text.lower() == "by" and tokens[k].dep == "case" for k in sentence.children(j)
        ):
            return j
    return None


def _according_source(sentence: Parsed, according: int) -> tuple[int, str] | None:
    """'according to White House spokesman Hogan Gidley': the noun phrase after 'to', read on the
    surface (the last noun of the run is its head), as parsers often misattach the phrase."""
    tokens = sentence.tokens
    j = according + 2
    last = None
    if j + 1 < len(tokens) and tokens[j].text[:1].islower() and tokens[j + 1].pos == "PROPN":
        j += 1  # "according to curator Elaine Gustafon", the title read as a verb
    while j < len(tokens) and (tokens[j].pos in _NP_WORDS or tokens[j].text in ("'s", "’s", "-")):
        if tokens[j].pos in _NOMINAL:
            last = j
        j += 1
        if (
            last is not None
            and j + 1 < len(tokens)
            and tokens[last].lemma.lower() in documents()
            and tokens[j].text.lower() in ("from", "by", "of")
        ):
            j += 1  # "according to a statement from the Ministry": the Ministry speaks
            last = None
    return (last, "according") if last is not None else None


def _after_cue(sentence: Parsed, cue: int) -> int | None:
    """'"…," said Kalin' / 'said the spokesman': the nominal right after the cue, when the clause
    ends there (not 'told police his daughter …', which names the listener)."""
    tokens = sentence.tokens
    j = cue + 1
    while (j < len(tokens) and tokens[j].pos in ("DET", "ADJ")) or (
        j < len(tokens)
        and tokens[j].pos in ("PROPN", "NOUN")
        and j + 1 < len(tokens)
        and tokens[j + 1].pos in ("PROPN", "NOUN")
    ):
        j += 1
    if j >= len(tokens) or tokens[j].pos not in ("PROPN", "NOUN", "PRON"):
        return None
    after = j + 1
    if after < len(tokens) and tokens[after].pos not in ("PUNCT", "ADP", "SCONJ", "ADV"):
        return None
    if tokens[j].pos == "PRON" and tokens[j].text.lower() not in _PERSONAL:
        return None
    before_cue = tokens[cue - 1] if cue > 0 else None
    if tokens[j].pos == "PRON" and (before_cue is None or before_cue.pos != "PUNCT"):
        return None  # "said he" only right after a quotation
    return j


def _mention(sentence: Parsed, head: int, how: str, cue: int) -> Mention | None:
    """The speaker's mention around its head word, read on the surface: the noun phrase's words
    (parsers trained on little news often split "spokesman Hogan Gidley" or "Jerome Powell")."""
    tokens = sentence.tokens
    token = tokens[head]
    if token.pos == "PRON" and not _acronym(token.text):
        if token.text.lower() not in _PERSONAL:
            return None
        return Mention(token.start, token.end, None, frozenset(), True, False, None, how)
    if token.tag == "VBG" or not (token.text[:1].isalnum()):
        return None  # "Discussing …", "-service attack": not a speaker
    lo, hi = _phrase_bounds(sentence, head)
    while lo < hi and tokens[lo].pos == "PUNCT":
        lo += 1
    if lo <= cue <= hi:  # the speaker's words never include the cue ("Paris claims")
        lo, hi = (cue + 1, hi) if head > cue else (lo, cue - 1)
    mention = _surface_mention(sentence, lo, hi, how)
    if mention is None or mention.name is not None:
        return mention
    # "the company's spokesman, John Smith, said" / "Bryan Reyes, Police Chief, told": a name in
    # apposition names the role.
    appos = [j for j in sentence.children(head) if tokens[j].dep == "appos"]
    name = next((n for n in (_name_run(sentence, j) for j in appos) if n is not None), None)
    start = mention.start
    if name is None:
        name = _name_in_apposition_after(sentence, hi)  # "The secretary general of CEI, Nunzio Galantino,"
    if name is None and lo >= 2 and tokens[lo - 1].text == ",":
        before = _name_run(sentence, lo - 2)
        first = _first_token(sentence, before) if before is not None else None
        if before is not None and first is not None and (first == 0 or tokens[first - 1].pos == "PUNCT"):
            name, start = before, before.start
    if name is None:
        return mention
    return Mention(start, mention.end, name, mention.roles, False, False, mention.speaks_for, how)


def _name_in_apposition_after(sentence: Parsed, hi: int) -> Span | None:
    """A name set off by commas right after a role (an "of …" phrase or a parenthesis may come first)."""
    tokens = sentence.tokens
    k = hi + 1
    for _ in range(8):  # "of CEI (Italian Episcopal Conference)"
        if k >= len(tokens) or tokens[k].text == ",":
            break
        if tokens[k].pos in ("VERB", "AUX"):
            return None
        k += 1
    if k + 1 >= len(tokens) or tokens[k].text != "," or tokens[k + 1].pos != "PROPN":
        return None
    run = _name_run(sentence, k + 1)
    end = next((j for j in range(k + 1, len(tokens)) if tokens[j].end >= run.end), None) if run else None
    if run is None or end is None or end + 1 >= len(tokens) or tokens[end + 1].text != ",":
        return None
    return run


def _first_token(sentence: Parsed, span: Span) -> int | None:
    return next((k for k, t in enumerate(sentence.tokens) if t.start == span.start), None)


def _phrase_bounds(sentence: Parsed, head: int) -> tuple[int, int]:
    """The run of noun-phrase words around ``head`` (determiners, adjectives, nouns, names, 's)."""
    tokens = sentence.tokens
    lo = hi = head
    while lo > 0 and _phrase_word(sentence, lo - 1) and tokens[lo - 1].pos != "PRON":
        lo -= 1
    while hi + 1 < len(tokens) and (
        tokens[hi + 1].pos in ("PROPN", "NOUN") or _joined(sentence, hi + 1) or _is_title(tokens[hi + 1].text)
    ):
        hi += 1
    return lo, hi


def _phrase_word(sentence: Parsed, k: int) -> bool:
    token = sentence.tokens[k]
    return (
        token.pos in _NP_WORDS
        or token.text in ("'s", "’s")
        or _joined(sentence, k)
        or (token.text.endswith(".") and token.text[:1].isupper() and len(token.text) <= 4)
    )


def _joined(sentence: Parsed, k: int) -> bool:
    """A hyphen inside a word ("Secretary-General", "El-Rufai")."""
    tokens = sentence.tokens
    return (
        tokens[k].text == "-"
        and 0 < k < len(tokens) - 1
        and tokens[k - 1].end == tokens[k].start
        and tokens[k].end == tokens[k + 1].start
    )


def sentence_text(sentence: Parsed, span: Span) -> str:
    """The words of ``span``, rebuilt from the sentence's tokens (no document text needed)."""
    return " ".join(t.text for t in sentence.tokens if span.start <= t.start and t.end <= span.end)


def _is_title(word: str) -> bool:
    return word.lower().strip(".") in titles()


def _name_run(sentence: Parsed, head: int, floor: int = 0) -> Span | None:
    """The run of proper nouns that holds ``head``, titles left out: 'Hogan Gidley', 'El-Rufai'."""
    tokens = sentence.tokens
    if tokens[head].pos != "PROPN" and not (
        (tokens[head].text[:1].isupper() and tokens[head].pos == "X") or _acronym(tokens[head].text)
    ):
        return None
    lo = hi = head
    while (
        lo > floor
        and (_name_word(tokens[lo - 1].pos, tokens[lo - 1].text) or _joined(sentence, lo - 1))
        and tokens[lo].text not in ("'s", "’s")
    ):
        lo -= 1
    while hi + 1 < len(tokens) and (tokens[hi + 1].pos == "PROPN" or _joined(sentence, hi + 1)):
        hi += 1
    while hi > lo and tokens[hi].text == "-":
        hi -= 1
    while lo < hi and (_is_title(tokens[lo].text) or tokens[lo].text == "-"):
        lo += 1
    if _is_title(tokens[lo].text) and lo == hi:
        return None  # a bare title ("the President") is a role, not a name
    return Span(tokens[lo].start, tokens[hi].end)


def _acronym(word: str) -> bool:
    """'WHO', 'CPJ': an organisation's letters, whatever the tagger made of them."""
    return len(word) >= 2 and word.isalpha() and word.isupper()


def _name_word(pos: str, text: str) -> bool:
    return pos == "PROPN" or (len(text) == 2 and text.endswith(".") and text[0].isupper())
