"""Zip members written by a worker thread (crm_xl.render.zippipe): same bytes, errors surface."""

import io
import zipfile

import pytest

from crm_xl.render.zippipe import ZipPipeline


def _write(threaded: bool) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout, ZipPipeline(zout, threaded=threaded, depth=2) as pipe:
        for k in range(5):
            info = zipfile.ZipInfo(f"part{k}.xml", (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            pipe.part(info, (f"<row r='{i}'>{k * i}</row>".encode() for i in range(3000)))
        pipe.writestr(zipfile.ZipInfo("last.txt", (1980, 1, 1, 0, 0, 0)), b"done")
    return buf.getvalue()


def test_threaded_writing_gives_the_same_bytes_as_sequential():
    a, b = _write(True), _write(False)
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert z.namelist() == [f"part{k}.xml" for k in range(5)] + ["last.txt"]
        assert z.read("part2.xml").startswith(b"<row r='0'>0</row><row r='1'>2</row>")


class _Broken(io.BytesIO):
    def write(self, data):
        if self.tell() > 100:
            raise OSError("disk full")
        return super().write(data)


def test_an_error_while_writing_reaches_the_caller_and_nothing_hangs():
    with pytest.raises(OSError, match="disk full"):
        with zipfile.ZipFile(_Broken(), "w", zipfile.ZIP_STORED) as zout, ZipPipeline(zout, threaded=True, depth=1) as pipe:
            for k in range(50):  # far more than the queue holds: the worker keeps draining after its error
                pipe.writestr(zipfile.ZipInfo(f"p{k}"), b"x" * 1000)


def test_an_error_while_making_a_part_stops_the_worker():
    def pieces():
        yield b"<a>"
        raise ValueError("bad cell")

    with pytest.raises(ValueError, match="bad cell"):
        with zipfile.ZipFile(io.BytesIO(), "w") as zout, ZipPipeline(zout, threaded=True) as pipe:
            pipe.part(zipfile.ZipInfo("x.xml"), pieces())


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("threaded", [True, False])
def test_a_part_deflated_elsewhere_gives_the_same_zip(tmp_path, big, threaded):
    """A part deflated by deflate_to (in a child process, crm_xl.render.xlsx) and added with
    deflated_part: the zip is byte for byte the one the pipeline writes for the same pieces,
    for a small part (zipfile's own deflate) and a big one (crm_xl.render.deflate's)."""
    from crm_xl.render.zippipe import deflate_to
    pieces = [f"<row r='{i}'><c><v>{i * 7 % 1000}</v></c></row>".encode() for i in range(20_000)]

    def info():
        i = zipfile.ZipInfo("xl/worksheets/sheet1.xml", (1980, 1, 1, 0, 0, 0))
        i.compress_type = zipfile.ZIP_DEFLATED
        return i

    def write(deflated_elsewhere: bool) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout, ZipPipeline(zout, threaded=threaded) as pipe:
            pipe.writestr(zipfile.ZipInfo("first.txt", (1980, 1, 1, 0, 0, 0)), b"first")
            if deflated_elsewhere:
                crc, size = deflate_to(str(tmp_path / "part.deflate"), iter(pieces), big)
                pipe.deflated_part(info(), str(tmp_path / "part.deflate"), crc, size)
            else:
                pipe.part(info(), iter(pieces), big=big)
            pipe.writestr(zipfile.ZipInfo("last.txt", (1980, 1, 1, 0, 0, 0)), b"last")
        return buf.getvalue()

    made_here, made_elsewhere = write(False), write(True)
    assert made_elsewhere == made_here
    with zipfile.ZipFile(io.BytesIO(made_elsewhere)) as z:
        assert z.testzip() is None  # (CRCs check out)
        assert z.read("xl/worksheets/sheet1.xml") == b"".join(pieces)
