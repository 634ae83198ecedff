"""SecretBox: the server's secrets key, given or made once in a file that servers share."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from caudal.server.errors import Misconfigured
from caudal.server.secret_box import SecretBox


def test_boxes_making_one_key_file_at_once_share_the_key(tmp_path: Path) -> None:
    path = tmp_path / "secrets.key"
    boxes = [SecretBox(key_file=path) for _ in range(8)]
    tokens: list[str] = []
    start = threading.Barrier(len(boxes))

    def encrypt(box: SecretBox) -> None:
        start.wait(timeout=10)
        tokens.append(box.encrypt("value"))

    threads = [threading.Thread(target=encrypt, args=(box,)) for box in boxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(tokens) == len(boxes)
    reader = SecretBox(key_file=path)
    assert {reader.decrypt(token, "A") for token in tokens} == {"value"}
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.key"]


def test_given_key_wins_over_key_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    token = SecretBox(key, key_file=tmp_path / "unused.key").encrypt("v")

    assert Fernet(key.encode()).decrypt(token.encode()) == b"v"
    assert not (tmp_path / "unused.key").exists()


def test_wrong_key_error_names_the_key_source_not_the_value(tmp_path: Path) -> None:
    token = SecretBox(Fernet.generate_key().decode()).encrypt("hidden-value")

    with pytest.raises(Misconfigured) as raised:
        SecretBox(key_file=tmp_path / "other.key").decrypt(token, "DB")

    assert str(tmp_path / "other.key") in raised.value.detail
    assert "hidden-value" not in raised.value.detail
