"""One build step beyond pyproject.toml: the wheel carries the project's own files.

The repository keeps `templates/` and `metadata.yml` at its top level; as a wheel is built
they are copied into the `evidence` package, as `evidence/project_files/`, where
evidence/project.py finds them once installed. An editable install reads them from the
checkout instead.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PROJECT_FILES = ("templates", "metadata.yml")


class BuildWithProjectFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "evidence" / "project_files"
        shutil.rmtree(target, ignore_errors=True)  # nothing left from an earlier build
        target.mkdir(parents=True)
        for name in PROJECT_FILES:
            source = HERE / name
            if source.is_dir():
                ignored = shutil.ignore_patterns("__pycache__", ".*")
                shutil.copytree(source, target / name, ignore=ignored)
            else:
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithProjectFiles})
