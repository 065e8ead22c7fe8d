"""Searching the whole vault: a small query language, checked before it reaches the index.

    chuyen khoan            both words (any order), with or without Vietnamese marks
    "chuyển khoản"          the phrase
    vietcom*                a word starting with …
    a OR b, a AND b, (a OR b) c, -a / NOT a   (a query needs at least one word to find)

A mistake is a :class:`QuerySyntaxError` (a ``UsageError``: exit 2) that names
the position, e.g. ``unclosed quote at position 5``. Every word is quoted for
FTS5 so no text typed by a user can be read as FTS5 syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence_store import Vault, search_index
from evidence_store.errors import UsageError
from evidence_store.search_index import Hit, fold

from . import case_access
from .case_access import Hidden

MAX_LIMIT = 1000


class QuerySyntaxError(UsageError):
    def __init__(self, message: str, position: int, *, message_vi: str) -> None:
        super().__init__(f"search syntax error at position {position + 1}: {message}",
                         message_vi=f"lỗi cú pháp tìm kiếm ở vị trí {position + 1}: {message_vi}")
        self.position = position


@dataclass(frozen=True)
class _Token:
    kind: str  # word, phrase, lparen, rparen, or, and, not
    text: str
    pos: int
    prefix: bool = False


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "\"“”":
            close = min((j for j in (query.find('"', i + 1), query.find("”", i + 1)) if j >= 0), default=-1)
            if close < 0:
                raise QuerySyntaxError("unclosed quote", i, message_vi="dấu ngoặc kép chưa đóng")
            phrase = query[i + 1:close]
            if not _words(phrase):
                raise QuerySyntaxError("empty phrase", i, message_vi="cụm từ trống")
            tokens.append(_Token("phrase", phrase, i))
            i = close + 1
        elif ch == "(":
            tokens.append(_Token("lparen", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(_Token("rparen", ch, i))
            i += 1
        elif ch == "-" and i + 1 < n and not query[i + 1].isspace() and (i == 0 or query[i - 1].isspace() or
                                                                          query[i - 1] == "("):
            tokens.append(_Token("not", "-", i))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in "()\"“”":
                j += 1
            word = query[i:j]
            if word in ("OR", "AND", "NOT"):
                tokens.append(_Token(word.lower(), word, i))
            else:
                prefix = word.endswith("*")
                core = word.rstrip("*")
                if "*" in core:
                    raise QuerySyntaxError("'*' may only end a word", i + core.index("*"),
                                           message_vi="'*' chỉ được đặt ở cuối từ")
                if not _words(core):
                    raise QuerySyntaxError(f"{word!r} has no letters or digits to look for", i,
                                           message_vi=f"{word!r} không có chữ cái hay chữ số nào để tìm")
                tokens.append(_Token("word", core, i, prefix))
            i = j
    return tokens


def _words(text: str) -> list[str]:
    """The tokens FTS5's unicode61 would make (letters and digits runs)."""
    out, current = [], []
    for ch in text:
        if ch.isalnum():
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> str:
        if not self.tokens:
            raise QuerySyntaxError("empty query", 0, message_vi="truy vấn trống")
        expr = self.or_expr()
        token = self.peek()
        if token is not None:
            raise QuerySyntaxError(f"unexpected {token.text!r}", token.pos, message_vi=f"không mong đợi {token.text!r}")
        return expr

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.i += 1
            if self.peek() is None or self.peek().kind in ("rparen", "or", "and"):  # type: ignore[union-attr]
                raise QuerySyntaxError("OR needs a word after it", token.pos, message_vi="sau OR cần một từ")
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_expr(self) -> str:
        positive, negative = [], []
        start = self.peek()
        while (token := self.peek()) is not None and token.kind not in ("or", "rparen"):
            if token.kind == "and":
                self.i += 1
                continue
            if token.kind == "not":
                self.i += 1
                if self.peek() is None or self.peek().kind in ("rparen", "or", "and", "not"):  # type: ignore[union-attr]
                    raise QuerySyntaxError("NOT needs a word after it", token.pos, message_vi="sau NOT cần một từ")
                negative.append(self.primary())
            else:
                positive.append(self.primary())
        if not positive:
            where = start.pos if start is not None else len(self.query)
            raise QuerySyntaxError("a query needs at least one word to find (not only excluded ones)", where,
                                   message_vi="truy vấn cần ít nhất một từ để tìm (không chỉ các từ loại trừ)")
        expr = positive[0] if len(positive) == 1 else "(" + " AND ".join(positive) + ")"
        for neg in negative:
            expr = f"({expr} NOT {neg})"
        return expr

    def primary(self) -> str:
        token = self.peek()
        assert token is not None
        self.i += 1
        if token.kind == "lparen":
            if self.peek() is not None and self.peek().kind == "rparen":  # type: ignore[union-attr]
                raise QuerySyntaxError("empty parentheses", token.pos, message_vi="cặp ngoặc trống")
            inner = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QuerySyntaxError("unclosed parenthesis", token.pos, message_vi="ngoặc chưa đóng")
            self.i += 1
            return inner
        if token.kind == "rparen":
            raise QuerySyntaxError("')' without '('", token.pos, message_vi="có ')' mà không có '('")
        if token.kind == "phrase":
            return _quote(" ".join(_words(fold(token.text))))
        if token.kind == "word":
            words = _words(fold(token.text))
            if len(words) > 1:  # 0912.345.678 or e-mail: the words in sequence
                return _quote(" ".join(words)) + ("*" if token.prefix else "")
            return _quote(words[0]) + ("*" if token.prefix else "")
        raise QuerySyntaxError(f"unexpected {token.text!r}", token.pos, message_vi=f"không mong đợi {token.text!r}")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def to_fts(query: str) -> str:
    """The FTS5 query for a user's query (raises :class:`QuerySyntaxError`)."""
    return _Parser(query).parse()


