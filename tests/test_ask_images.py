"""`tui-chat ask -f photo.png`: images read, checked and kept as blobs before the
request leaves, referred to from the saved question; a bad one refused with one
sentence and nothing sent."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from tests.cli_runner import cli_env, run_main
from tests.helpers import saved
from tests.picture_bytes import picture
from tests.replay_server import ReplayServer
from tests.test_ask import provider_args
from tui.cli.ask_files import read_question_files
from tui.domain import Attachment
from tui.store import BlobStore


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_ask_f_keeps_images_as_blobs_before_the_request_and_refers_to_them(
    replay: ReplayServer, tmp_path: Path
) -> None:
    png, jpeg = picture("PNG", (4, 3)), picture("JPEG", (5, 2))
    (tmp_path / "photo.png").write_bytes(png)
    (tmp_path / "scan.dat").write_bytes(jpeg)  # an image by its bytes, not its name
    (tmp_path / "notes.txt").write_text("buy milk\n")
    names = [str(tmp_path / n) for n in ("photo.png", "notes.txt", "scan.dat")]
    blobs = BlobStore(tmp_path / "tui-data")
    hold = replay.hold("openai_basic_stop")
    args = provider_args(replay, "openai_basic_stop")
    files = [word for name in names for word in ("-f", name)]
    asking = asyncio.ensure_future(
        run_main("ask", *args, *files, "what is this?", env=cli_env(tmp_path))
    )
    await asyncio.wait_for(hold.reached.wait(), 30)
    # The reply has begun: both blobs and the question that names them are on disk.
    kept = {p.name: p.read_bytes() for p in blobs.root.iterdir()}
    assert kept == {f"{digest(png)}.png": png, f"{digest(jpeg)}.jpg": jpeg}
    (question,) = (conv["messages"][0] for conv in saved(tmp_path, "tui-data"))
    hold.release()
    run = await asking
    assert run.status == 0, run.stderr
    assert question["content"] == "what is this?"
    assert question["attachments"] == [{"name": names[1], "text": "buy milk\n"}]
    assert question["images"] == [
        {
            "sha256": digest(png),
            "name": names[0],
            "media_type": "image/png",
            "bytes": len(png),
            "width": 4,
            "height": 3,
        },
        {
            "sha256": digest(jpeg),
            "name": names[2],
            "media_type": "image/jpeg",
            "bytes": len(jpeg),
            "width": 5,
            "height": 2,
        },
    ]
    (conv,) = saved(tmp_path, "tui-data")
    assert conv["messages"][0]["images"] == question["images"]  # kept after the reply
    assert len(replay.requests) == 1


async def test_the_same_image_asked_about_twice_is_one_blob(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[providers.offline]\nchunk_delay = 0\n")
    png = picture()
    (tmp_path / "a.png").write_bytes(png)
    (tmp_path / "b.png").write_bytes(png)
    for name in ("a.png", "b.png"):
        run = await run_main("ask", "-f", str(tmp_path / name), "hi", env=cli_env(tmp_path))
        assert run.status == 0, run.stderr
    convs = saved(tmp_path, "tui-data")
    assert [c["messages"][0]["images"][0]["sha256"] for c in convs] == [digest(png)] * 2
    names = {Path(c["messages"][0]["images"][0]["name"]).name for c in convs}
    assert names == {"a.png", "b.png"}
    blobs = BlobStore(tmp_path / "tui-data")
    assert [p.name for p in blobs.root.iterdir()] == [f"{digest(png)}.png"]


async def test_no_save_writes_no_blob_and_keeps_the_image_for_the_request(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text("[providers.offline]\nchunk_delay = 0\n")
    png = picture()
    (tmp_path / "photo.png").write_bytes(png)
    run = await run_main(
        "ask", "--no-save", "-f", str(tmp_path / "photo.png"), "hi", env=cli_env(tmp_path)
    )
    assert run.status == 0, run.stderr
    assert not (tmp_path / "tui-data").exists()
    files = read_question_files([str(tmp_path / "photo.png")], 1024)
    read = files.keep(None, pytest.fail)
    assert read(files.images[0]) == png


def test_the_request_reads_images_from_the_blobs(tmp_path: Path) -> None:
    png = picture()
    (tmp_path / "photo.png").write_bytes(png)
    (tmp_path / "notes.md").write_text("# hi\n")
    files = read_question_files([str(tmp_path / "notes.md"), str(tmp_path / "photo.png")], 1024)
    assert files.attachments == [Attachment(str(tmp_path / "notes.md"), "# hi\n")]
    blobs = BlobStore(tmp_path / "data")
    read = files.keep(blobs, pytest.fail)
    (ref,) = files.images
    assert blobs.read(ref) == png
    files.data.clear()  # nothing left in memory: the bytes come from the blob
    assert read(ref) == png


def test_a_blob_that_cannot_be_written_is_warned_about_and_still_sent(tmp_path: Path) -> None:
    png = picture()
    (tmp_path / "photo.png").write_bytes(png)
    (tmp_path / "data").write_text("a file where the data dir should be")
    files = read_question_files([str(tmp_path / "photo.png")], 1024)
    warnings: list[str] = []
    read = files.keep(BlobStore(tmp_path / "data"), warnings.append)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{tmp_path / 'photo.png'} could not be kept: ")
    assert read(files.images[0]) == png


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("photo.png", b"just some text\n", "photo.png is not a PNG, JPEG, GIF or WebP image."),
        ("cut.png", picture()[:20], "cut.png cannot be read as an image: "),
        ("cut.bin", picture("JPEG")[:40], "cut.bin cannot be read as an image: "),
        ("gone.webp", None, "gone.webp: no such file."),
    ],
)
async def test_a_bad_image_exits_2_with_one_sentence_and_nothing_sent(
    replay: ReplayServer, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    (tmp_path / "notes.txt").write_text("fine\n")
    args = provider_args(replay, "openai_basic_stop")
    run = await run_main(
        "ask",
        *args,
        "-f",
        str(tmp_path / "notes.txt"),
        "-f",
        str(path),
        "look",
        env=cli_env(tmp_path),
    )
    assert run.status == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"tui-chat ask: {path}")
    assert words in line
    assert replay.requests == []
    assert not (tmp_path / "tui-data").exists()  # neither the question nor a blob
