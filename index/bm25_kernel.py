"""The scorer's query kernel, compiled by numba: one call a query.

It does what ``BM25Scorer``'s numpy path does (see ``index/bm25.py``), without the tens of numpy
calls around the adding: read the top segments of each term into a float32 buffer, keep the k-th
best sum, stop when what no passage left unseen can reach falls below it, complete the passages
that still can (a term's unread segments scanned, or searched passage by passage, whichever costs
less), and score the best few again exactly, in float64, term by term as ``get_scores`` adds them
(so equal scores stay equal and ties go to the lower id).

A query the top segments do not settle (its terms all common: the bounds stay high, and reading
on would read most postings, flagged, then walk the passages they touched at random) is added up
densely instead, as bm25s does: every posting not read yet into the float32 sums (the top
segments already read stay added), no flags, then the sums read by blocks in passage order for the
few that can be in the top k (``_dense``), and those rescored exactly as above. So does a query
whose completion would cost more than that.

Importing this module compiles the kernel, or loads it from numba's on-disk cache (``cache=True``:
``__pycache__`` beside this file, or numba's user-wide cache directory when that is read-only).
Only ``index.kernel_loader`` imports it, off the query path. The signature is given, so numba
compiles once, at import, and never again at a call (a call with other types is a TypeError, not
seconds of compiling). The index's arrays are declared read-only (memory-mapped files are) and the
query's writable: a call whose types match exactly takes numba's fast dispatch (a writable array
where a read-only one is declared also fits, but through a conversion costing microseconds).
``nogil=True``: the bot queries from several threads, each with its own buffers.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types

# Cost of a posting scanned (sequential, one flag read) against a passage searched for in one
# segment (a binary search: a few cache misses), in the same unit: measured on this machine.
_SCAN_COST = 1.0
_LOOKUP_COST = 40.0
# In the same unit, to choose between completing a pool and adding everything up densely: a
# touched passage visited at random (its sum and flags read or cleared), a posting added densely,
# a passage's sum searched and cleared by blocks (vectorized), and how much dearer the completion's
# scan is than its unit (each term scanned alone, its pool flagged and unflagged around it, then
# the pool narrowed again). Measured here on the bench's corpora at 100k and 1M passages.
_WALK_COST = 3.0
_DENSE_POSTING_COST = 1.0
_DENSE_PASSAGE_COST = 0.1
_COMPLETION_COST = 2.0
_POOL = np.uint8(1 << 7)  # a seen-flag bit: the passage is in the completion pool
_EMPTY_POOL = np.zeros(0, np.int32)
_EMPTY_SUMS = np.zeros(0, np.float32)
# Dense sums are searched for the best by blocks of this many passages (see _dense).
_BLOCK = 512
# One seen-flag bit a term, in a byte a passage (a quarter of the cache a wider flag would take);
# a query with more terms reads every posting.
_MAX_TERMS = 7

_RO_I32 = types.Array(types.int32, 1, "C", readonly=True)
_RO_I64 = types.Array(types.int64, 1, "C", readonly=True)
_RO_F32 = types.Array(types.float32, 1, "C", readonly=True)
_SIGNATURE = types.int64(  # how many of the best passages it wrote into the last two arguments
    _RO_I32,  # doc_ids: every posting's passage, segment by segment
    _RO_F32,  # weights: every posting's contribution
    _RO_I64,  # term_seg: term i's segments are term_seg[i]:term_seg[i + 1]
    _RO_I64,  # seg_start: segment j holds the postings seg_start[j]:seg_start[j + 1]
    _RO_F32,  # seg_max: the largest contribution in segment j
    types.int64[::1],  # terms: the query's terms (ids, each once)...
    types.float32[::1],  # times: ...and how often the query repeats each
    types.int64,  # k
    types.int64[::1],  # candidates: the passages the ranking is restricted to (sorted, distinct)...
    types.boolean,  # restricted: ...when this is true
    types.float32[::1],  # buffer: float32 sums, all zero between queries
    types.uint8[::1],  # seen: which terms' read segments named the passage, all zero between queries
    types.int32[::1],  # touched: scratch, one slot a passage
    types.float64,  # slack: relative room for float32 rounding in bounds and cuts
    types.float64,  # read_all_share: past this share of the postings, read them all...
    types.int64,  # read_all_below: ...and a query with no more postings than this reads them all
    types.float64,  # dense_share: a query with at least this many postings a passage may go dense...
    types.float64,  # unsettled_ratio: ...and does at once when its top segments look unable to settle it
    types.int64[::1],  # out_ids: the best passages, best first (room for min(k, passages))...
    types.float64[::1],  # out_scores: ...and their scores
)


@nb.njit(cache=True, nogil=True)
def _take(doc_ids, weights, seg_start, segment, times_t, bit, buffer, seen, touched, count):
    """Add one segment into the buffer, flag its passages, list the ones seen for the first time."""
    for p in range(seg_start[segment], seg_start[segment + 1]):
        d = doc_ids[p]
        if seen[d] == 0:
            touched[count] = d
            count += 1
        seen[d] |= bit
        buffer[d] += weights[p] * times_t
    return count


@nb.njit(cache=True, nogil=True)
def _read_all(doc_ids, weights, seg_start, nxt, end, times, buffer, seen, touched, count, cut):
    """Add every segment not read yet; every sum is then whole, so the pool is the passages at
    ``cut`` (a lower bound of the k-th sum) or above, with their sums. No flags: a passage's sum is
    above zero once it is touched (every contribution is), which is how a new one is told. The
    buffers are cleared in the same pass (one walk over the touched, not three): 0 is left to clear."""
    for t in range(len(nxt)):
        times_t = times[t]
        for p in range(seg_start[nxt[t]], seg_start[end[t]]):
            d = doc_ids[p]
            total = buffer[d]
            if total == 0.0:
                touched[count] = d
                count += 1
            buffer[d] = total + weights[p] * times_t
        nxt[t] = end[t]
    pool = np.empty(count, np.int32)
    sums = np.empty(count, np.float32)
    size = 0
    for i in range(count):
        d = touched[i]
        total = buffer[d]
        if total >= cut:
            pool[size] = d
            sums[size] = total
            size += 1
        buffer[d] = 0.0
        seen[d] = 0
    return 0, pool[:size], sums[:size], False


@nb.njit(cache=True, nogil=True)
def _kth(buffer, ids, count, k):
    """The k-th highest buffer value of ``ids[:count]`` (0 if fewer): a min-heap of the best k."""
    if count < k:
        return 0.0
    heap = np.empty(k, np.float32)
    for i in range(k):
        heap[i] = buffer[ids[i]]
    for i in range(k // 2 - 1, -1, -1):
        _sift_down(heap, i, k)
    for i in range(k, count):
        value = buffer[ids[i]]
        if value > heap[0]:
            heap[0] = value
            _sift_down(heap, 0, k)
    return float(heap[0])


@nb.njit(cache=True, nogil=True)
def _kth_of(values, k):
    """The k-th highest of ``values`` (at least k of them), in order: a min-heap of the best k."""
    heap = values[:k].copy()
    for i in range(k // 2 - 1, -1, -1):
        _sift_down(heap, i, k)
    for i in range(k, len(values)):
        if values[i] > heap[0]:
            heap[0] = values[i]
            _sift_down(heap, 0, k)
    return float(heap[0])


@nb.njit(cache=True, nogil=True)
def _sift_down(heap, i, size):
    while True:
        smallest, left, right = i, 2 * i + 1, 2 * i + 2
        if left < size and heap[left] < heap[smallest]:
            smallest = left
        if right < size and heap[right] < heap[smallest]:
            smallest = right
        if smallest == i:
            return
        heap[i], heap[smallest] = heap[smallest], heap[i]
        i = smallest


@nb.njit(cache=True, nogil=True)
def _frontier(seg_max, nxt, end, times, t):
    """The most a passage not seen in term t's read segments can still get from it."""
    return float(seg_max[nxt[t]]) * times[t] if nxt[t] < end[t] else 0.0