@dataclass(frozen=True)
class SearchHit:
    hit: Hit
    item_name: str
    case_number: str

    def to_json(self) -> dict[str, Any]:
        return {**self.hit.to_json(), "item_name": self.item_name, "case": self.case_number}


def search(vault: Vault, query: str, *, case: str | None = None, kinds: list[str] | None = None,
           limit: int = 50, offset: int = 0) -> list[SearchHit]:
    """Hits of ``query`` in one case (number, id or uid) or across the cases the examiner may see, best first.

    A case the examiner is not assigned to is refused when named, and left out of an all-cases search
    (:func:`cross_case` counts what it holds)."""
    fts = to_fts(query)
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"the number of hits must be between 1 and {MAX_LIMIT}",
                         message_vi=f"số kết quả phải từ 1 đến {MAX_LIMIT}")
    if case:
        chosen = vault.get_case(case)
        case_access.require_visible(vault, chosen)
        case_ids: list[int] | None = [chosen.id]
    else:
        seen = case_access.visible(vault)
        case_ids = sorted(seen) if seen is not None else None
        if case_ids == []:
            return []
    hits = search_index.search(vault, fts, case_ids=case_ids, kinds=kinds, limit=limit, offset=offset)
    names = {c.id: c.number for c in vault.list_cases()}
    out = []
    for hit in hits:
        item = vault.get_item(hit.item_id)
        out.append(SearchHit(hit, item.name, names.get(hit.case_id, "")))
    return out


def cross_case(vault: Vault, query: str) -> tuple[list[tuple[str, int]], Hidden]:
    """(case number, hits) of every case the examiner may see where ``query`` matches, and what matched in the
    others (counted, not shown): the cross-case view of a search."""
    names = {c.id: c.number for c in vault.list_cases()}
    shown, hidden = case_access.split(vault, search_index.case_counts(vault, to_fts(query)), "hits")
    return [(names.get(case_id, str(case_id)), count) for case_id, count in shown], hidden


def cases_with(vault: Vault, query: str) -> list[tuple[str, int]]:
    """(case number, hits) of the cases the examiner may see where ``query`` matches."""
    return cross_case(vault, query)[0]


def hit_context(vault: Vault, item_id: int, place: str) -> list[tuple[str, str]]:
    """The indexed pieces of the item, the hit's piece first: what the app shows around a hit."""
    case_access.require_visible(vault, vault.get_case(vault.get_item(item_id).case_id))
    pieces = search_index.pieces_of(vault, item_id)
    return sorted(pieces, key=lambda p: p[0] != place)
