"""An altair renderer whose output works with no network: the chart library travels inside the page.

Altair's own renderers load vega, vega-lite and vega-embed from a CDN, so a page mailed to a
researcher behind a firewall shows no chart. This renderer emits the bundle of all three that
``vl_convert`` ships (about 0.9 MB) with the first chart of a kernel, and for every chart a ``<div>``
plus a short script that draws it with ``vegaEmbed`` as SVG. On success the div is marked
``data-rendered="1"``; on failure a readable message is written into it. Each chart keeps
vega-embed's menu with "Save as SVG" and "Save as PNG" (drawn in the browser, so offline too). A tiny linker keeps the
``highlight`` parameter (see :mod:`nianbao.analysis.charts`) of every chart on the page in step.

With ``mode="svg"`` charts are drawn in Python by vl-convert and inlined as static SVG (no script,
no interactivity); use it where scripts are stripped.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import uuid
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import altair as alt

from nianbao.cachedir import cache_dir

__all__ = ["chart_html", "enable_offline", "page_script", "reset", "safe_json"]

RENDERER = "nianbao_offline"
RENDERER_SVG = "nianbao_svg"
_state = {"bundle_sent": False}
_SNIPPET = "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;"

# Keeps the "highlight" signal of every chart on the page equal (a pick in one chart shows in all).
_LINKER = """
window.nianbaoViews = window.nianbaoViews || [];
window.nianbaoLink = function (view) {
  try { view.signal("highlight"); } catch (e) { return; }
  var views = window.nianbaoViews;
  views.push(view);
  view.addSignalListener("highlight", function (name, value) {
    views.forEach(function (other) {
      if (other !== view && other.signal("highlight") !== value) { other.signal("highlight", value).runAsync(); }
    });
  });
};
"""


def safe_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element whatever strings the data holds.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so an organ named ``</script>`` cannot
    end the script; U+2028/2029 are escaped because older JavaScript parsers treat them as newlines.

    >>> safe_json({"organ": "</script><b>"})
    '{"organ": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


# SHA-256 of the bundle vl-convert builds, by (vl-convert-python version, vega-lite major.minor).
# The bundle is pasted into every page as script, so a cached copy is used only when its digest is
# one of these: a cache file anyone else could write never scripts a report. A version not listed
# here still works (the bundle is built from the installed vl-convert each time, ~5 s per kernel);
# add its digest (``python -m nianbao.render.offline``) to keep it on disk.
BUNDLE_SHA256: dict[tuple[str, str], str] = {
    ("1.9.0.post1", "6.4"): "f71b20db2debf241d224c9664b36a365096ac35568bcc7d525004eabcca3fb56",
}


def _bundle_versions() -> tuple[str, str]:
    """(vl-convert-python version, vega-lite major.minor that altair writes)."""
    return metadata.version("vl-convert-python"), ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _build_bundle(vl_version: str) -> str:
    import vl_convert  # noqa: PLC0415 (a JavaScript engine: only when the bundle is built)

    return str(vl_convert.javascript_bundle(_SNIPPET, vl_version=vl_version))


@cache
def _bundle() -> str:
    """vega + vega-lite + vega-embed as one script, built by vl-convert (~5 s) and kept on disk.

    Every notebook kernel needs it once. The cached copy (``cache_dir("vega")``, see
    :mod:`nianbao.cachedir`; keyed by the vl-convert and vega-lite versions) is used only when its
    SHA-256 is the one in :data:`BUNDLE_SHA256`; otherwise the bundle is built again from the
    installed vl-convert package, and written back only when the build has the shipped digest.
    """

    package, vl_version = _bundle_versions()
    expected = BUNDLE_SHA256.get((package, vl_version))
    folder = cache_dir("vega")
    path = folder / f"vega-bundle-{package}-vl{vl_version}.js"
    if expected is not None:
        try:
            cached = path.read_bytes().decode("utf-8")
            if _digest(cached) == expected:
                return cached
        except (OSError, UnicodeDecodeError):
            pass  # absent, unreadable or damaged: build it
    bundle = _build_bundle(vl_version)
    if expected is not None and _digest(bundle) == expected:
        _store(path, bundle)
    return bundle


def _store(path: Path, bundle: str) -> None:
    """Write the bundle atomically; a read-only home only means building it each time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass


def page_script() -> str:
    """The ``<script>`` holding vega, vega-lite and vega-embed (once per page) and the linker.

    >>> script = page_script()
    >>> script.startswith("<script>"), "window.nianbaoLink" in script, "cdn.jsdelivr.net" in script
    (True, True, False)
    """
    # A block keeps the bundle's top-level consts local, so a second copy (a re-run cell) is harmless.
    return f"<script>\nif (!window.vegaEmbed) {{\n{_bundle()}\n}}\n{_LINKER}</script>\n"


def _title_of(spec: dict[str, Any]) -> str:
    """The chart's title, or the titles of its parts (a layer's title may sit on its first layer)."""
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    if title:
        return str(title)
    parts = [spec[k] for k in ("layer", "hconcat", "vconcat", "concat") if isinstance(spec.get(k), list)]
    return " · ".join(t for part in parts for sub in part if (t := _title_of(sub)))


