"""Render a notebook to HTML as Jupyter shows it, typeset its math offline, and screenshot it in headless Chromium.

    python scripts/screenshot_notebook.py course/source/mlp/mlp.ipynb mlp.png [--html mlp.html] [--height 6000]

Needs the `render` extra (`pip install -e ".[test,render]"`, for nbconvert and a local MathJax) and Chromium
(`apt-get install -y chromium`). nbconvert's HTML loads MathJax from a CDN; here it loads the copy that the
jupyter-server-mathjax package ships, so the formulas are typeset with no network. The page is screenshotted
only after MathJax has finished (Chromium's virtual time budget lets its scripts run first), so the PNG shows
what a student sees: typeset formulas, or, where a formula is broken, MathJax's red error text.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the configuration jupyter-server-mathjax ships
# The package ships the STIX web fonts only (MathJax would look for its TeX fonts, and fall back to system ones).
FONTS = '"HTML-CSS": {availableFonts: [], webFont: "STIX-Web", imageFont: null},\n'


def local_mathjax_url() -> str:
    """file:// URL of MathJax.js from the jupyter-server-mathjax package, with a configuration it ships."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise SystemExit('the local MathJax comes with the render extra: pip install -e ".[test,render]"')
    script = Path(jupyter_server_mathjax.__file__).parent / "static" / "MathJax.js"
    return f"{script.as_uri()}?config={MATHJAX_CONFIG}"


def notebook_html(notebook: Path) -> str:
    """The notebook as nbconvert's JupyterLab-style HTML, loading the local MathJax instead of a CDN's."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", mathjax_url=local_mathjax_url())
    html, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    return html.replace("MathJax.Hub.Config({", "MathJax.Hub.Config({" + FONTS, 1)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("no Chromium on PATH: apt-get install -y chromium")


def screenshot(html_file: Path, png: Path, width: int = 1100, height: int = 6000) -> None:
    """A headless Chromium screenshot of a local HTML file, taken once its scripts (MathJax) are done."""
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--allow-file-access-from-files", "--hide-scrollbars",
                   "--virtual-time-budget=30000", f"--window-size={width},{height}",
                   f"--screenshot={png.resolve()}", html_file.resolve().as_uri()]
        run = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if run.returncode != 0 or not png.is_file():
        raise SystemExit(f"chromium failed ({run.returncode}):\n{run.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebook", type=Path)
    p.add_argument("png", type=Path)
    p.add_argument("--html", type=Path, help="also keep the HTML here (default: a temporary file)")
    p.add_argument("--width", type=int, default=1100)
    p.add_argument("--height", type=int, default=6000, help="pixels from the top of the notebook")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        html_file = args.html or Path(tmp) / f"{args.notebook.stem}.html"
        html_file.write_text(notebook_html(args.notebook))
        screenshot(html_file, args.png, args.width, args.height)
    print(f"wrote {args.png}" + (f" and {args.html}" if args.html else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
