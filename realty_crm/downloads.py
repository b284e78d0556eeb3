"""Tables answered as file downloads, for the web pages and the API alike."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, send_file, stream_with_context

from .services.tabular import TableFile


def _streamed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` as a response body: the first (the header row) at once, the rest in the request context.

    A WSGI server (and the test client) pulls the first chunk to start the response. Taken
    outside ``stream_with_context``, it leaves no context pushed behind a body that is never
    read further; closing the body closes the rest, which pops its contexts in order.
    """
    first = next(chunks)
    rest = stream_with_context(chunks)

    def body() -> Iterator[bytes]:
        yield first
        yield from rest

    return body()


def download(table: TableFile) -> Response:
    """An attachment of ``table``: CSV streamed while its rows are read, inside the request
    context (``stream_with_context``); XLSX streamed from its temporary file, closed once sent."""
    if table.chunks is not None:
        response = Response(_streamed(table.chunks), content_type=table.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{table.filename}"'
        return response
    assert table.file is not None
    return send_file(table.file, mimetype=table.mimetype, as_attachment=True, download_name=table.filename)