@nb.njit(cache=True, nogil=True)
def _threshold(
    doc_ids,
    weights,
    seg_start,
    seg_max,
    nxt,
    end,
    times,
    k,
    buffer,
    seen,
    touched,
    slack,
    read_all_share,
    read_all_below,
    dense_share,
    unsettled_ratio,
):
    """Top segments first until no unseen passage can reach the k-th sum; then the passages that
    still can, completed. Returns how many passages were touched, the completed pool with its sums,
    and whether the query is to be added up densely instead (``_dense``: the pool is then empty,
    the touched passages' flags are still to be cleared, and their sums stay, to be added to from
    the segments ``nxt`` on: every segment before those is in them)."""
    terms = len(nxt)
    total = 0
    for t in range(terms):
        total += seg_start[end[t]] - seg_start[nxt[t]]
    count = 0
    # Enough postings a passage that adding them all up and then reading every sum in order costs
    # less than walking the passages they touch at random.
    dense = total >= dense_share * len(buffer)
    # Not even the top segments read when they look unable to settle it (that would end in adding
    # up densely, having read them with flags for nothing but their sums).
    if dense and _unsettled(seg_max, nxt, end, times, unsettled_ratio):
        return count, _EMPTY_POOL, _EMPTY_SUMS, True
    if terms > _MAX_TERMS or total <= read_all_below:
        if dense:
            return count, _EMPTY_POOL, _EMPTY_SUMS, True
        return _read_all(doc_ids, weights, seg_start, nxt, end, times, buffer, seen, touched, count, 0.0)
    for t in range(terms):
        if nxt[t] < end[t]:
            count = _take(
                doc_ids, weights, seg_start, nxt[t], times[t], np.uint8(1 << t), buffer, seen, touched, count
            )
            nxt[t] += 1
    kth = 0.0
    frontiers = np.zeros(terms)
    while True:
        kth = _kth(buffer, touched, count, k)
        bound = 0.0
        for t in range(terms):
            frontiers[t] = _frontier(seg_max, nxt, end, times, t)
            bound += frontiers[t]
        gap = bound - kth * (1 - slack)
        if bound == 0.0 or gap < 0:
            break
        # Not settled by the top segments: then the terms are all common, their bounds stay high
        # and the rest would be read at several times the cost of adding it all up densely, which
        # is done instead (on top of what is read).
        if dense:
            return count, _EMPTY_POOL, _EMPTY_SUMS, True
        # The next segments of the terms with the most to give, until the bound would drop below
        # the k-th sum (which only rises as more is read)...
        drops = np.zeros(terms)  # how much each term's next segment lowers its frontier
        sizes = np.ones(terms, np.int64)
        for t in range(terms):
            if nxt[t] < end[t]:
                following = float(seg_max[nxt[t] + 1]) * times[t] if nxt[t] + 1 < end[t] else 0.0
                drops[t] = frontiers[t] - following
                sizes[t] = seg_start[nxt[t] + 1] - seg_start[nxt[t]]
        order = np.argsort(-frontiers)
        plan = np.empty(terms, np.int64)
        planned, size = 0, 0
        for t in order:
            if gap < 0:
                break
            if frontiers[t] == 0.0:
                continue
            plan[planned] = t
            planned += 1
            size += sizes[t]
            gap -= drops[t]
        # ...unless that is most of it: then all of it read, with no lookups.
        if count + size > read_all_share * total:
            return _read_all(
                doc_ids, weights, seg_start, nxt, end, times, buffer, seen, touched, count, kth * (1 - slack)
            )
        for i in range(planned):
            t = plan[i]
            count = _take(
                doc_ids, weights, seg_start, nxt[t], times[t], np.uint8(1 << t), buffer, seen, touched, count
            )
            nxt[t] += 1
    # Completing costs a walk over the touched passages at random and then, term by term, a scan
    # or lookups; adding every posting up densely may cost less (many passages still in reach,
    # the rest of common terms to scan for them): then that, on top of what is read.
    budget = _dense_cost(total, len(buffer), count) if dense else np.inf
    pool, switch = _complete(
        doc_ids,
        weights,
        seg_start,
        seg_max,
        nxt,
        end,
        times,
        buffer,
        seen,
        touched,
        count,
        kth * (1 - slack),
        budget,
    )
    if switch:
        return count, _EMPTY_POOL, _EMPTY_SUMS, True
    return count, pool, _gathered(buffer, pool), False


