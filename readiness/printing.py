"""The pack on paper: HTML from the templates in `templates/pack/`, and the PDF WeasyPrint
lays out from it.

`render_html(context)` is pure and quick to test. `write_pdf(html, out)` is the one place
that imports WeasyPrint; it gives it a URL fetcher that reads only our own templates
folder and `data:` URLs, so no file of the machine and no address on the network can
reach a pack, whatever an item's text holds. Every text is escaped by the templates, and
self-evaluation Markdown is rendered with raw HTML turned off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from evidence import project

TEMPLATES = project.TEMPLATES / "pack"
# The tagged, accessible PDF variant; WeasyPrint also sets the language, title, author
# and subject from the HTML.
PDF_VARIANT = "pdf/ua-1"


def markdown(text: str) -> Markup:
    """Self-evaluation Markdown as HTML, raw HTML in it printed as text."""
    return Markup(_markdown().render(text))


@cache
def _markdown():
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
    # No picture (a URL to fetch), no link (a live address in the PDF) and no heading (a
    # bookmark among the pack's own): each prints as the text that was typed.
    return renderer.disable(["image", "link", "autolink", "heading", "lheading"])


@cache
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["rag_word"] = lambda rag: (rag or "not rated").upper()
    return environment


def render_html(context: dict[str, Any]) -> str:
    return _environment().get_template("pack.html").render(**context)


def fetcher():
    """A WeasyPrint URL fetcher that serves `data:` URLs and files under our templates
    folder, and refuses everything else."""
    from weasyprint.urls import URLFetcher

    class TemplatesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_relative_to(TEMPLATES) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"the pack fetches nothing from {url[:80]!r}")

    return TemplatesOnly(allowed_protocols=("data", "file"), allow_redirects=False)


def render_pdf(html: str):
    """WeasyPrint's laid-out document, for its pages and to write it."""
    from weasyprint import HTML

    page = HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=fetcher())
    return page.render(pdf_variant=PDF_VARIANT)  # tagged as it is laid out


def write_pdf(
    document, path: Path, written: Callable[[str], None] | None = None, *, work: Path | None = None
) -> str:
    """Write a laid-out document to `path` whole or not at all (to a temporary file in the
    command's `work` folder, then renamed into place: see evidence.exports.write_file);
    returns the SHA-256 of the PDF. `written` is called with it once the PDF is complete
    and before it takes the name, so what records it can refuse it."""
    from evidence.exports import write_file

    digest: list[str] = []

    def write(temporary: Path) -> None:
        document.write_pdf(temporary, pdf_variant=PDF_VARIANT)
        digest.append(hashlib.sha256(temporary.read_bytes()).hexdigest())
        if written is not None:
            written(digest[0])

    write_file(Path(path), write, work=work)
    return digest[0]


def check_target(out: Path | None) -> Path:
    """Where a pack may be written: a new or ordinary file, in a folder that exists.
    Checked before the seconds of layout, not after."""
    import os
    import stat

    from evidence.errors import InvalidValue

    if out is None or not str(out).strip():
        raise InvalidValue("out", out or "", "is missing: give --out pack.pdf.")
    path = Path(out)
    if path.is_dir():
        raise InvalidValue("out", out, "is a folder: give a file name, such as pack.pdf.")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        raise InvalidValue("out", out, "is not an ordinary file (a device or a pipe).")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise InvalidValue("out", out, f"is in a folder that does not exist ({folder}).")
    if not os.access(folder, os.W_OK):
        raise InvalidValue("out", out, f"is in a folder that cannot be written ({folder}).")
    return path


def keep_or_remove(conn, target: Path, work: Path) -> None:
    """Called just before a new pack takes its name: should the transaction recording it
    roll back, put back the file that had the name (kept under a hidden one meanwhile),
    or remove the new pack if there was none. The hidden one is noted in the command's
    `work` folder, so it goes when the command ends, or with the next command if this one
    is killed (see evidence.disk)."""
    import os

    from db import on_rollback
    from evidence import disk

    real = Path(os.path.realpath(target))
    previous = real.with_name(f".{real.name}.previous")
    if real.exists():
        previous.unlink(missing_ok=True)
        disk.note(work, previous)
        os.link(real, previous)
        on_rollback(conn, lambda: os.replace(previous, real))
    else:
        on_rollback(conn, lambda: real.unlink(missing_ok=True))
