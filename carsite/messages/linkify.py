"""Message text as HTML: everything escaped, web addresses made links that open in a new tab and pass no standing
(``rel="nofollow ugc noopener"``). Only http(s) addresses and www. ones become links; nothing else can."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?'\""
PAIRS = {")": "(", "]": "[", "}": "{"}


def _trim(url: str) -> tuple[str, str]:
    """The address without the punctuation that ends the sentence around it (a closing bracket stays when the
    address opened one), and what was cut off."""
    cut = ""
    while url:
        last = url[-1]
        if last in TRAILING or (last in PAIRS and url.count(PAIRS[last]) < url.count(last)):
            cut = last + cut
            url = url[:-1]
        else:
            break
    return url, cut


def linkify(text: str | None) -> Markup:
    """Escaped text with its web addresses as links (a Jinja filter: ``{{ message.body|linkify }}``)."""
    out: list[str] = []
    position = 0
    source = text or ""
    for match in URL.finditer(source):
        url, cut = _trim(match.group(0))
        if not url or url.lower() in ("http://", "https://", "www."):
            continue
        out.append(str(escape(source[position : match.start()])))
        href = url if url.lower().startswith(("http://", "https://")) else f"https://{url}"
        out.append(
            f'<a href="{escape(href)}" rel="nofollow ugc noopener" target="_blank">{escape(url)}</a>{escape(cut)}'
        )
        position = match.end()
    out.append(str(escape(source[position:])))
    return Markup("".join(out))