@nb.njit(cache=True, nogil=True)
def _unsettled(seg_max, first, end, times, ratio):
    """Whether the top segments look unable to settle the query, from the segment maxima alone
    (nothing read): the two largest contributions of the query's terms together, about the most
    the first segments give a passage at the k-th place, fall below ``ratio`` times the bound they
    would leave (what a passage unseen in them can still get: every term's second segment's
    largest). Reading them would then only lead to adding everything up densely. A guess, not a
    bound (see ``bm25._UNSETTLED_RATIO``): a wrong one costs the dense adding."""
    best, second, left = 0.0, 0.0, 0.0
    for t in range(len(first)):
        top = float(seg_max[first[t]]) * times[t]
        if top > best:
            best, second = top, best
        elif top > second:
            second = top
        if first[t] + 1 < end[t]:
            left += float(seg_max[first[t] + 1]) * times[t]
    return best + second < ratio * left


@nb.njit(cache=True, nogil=True)
def _gathered(buffer, ids):
    sums = np.empty(len(ids), np.float32)
    for i in range(len(ids)):
        sums[i] = buffer[ids[i]]
    return sums


@nb.njit(cache=True, nogil=True)
def _missing(frontiers):
    """For each set of seen-flags, what the terms not in it can still
    give: a passage's bound is then one lookup, not a loop over the terms."""
    terms = len(frontiers)
    table = np.zeros(1 << terms)
    for flags in range(1 << terms):
        for t in range(terms):
            if ((flags >> t) & 1) == 0:
                table[flags] += frontiers[t]
    return table


