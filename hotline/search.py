"""Chinese full-text search for the knowledge base, identical on SQLite and PostgreSQL.

Chinese has no spaces, so text is segmented with jieba (search mode, which also yields the
shorter words inside long ones) into terms stored in an inverted index (`KnowledgeTerm`: entry,
term, weight). A query is segmented the same way and ranked with one set-based query:
score(entry) = Σ over matched terms of weight(entry, term) × idf(term), where weight counts a
term's occurrences (question ×3, answer ×1) and idf = ln(1 + N / df). No per-row loops, one
index (`term, entry`) — the same SQL on both databases.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict

import jieba

jieba.setLogLevel(logging.WARNING)

_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
_STOP = frozenset(
    "的 了 是 在 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 吗 呢 吧 啊 么 什么 怎么 "
    "如何 请问 请 可以 能 哪里 哪些 我们 他们 还是 或者 以及 及 与 对 为 把 被 之 其 该 等 个 些".split()
)
QUESTION_WEIGHT = 3.0
ANSWER_WEIGHT = 1.0


def tokenize(text: str) -> list[str]:
    """Search terms of `text`: jieba's search-mode words, lower-cased, without punctuation and
    stop words; single Chinese characters are kept only when nothing longer is found."""
    words = [w.strip().lower() for w in jieba.cut_for_search(text or "")]
    words = [w for w in words if w and _KEEP.search(w) and w not in _STOP]
    long_words = [w[:40] for w in words if len(w) > 1]
    return long_words or [w[:40] for w in words]


def term_weights(question: str, answer: str) -> dict[str, float]:
    weights: defaultdict[str, float] = defaultdict(float)
    for term in tokenize(question):
        weights[term] += QUESTION_WEIGHT
    for term in tokenize(answer):
        weights[term] += ANSWER_WEIGHT
    return dict(weights)


def idf(total_docs: int, doc_freq: int) -> float:
    return math.log(1 + total_docs / max(doc_freq, 1))
