"""The project as a wheel: built, installed into a clean virtual environment, and used from
a folder outside the checkout, with the templates and metadata.yml it carries."""

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60
# Never copied to build from: what a fresh clone does not have.
NOT_SOURCE = {".git", ".venv", "build", "dist", ".pytest_cache", "__pycache__"}


def source_files(folder: str, names: list[str]) -> set[str]:
    """What copytree leaves out of the checkout: the environment, earlier builds, and
    libraries (a library's database, files, work folder and demo)."""
    ignored = {name for name in names if name in NOT_SOURCE or name.endswith(".egg-info")}
    ignored |= {
        name
        for name in names
        if name.endswith((".db", ".db-wal", ".db-shm", ".db-journal")) or name.endswith(".work")
    }
    if Path(folder) == ROOT / "db":
        ignored |= {"demo", "files"} & set(names)
    return ignored


def run(*argv, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    result = subprocess.run(
        [str(arg) for arg in argv],
        cwd=cwd,
        env=env if env is not None else os.environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, argv))} exited {result.returncode}\n"
        f"stdout: {result.stdout}\nstderr: {result.stderr}"
    )
    return result.stdout


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200, url
        return answer.read().decode("utf-8")


@pytest.fixture
def installed(tmp_path) -> Path:
    """A virtual environment with the project's wheel installed (`--no-deps`), seeing the
    test environment's packages for its dependencies: its `bin` folder."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=source_files)  # builds leave nothing in the checkout
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", wheels, cwd=source)
    (wheel,) = wheels.glob("evidence_library-*.whl")

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        wheel, cwd=tmp_path)  # fmt: skip
    # The dependencies are the test environment's: its site-packages as a path, whose own
    # .pth files (the editable install's among them, naming the checkout) are not read.
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(run(python, "-c", purelib, cwd=tmp_path).strip())
    assert site_packages.is_relative_to(venv)
    here = sysconfig.get_paths()["purelib"]
    (site_packages / "test-environment.pth").write_text(here + "\n", encoding="utf-8")
    return venv / "bin"


@pytest.mark.slow
def test_the_wheel_installed_elsewhere_loads_prints_and_serves_the_demo(installed, tmp_path):
    folder = tmp_path / "council"
    folder.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"EVIDENCE_DB", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    }
    venv = installed.parent

    # The installed copy runs, not the checkout.
    script = (
        "import json, sys, db, evidence, readiness\n"
        "from evidence.project import METADATA, TEMPLATES\n"
        "found = [db.__file__, evidence.__file__, readiness.__file__, TEMPLATES, METADATA]\n"
        "print(json.dumps({'found': [str(path) for path in found], 'path': sys.path}))"
    )
    where = json.loads(run(installed / "python", "-I", "-c", script, cwd=folder, env=env))
    assert all(Path(path).is_relative_to(venv) for path in where["found"]), where["found"]
    assert str(ROOT) not in where["path"]

    loaded = run(installed / "evidence", "demo", cwd=folder, env=env)
    assert "Loaded the demo library: 78 items added" in loaded
    assert (folder / "db" / "evidence.db").is_file()

    wrote = run(installed / "evidence", "pack", "--as-of", "2018-03-31", "--out", "pack.pdf",
                cwd=folder, env=env)  # fmt: skip
    pages = PdfReader(folder / "pack.pdf").pages
    assert f"Wrote pack.pdf: {len(pages)} pages, marked OFFICIAL-SENSITIVE" in wrote
    cover = pages[0].extract_text()
    assert "Fenmoor Borough Council" in cover
    assert "Inspection briefing pack" in cover
    assert "As of 31 Mar 2018" in cover
    assert f"Page 1 of {len(pages)}" in cover  # the footer comes from pack.css

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(folder / "serve.out", "w") as out:
        server = subprocess.Popen(
            [installed / "evidence", "serve", "--port", str(port), "--as-of", "2018-03-31"],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its worker processes with it, to stop them all
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                home = fetch(base + "/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"evidence serve did not answer at {base}/ (exit code"
                        f" {server.poll()}): {(folder / 'serve.out').read_text()}"
                    )
                time.sleep(0.2)
        assert "<title>Fenmoor Borough Council: evidence library</title>" in home
        assert "<h1>Readiness as of 31 Mar 2018</h1>" in home  # templates/datasette/home.html
        assert "OFFICIAL-SENSITIVE" in home
        assert "Experiences and progress of children who need help and protection" in home
        assert "marking-banner" in fetch(base + "/assets/library.css")
        assert "Readiness dashboard" in fetch(base + "/-/dashboards/readiness")  # metadata.yml

        server.send_signal(signal.SIGINT)  # Ctrl-C
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert f"Serving the library db/evidence.db at {base}/" in (folder / "serve.out").read_text()
