"""A very small request/response model for the local platform servers (one route table per platform)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: dict[str, str]
    cookies: dict[str, str]
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qs

        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def page(html: str, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, html.encode("utf-8"), headers=headers or [])


def json_response(data: Any) -> Response:
    return Response(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def redirect(location: str, status: int = 302, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, b"", headers=[("Location", location), *(headers or [])])


def not_found() -> Response:
    return page("<!doctype html><title>404</title><p>Not found</p>", 404)


def script_json(data: Any) -> str:
    """JSON for inside a <script> element (no '</' can close it early)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
