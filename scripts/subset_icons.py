"""Cut the vendored Bootstrap Icons font down to the icons the templates use.

Writes static/icons/icons.woff2 and static/icons/icons.css (the base .bi rule and one rule per icon).
Run after adding an icon to a template: `.venv/bin/python scripts/subset_icons.py` (needs fonttools,
in requirements-dev.txt). tests/unit/test_icons.py fails when a template uses an icon left out here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static/vendor/bootstrap-icons-1.13.2"
OUT = ROOT / "static/icons"

# Every icon a template names, including those chosen at render time (sidebar, cards, notifications).
ICONS = sorted({
    "arrow-counterclockwise", "arrow-right", "bell", "bell-fill", "braces", "briefcase", "building",
    "caret-down-fill", "caret-up-fill", "check-circle", "check2-circle", "circle-half", "currency-dollar",
    "download", "emoji-smile", "envelope", "exclamation-triangle", "eye", "filetype-csv", "graph-up",
    "hdd-stack", "heart-pulse", "journal-text", "layout-sidebar", "life-preserver", "lightning", "lock",
    "pencil", "people", "person-circle", "person-plus", "plus-lg", "reply", "search", "shield-lock",
    "speedometer2", "stopwatch", "x-circle", "x-lg",
})


def codepoints() -> dict[str, int]:
    css = (VENDOR / "bootstrap-icons.min.css").read_text()
    found = {m[1]: int(m[2], 16) for m in re.finditer(r'\.bi-([a-z0-9-]+)::before\{content:"\\([0-9a-f]+)"\}', css)}
    missing = [i for i in ICONS if i not in found]
    if missing:
        raise SystemExit(f"not in Bootstrap Icons: {missing}")
    return {i: found[i] for i in ICONS}


def main() -> None:
    points = codepoints()
    OUT.mkdir(exist_ok=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.name_IDs = ["*"]
    font = subset.load_font(str(VENDOR / "fonts/bootstrap-icons.woff2"), options)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=points.values())
    sub.subset(font)
    subset.save_font(font, str(OUT / "icons.woff2"), options)
    version = hashlib.sha256((OUT / "icons.woff2").read_bytes()).hexdigest()[:12]
    rules = "".join(f'.bi-{name}::before{{content:"\\{cp:x}"}}' for name, cp in points.items())
    (OUT / "icons.css").write_text(
        "/* Bootstrap Icons v1.13.2 (MIT), only the icons the templates use: scripts/subset_icons.py */\n"
        '@font-face{font-display:block;font-family:bootstrap-icons;src:url("icons.woff2?v=' + version
        + '") format("woff2")}'
        '.bi::before,[class*=" bi-"]::before,[class^=bi-]::before{display:inline-block;'
        "font-family:bootstrap-icons!important;font-style:normal;font-weight:400!important;font-variant:normal;"
        "text-transform:none;line-height:1;vertical-align:-.125em;-webkit-font-smoothing:antialiased;"
        "-moz-osx-font-smoothing:grayscale}" + rules + "\n")
    print(f"{len(points)} icons, {(OUT / 'icons.woff2').stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