@nb.njit(cache=True, nogil=True)
def _kept(buffer, seen, frontiers, ids, size, cut):
    """Keep (in place, in order) those of ``ids[:size]`` whose bound reaches ``cut``: their sum so
    far and what the terms their read segments did not name can still give. How many are kept."""
    table = _missing(frontiers)
    mask = (1 << len(frontiers)) - 1
    kept = 0
    for i in range(size):
        d = ids[i]
        if buffer[d] + table[seen[d] & mask] >= cut:
            ids[kept] = d
            kept += 1
    return kept


@nb.njit(cache=True, nogil=True)
def _complete(
    doc_ids, weights, seg_start, seg_max, nxt, end, times, buffer, seen, touched, count, cut, budget
):
    """The touched passages that can still reach ``cut``, their sums completed from the segments
    left unread: a term at a time, scanned to its end or searched passage by passage, whichever
    costs less; each completed term tightens the others' bounds, so the pool shrinks as it goes.
    Returns the pool, and whether completing it would cost more than ``budget`` (then the pool is
    empty and nothing was completed: the query is to be added up densely)."""
    terms = len(nxt)
    frontiers = np.zeros(terms)
    for t in range(terms):
        frontiers[t] = _frontier(seg_max, nxt, end, times, t)
    pool = touched[:count].copy()
    size = _kept(buffer, seen, frontiers, pool, count, cut)
    lacking = np.zeros(terms, np.int64)
    first_round = True
    while True:
        lacking[:] = 0
        for i in range(size):
            flags = seen[pool[i]]
            for t in range(terms):
                if ((flags >> t) & 1) == 0:
                    lacking[t] += 1
        if first_round:
            first_round = False
            if _completion_cost(seg_start, nxt, end, lacking, count) > budget:
                return pool[:0], True
        best, best_cost = -1, 0.0
        for t in range(terms):
            cost = lacking[t] * (end[t] - nxt[t])
            if nxt[t] < end[t] and lacking[t] > 0 and cost >= best_cost:
                best, best_cost = t, cost
        if best < 0:
            break
        t = best
        bit = np.uint8(1 << t)
        rest = seg_start[end[t]] - seg_start[nxt[t]]
        if rest * _SCAN_COST < best_cost * _LOOKUP_COST:
            for i in range(size):
                seen[pool[i]] |= _POOL
            for p in range(seg_start[nxt[t]], seg_start[end[t]]):
                d = doc_ids[p]
                if seen[d] & _POOL and not seen[d] & bit:
                    buffer[d] += weights[p] * times[t]
            for i in range(size):
                seen[pool[i]] &= ~_POOL
        else:
            for i in range(size):
                d = pool[i]
                if not seen[d] & bit:
                    buffer[d] += _lookup(doc_ids, weights, seg_start, nxt[t], end[t], d) * times[t]
        nxt[t] = end[t]
        frontiers[t] = 0.0
        size = _kept(buffer, seen, frontiers, pool, size, cut)
    return pool[:size], False


@nb.njit(cache=True, nogil=True)
def _completion_cost(seg_start, nxt, end, lacking, touched):
    """What completing costs at most, in scan units: the walk over the touched passages, and each
    term's unread segments scanned or searched for the passages lacking it, whichever is less (the
    pool only shrinks as terms are completed)."""
    cost = 0.0
    for t in range(len(nxt)):
        if lacking[t] and nxt[t] < end[t]:
            scan = (seg_start[end[t]] - seg_start[nxt[t]]) * _SCAN_COST
            cost += min(scan, lacking[t] * (end[t] - nxt[t]) * _LOOKUP_COST)
    return touched * _WALK_COST + cost * _COMPLETION_COST


