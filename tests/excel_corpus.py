"""The corpus of workbooks saved by Excel (and Mac Excel, LibreOffice) that CI refreshes.

SOURCE: the files are not committed; they come from two source distributions on PyPI,
fetched with pip at CI time (``.ci/run`` runs ``python -m tests.excel_corpus``; the tests
call :func:`ensure` as well) and checked against the sha256 recorded here:

* xlcalculator 0.5.0 (MIT licence, (c) Bradley van Ree and contributors): 66 test
  workbooks -- 56 saved by Microsoft Excel 16 (Windows), 2 by Mac Excel (14 and 16),
  8 by LibreOffice 6.4;
* xlsx2csv 0.8.6 (MIT licence; see its LICENSE.txt): 22 test workbooks -- 11 saved by
  Excel 2007/2010/2013, the others by LibreOffice and by unnamed writers (one zipped
  again on a Mac, with ``__MACOSX/`` entries).

That is 69 workbooks saved by Excel, 88 in all.

Their licences travel inside the sdists (``LICENSE`` / ``LICENSE.txt``), which are kept
next to the extracted files. ``CRM_XL_EXCEL_CORPUS`` may point at another folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {  # sdist file name -> (pip requirement, sha256)
    "xlcalculator-0.5.0.tar.gz": ("xlcalculator==0.5.0",
                                  "5ea7337c3a86b0efcc1508d96345bf417387181344428be0a745e80a1fe9d1fc"),
    "xlsx2csv-0.8.6.tar.gz": ("xlsx2csv==0.8.6",
                              "618fc502612860de8ab8e3d6195e99ef332fffc68337f6b89e59690aad0d20b5"),
}


def corpus_dir() -> Path:
    return Path(os.environ.get("CRM_XL_EXCEL_CORPUS", ROOT / ".ci" / "cache" / "excel-corpus"))


def files(folder: Path | None = None) -> list[Path]:
    folder = folder or corpus_dir()
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file())


def ensure() -> Path:
    """Download and extract the corpus if it is not there yet; the folder. The files are
    extracted next to it and moved into place in one rename, so processes that call this
    at once (pytest-xdist workers collecting tests/test_excel_corpus.py) never read a
    half-written corpus: the first rename wins, the others find it complete."""
    folder = corpus_dir()
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".excel-corpus-", dir=folder.parent) as tmp:
        staging = Path(tmp) / "corpus"
        reqs = [req for req, _ in SOURCES.values()]
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", tmp, *reqs],
                       check=True, stdout=subprocess.DEVNULL)
        for name, (_, sha) in SOURCES.items():
            data = (Path(tmp) / name).read_bytes()
            got = hashlib.sha256(data).hexdigest()
            if got != sha:
                raise RuntimeError(f"{name}: sha256 {got}, expected {sha}")
            stem = name.removesuffix(".tar.gz")
            with tarfile.open(Path(tmp) / name) as tar:
                for m in tar.getmembers():
                    low = m.name.lower()
                    if m.isfile() and (low.endswith((".xlsx", ".xlsm")) or Path(low).name.startswith("license")):
                        rel = Path(m.name).relative_to(stem)
                        dest = staging / stem / rel
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        dest.write_bytes(tar.extractfile(m).read())
        (staging / ".complete").write_text("\n".join(SOURCES) + "\n", encoding="utf-8")
        if folder.exists() and not done.exists():  # left by an interrupted download
            shutil.rmtree(folder, ignore_errors=True)
        try:
            staging.rename(folder)
        except OSError:  # another process was quicker
            if not done.exists():
                raise
    return folder


if __name__ == "__main__":
    f = ensure()
    print(f"excel corpus: {len(files(f))} workbooks in {f}")
