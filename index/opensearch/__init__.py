"""citebot on an OpenSearch cluster: the same answers from an index many processes and machines share.

Nothing here is imported unless that backend is chosen (``CITEBOT_BACKEND=opensearch``); the
embedded index stays the default. ``config`` (settings), ``client`` (connection and one-line errors),
``layout`` (index names, mapping, document ids), ``build`` (parse a share of the corpus, bulk-load,
publish by alias swap) and ``reader`` (the answer layer's ``Reader`` over the cluster) are the stages.
"""

from __future__ import annotations

from index.opensearch.config import OpenSearchConfig

__all__ = ["OpenSearchConfig"]