@nb.njit(cache=True, nogil=True)
def _dense_cost(postings, num_docs, touched):
    """What adding every posting up densely costs, in scan units, after clearing the passages
    touched so far."""
    return postings * _DENSE_POSTING_COST + num_docs * _DENSE_PASSAGE_COST + touched * _WALK_COST


@nb.njit(cache=True, nogil=True)
def _lookup(doc_ids, weights, seg_start, lo_segment, hi_segment, d):
    """Passage d's contribution in segments lo_segment:hi_segment of one term (0 if absent): a
    binary search in each (a term names a passage in one segment at most)."""
    for s in range(lo_segment, hi_segment):
        lo, hi = seg_start[s], seg_start[s + 1]
        while lo < hi:
            mid = (lo + hi) >> 1
            if doc_ids[mid] < d:
                lo = mid + 1
            else:
                hi = mid
        if lo < seg_start[s + 1] and doc_ids[lo] == d:
            return weights[lo]
    return np.float32(0.0)


@nb.njit(cache=True, nogil=True)
def _restricted_sums(doc_ids, weights, seg_start, first, end, times, candidates, buffer, seen, touched):
    """The float32 sums of the candidates alone (listed in ``touched``): every posting scanned for
    them, or each searched for, whichever costs less."""
    count = len(candidates)
    postings, segments = 0, 0
    for t in range(len(first)):
        postings += seg_start[end[t]] - seg_start[first[t]]
        segments += end[t] - first[t]
    for i in range(count):
        touched[i] = candidates[i]
    if postings * _SCAN_COST < count * segments * _LOOKUP_COST:
        for i in range(count):
            seen[touched[i]] = _POOL
        for t in range(len(first)):
            for p in range(seg_start[first[t]], seg_start[end[t]]):
                d = doc_ids[p]
                if seen[d]:
                    buffer[d] += weights[p] * times[t]
    else:
        for i in range(count):
            d = touched[i]
            for t in range(len(first)):
                buffer[d] += _lookup(doc_ids, weights, seg_start, first[t], end[t], d) * times[t]
    return count


@nb.njit(cache=True, nogil=True)
def _rescored(doc_ids, weights, seg_start, first, end, times, pool, sums, k, slack):
    """The best k of ``pool`` by exact score: their float32 ``sums`` choose the few near the top
    (with room for their rounding), which are then scored in float64, term by term in query order."""
    cut = _kth_of(sums, k) * (1 - slack) if len(pool) > k else 0.0
    near = np.empty(len(pool), np.int64)
    size = 0
    for i in range(len(pool)):
        if sums[i] > 0 and sums[i] >= cut:
            near[size] = pool[i]
            size += 1
    near = near[:size]
    exact = np.zeros(size)
    for i in range(size):
        for t in range(len(first)):
            exact[i] += np.float32(_lookup(doc_ids, weights, seg_start, first[t], end[t], near[i]) * times[t])
    order = np.argsort(near)  # ids ascending, then a stable sort by score descending: ties to the lower id
    order = order[np.argsort(-exact[order], kind="mergesort")]
    keep = min(k, size)
    ids = np.empty(keep, np.int64)
    scores = np.empty(keep)
    taken = 0
    for j in order:
        if taken == keep or exact[j] <= 0:
            break
        ids[taken] = near[j]
        scores[taken] = exact[j]
        taken += 1
    return ids[:taken], scores[:taken]


@nb.njit(cache=True, nogil=True)
def _clear(buffer, seen, touched, count):
    """Zero the sums and flags of the passages ``touched[:count]``."""
    for i in range(count):
        buffer[touched[i]] = 0.0
        seen[touched[i]] = 0


@nb.njit(cache=True, nogil=True)
def _unflag(seen, touched, count):
    """Zero the flags of the passages ``touched[:count]`` (their sums stay)."""
    for i in range(count):
        seen[touched[i]] = 0


