"""Where the project's own files are: `templates/` and `metadata.yml`.

The repository keeps them at its top level, beside the packages, and the code finds them
there when it runs from a checkout (as `make` installs it). A wheel carries them inside
this package, in `project_files/` (setup.py copies them there as it builds), so an
installed copy finds its own, wherever it is run from.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "project_files"  # in a wheel only
CHECKOUT = PACKAGE.parent


def project_file(name: str) -> Path:
    """The file or folder `name` of the project: the copy this package carries if it was
    installed from a wheel, else the one at the top of the checkout it runs from."""
    installed = INSTALLED / name
    return installed if installed.exists() else CHECKOUT / name


TEMPLATES = project_file("templates")
METADATA = project_file("metadata.yml")
