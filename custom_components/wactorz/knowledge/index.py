"""A small BM25 index in pure Python, bounded in documents, terms and query size.

Shared by the ManualAgent (PDF pages) and the UDXAgent (sections of our docs).
Only the texts are persisted; the postings are rebuilt from them on load
(tokenizing is linear and runs in the executor for large inputs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import heapq
import math
import re

MAX_DOCUMENTS = 20_000
MAX_TOKENS_PER_DOCUMENT = 4_000
MAX_QUERY_TERMS = 32
MAX_TOKEN_CHARS = 40

_TOKEN_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "my",
        "me",
        "we",
        "our",
        "us",
    ]
)


def stem(token: str) -> str:
    """Return a light English stem: plural, -ing, -ed and a final -e removed."""
    if len(token) <= 3 or token.isdigit():
        return token
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)] + keep
    if token.endswith("es") and token[-3:-2] in ("s", "x", "z"):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    # "descale" and "descaling" meet at "descal"
    return token[:-1] if token.endswith("e") and len(token) > 4 else token


def tokenize(text: str, limit: int = MAX_TOKENS_PER_DOCUMENT) -> list[str]:
    """Return the stemmed terms of `text` without stopwords (at most `limit`)."""
    terms: list[str] = []
    for match in _TOKEN_RE.finditer(text.lower()):
        token = match[0][:MAX_TOKEN_CHARS]
        if token in STOPWORDS:
            continue
        terms.append(stem(token))
        if len(terms) >= limit:
            break
    return terms


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the document's position and its score."""

    doc: int
    score: float


class Bm25Index:
    """Okapi BM25 over a fixed list of texts (build once, query many times)."""

    __slots__ = ("_avgdl", "_b", "_idf", "_k1", "_lengths", "_postings")

    def __init__(
        self, texts: Iterable[str], *, k1: float = 1.5, b: float = 0.75
    ) -> None:
        """Index `texts` (at most MAX_DOCUMENTS; the rest are ignored)."""
        self._k1 = k1
        self._b = b
        self._lengths: list[int] = []
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for doc, text in enumerate(texts):
            if doc >= MAX_DOCUMENTS:
                break
            terms = tokenize(text)
            self._lengths.append(len(terms))
            for term, count in Counter(terms).items():
                self._postings.setdefault(term, []).append((doc, count))
        total = len(self._lengths)
        self._avgdl = (sum(self._lengths) / total) if total else 0.0
        self._idf = {
            term: math.log(1 + (total - len(posts) + 0.5) / (len(posts) + 0.5))
            for term, posts in self._postings.items()
        }

    def __len__(self) -> int:
        """Return the number of indexed documents."""
        return len(self._lengths)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        allowed: Sequence[bool] | None = None,
        boost: Sequence[float] | None = None,
    ) -> list[Hit]:
        """Return the best `k` documents for `query` (score > 0), best first.

        `allowed[doc]` False leaves a document out; `boost[doc]` multiplies its score.
        """
        terms = list(dict.fromkeys(tokenize(query, MAX_QUERY_TERMS)))
        if not terms or not self._lengths:
            return []
        k1, b, avgdl = self._k1, self._b, self._avgdl or 1.0
        lengths = self._lengths
        scores: dict[int, float] = {}
        for term in terms:
            posts = self._postings.get(term)
            if not posts:
                continue
            idf = self._idf[term]
            for doc, count in posts:
                if allowed is not None and not allowed[doc]:
                    continue
                norm = count + k1 * (1 - b + b * lengths[doc] / avgdl)
                scores[doc] = scores.get(doc, 0.0) + idf * count * (k1 + 1) / norm
        if boost is not None:
            scores = {doc: score * boost[doc] for doc, score in scores.items()}
        best = heapq.nlargest(
            max(1, k), scores.items(), key=lambda item: (item[1], -item[0])
        )
        return [Hit(doc, score) for doc, score in best if score > 0]