# vega-embed's menu (…) with "Save as SVG / PNG" only: both are drawn in the browser, offline.
_ACTIONS = '{"export": {"svg": true, "png": true}, "source": false, "compiled": false, "editor": false}'


def _file_name(title: str) -> str:
    """The name a saved chart gets: its title, without characters a file system refuses.

    >>> _file_name("机关 × 年度: a/b")
    '机关_年度_a_b'
    """
    cleaned = re.sub(r"[^\w-]+", "_", title).strip("_")
    return cleaned[:60] or "chart"


def _attribute(value: str) -> str:
    """Text made safe inside a double-quoted HTML attribute (a title holding ``"`` or ``<``)."""
    return html.escape(value, quote=True)


def chart_html(spec: dict[str, Any], *, with_bundle: bool = False) -> str:
    """HTML for one chart: a div and the script that draws it (and the bundle when asked).

    The title becomes the div's ``data-title`` and the saved file's name; the spec travels as
    :func:`safe_json`, so a title or organ holding ``</script>`` cannot end the script.

    >>> page = chart_html({"mark": "bar", "title": "甲镇 </script>"})
    >>> page.count("</script>"), 'data-title="甲镇 &lt;/script&gt;"' in page
    (1, True)
    >>> 'downloadFileName: "甲镇_script"' in page
    True
    >>> len(chart_html({"mark": "bar"}, with_bundle=True)) > 500_000  # vega, vega-lite, vega-embed inside
    True
    """
    div = f"nianbao-{uuid.uuid4().hex[:12]}"
    title = _attribute(_title_of(spec))
    name = _file_name(_title_of(spec))
    script = (
        "<script>(function () {\n"
        f'  var el = document.getElementById("{div}");\n'
        f"  var spec = {safe_json(spec)};\n"
        "  function fail(message) {\n"
        '    el.setAttribute("data-rendered", "error");\n'
        '    el.className += " nianbao-chart-error";\n'
        '    el.textContent = "图表无法显示 (chart could not be drawn): " + message;\n'
        "  }\n"
        '  if (!window.vegaEmbed) { fail("vega-embed is missing from this page"); return; }\n'
        f'  window.vegaEmbed(el, spec, {{renderer: "svg", actions: {_ACTIONS}, downloadFileName: {safe_json(name)}}})'
        ".then(function (result) {\n"
        '    el.setAttribute("data-rendered", "1");\n'
        "    if (window.nianbaoLink) { window.nianbaoLink(result.view); }\n"
        "  }).catch(function (error) { fail(String(error)); });\n"
        "})();</script>\n"
    )
    head = page_script() if with_bundle else ""
    return f'{head}<div id="{div}" class="nianbao-chart" data-title="{title}"></div>\n{script}'


def _render(spec: dict[str, Any], **_metadata: Any) -> dict[str, str]:
    first = not _state["bundle_sent"]
    _state["bundle_sent"] = True
    return {"text/html": chart_html(spec, with_bundle=first)}


def _render_svg(spec: dict[str, Any], **_metadata: Any) -> dict[str, str]:
    import vl_convert  # noqa: PLC0415 (a JavaScript engine: only when the bundle is built)

    svg = vl_convert.vegalite_to_svg(spec)
    title = _attribute(_title_of(spec))
    return {"text/html": f'<div class="nianbao-chart" data-rendered="1" data-title="{title}">{svg}</div>'}


alt.renderers.register(RENDERER, _render)
alt.renderers.register(RENDERER_SVG, _render_svg)


def enable_offline(mode: Literal["vega", "svg"] = "vega") -> None:
    """Make altair charts display as self-contained HTML (the notebooks' first code cell calls this).

    ``vega`` (default) keeps tooltips and the highlight drop-down; ``svg`` draws static SVG in Python.
    Also enables the project's chart theme (importing :mod:`nianbao.analysis.charts` registers it).

    >>> previous = alt.renderers.active
    >>> enable_offline()
    >>> alt.renderers.active
    'nianbao_offline'
    >>> enable_offline("svg")
    >>> alt.renderers.active
    'nianbao_svg'
    >>> _ = alt.renderers.enable(previous)
    """

    alt.renderers.enable(RENDERER if mode == "vega" else RENDERER_SVG)


def reset() -> None:
    """Forget that the bundle was sent (a new page starts); used by tests and long-lived kernels.

    >>> reset()
    >>> first, second = (_render({"mark": "bar"})["text/html"] for _ in range(2))
    >>> "window.nianbaoLink = function" in first, "window.nianbaoLink = function" in second
    (True, False)
    >>> reset()
    >>> "window.nianbaoLink = function" in _render({"mark": "bar"})["text/html"]
    True
    """
    _state["bundle_sent"] = False


if __name__ == "__main__":  # print the digest line to add to BUNDLE_SHA256 for the installed versions
    _package, _vl = _bundle_versions()
    print(f'    ("{_package}", "{_vl}"): "{_digest(_build_bundle(_vl))}",')