@nb.njit(cache=True, nogil=True)
def _dense(doc_ids, weights, seg_start, nxt, end, times, k, buffer, slack):
    """Every posting of the query from segments ``nxt`` on added into the float32 sums (which hold
    the segments before those already), then the passages whose sums can be in the top k found by
    blocks, and the sums cleared. Returns those passages and their sums.

    For a query whose bounds cannot prune (its terms all common) this reads what must be read in
    the cheapest way: no seen-flags, no list of touched passages and no walk over them at random.
    Each block's largest sum is found in one vectorized pass; the k-th largest of those is at most
    the k-th best sum (k blocks hold a sum at least that large), so only the blocks reaching it,
    a few, are read passage by passage, and only the blocks touched are cleared."""
    for t in range(len(nxt)):
        times_t = times[t]
        for p in range(seg_start[nxt[t]], seg_start[end[t]]):
            buffer[doc_ids[p]] += weights[p] * times_t
    tops = _block_tops(buffer).view(np.float32)
    floor = np.float32(_kth_of(tops, k) * (1 - slack) if len(tops) >= k else 0.0)
    found = 0
    for b in range(len(tops)):
        if tops[b] > 0 and tops[b] >= floor:
            for d in range(b * _BLOCK, min(len(buffer), (b + 1) * _BLOCK)):
                found += buffer[d] > 0 and buffer[d] >= floor
    pool = np.empty(found, np.int32)
    sums = np.empty(found, np.float32)
    found = 0
    for b in range(len(tops)):
        if tops[b] == 0:  # untouched: all zero already
            continue
        lo, hi = b * _BLOCK, min(len(buffer), (b + 1) * _BLOCK)
        if tops[b] >= floor:
            for d in range(lo, hi):
                if buffer[d] > 0 and buffer[d] >= floor:
                    pool[found] = d
                    sums[found] = buffer[d]
                    found += 1
        buffer[lo:hi] = 0.0
    return pool, sums


@nb.njit(cache=True, nogil=True)
def _block_tops(buffer):
    """The largest sum of each block of _BLOCK passages, as its bits. Sums are never negative, and
    non-negative floats order as their bits do as integers, which a loop of known length over
    32-bit integers compares several at a time (floats, with their NaN rules, would not be)."""
    bits = buffer.view(np.int32)
    full = len(buffer) // _BLOCK
    tops = np.zeros(full + (len(buffer) % _BLOCK > 0), np.int32)
    for b in range(full):
        top = np.int32(0)
        base = b * _BLOCK
        for j in range(_BLOCK):
            value = bits[base + j]
            top = value if value > top else top
        tops[b] = top
    for d in range(full * _BLOCK, len(buffer)):
        tops[full] = max(tops[full], bits[d])
    return tops


# Last: with its signature given, it is compiled here, and the functions it calls must exist.
@nb.njit(_SIGNATURE, cache=True, nogil=True)
def top_k(
    doc_ids,
    weights,
    term_seg,
    seg_start,
    seg_max,
    terms,
    times,
    k,
    candidates,
    restricted,
    buffer,
    seen,
    touched,
    slack,
    read_all_share,
    read_all_below,
    dense_share,
    unsettled_ratio,
    out_ids,
    out_scores,
):
    """The k best passages (ids, exact scores), best first, ties to the lower id, scores above 0,
    written into ``out_ids`` and ``out_scores`` (so that numba returns a number, not two new
    arrays); how many."""
    # Passage ids as unsigned: an index that cannot be negative needs no wrap-around check, which
    # makes adding a posting (a load, an add and a store) about a quarter cheaper.
    doc_ids = doc_ids.view(np.uint32)
    first = np.empty(len(terms), np.int64)
    end = np.empty(len(terms), np.int64)
    for t in range(len(terms)):
        first[t], end[t] = term_seg[terms[t]], term_seg[terms[t] + 1]
    if restricted:
        count = _restricted_sums(
            doc_ids, weights, seg_start, first, end, times, candidates, buffer, seen, touched
        )
        pool = touched[:count].copy()
        sums = _gathered(buffer, pool)
    else:
        nxt = first.copy()
        count, pool, sums, dense = _threshold(
            doc_ids,
            weights,
            seg_start,
            seg_max,
            nxt,
            end,
            times,
            k,
            buffer,
            seen,
            touched,
            slack,
            read_all_share,
            read_all_below,
            dense_share,
            unsettled_ratio,
        )
        if dense:
            _unflag(seen, touched, count)
            count = 0
            pool, sums = _dense(doc_ids, weights, seg_start, nxt, end, times, k, buffer, slack)
    ids, scores = _rescored(doc_ids, weights, seg_start, first, end, times, pool, sums, k, slack)
    _clear(buffer, seen, touched, count)  # what is left to clear
    out_ids[: len(ids)] = ids
    out_scores[: len(scores)] = scores
    return len(ids)
