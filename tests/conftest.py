from pathlib import Path

import pytest

TESTS = Path(__file__).parent


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file in a temporary folder and return its path."""

    def _write(content, name="data.csv"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
