"""JPEG frames decoded by pylibjpeg-libjpeg in worker processes (``cydicom.pixels.processes``).

The workers run pydicom's own JPEG decoder, so their results must equal pydicom's to the
bit; they must never run the user's script again, and a worker that fails or dies must
cost a ``DecoderError``, never a hang.
"""
import io
import os
import subprocess
import sys
import textwrap

import numpy as np
import pydicom
import pytest

import cydicom
import cydicom.pixels
from cydicom.pixels import decoders, processes

from pixelgen import assert_same_pixels, image_file

imagecodecs = pytest.importorskip("imagecodecs")  # the encoder of the test frames
pytest.importorskip("libjpeg")

BASELINE = "1.2.840.10008.1.2.4.50"
PROCESSES = decoders.LIBJPEG_PROCESSES.name


def lossy_file(frames=6, rows=64, columns=48):
    rng = np.random.default_rng(frames)
    encoded = []
    for k in range(frames):
        image = (np.add.outer(np.arange(rows), np.arange(columns)) * 3 + 40 * k) % 256
        image = (image + rng.integers(0, 30, image.shape)).astype(np.uint8)
        encoded.append(bytes(imagecodecs.jpeg8_encode(image, level=85)))
    return image_file(encoded, BASELINE, encapsulated=True, frames=frames, Rows=rows,
                      Columns=columns, BitsAllocated=8, BitsStored=8, HighBit=7,
                      PixelRepresentation=0)


def pydicom_pixels(data):
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.pixel_array_options(decoding_plugin="pylibjpeg")
    return ds.pixel_array


def test_frames_decoded_in_workers_equal_pydicoms():
    data = lossy_file()
    theirs = pydicom_pixels(data)
    ds = cydicom.dcmread(data)
    for threads in (1, 2):
        assert_same_pixels(cydicom.pixels.pixel_array(ds, threads=threads, backend=PROCESSES),
                           theirs)
    assert_same_pixels(cydicom.pixels.frame(ds, 4, backend=PROCESSES), theirs[4])
    assert processes.running() >= 1  # kept for the next call


def test_workers_are_the_default_for_large_jobs_on_several_cores():
    """Large enough to win back starting the workers; once they run, as large as for
    threads; never for one frame or one thread."""
    uid, big, small = BASELINE, processes.START_MIN_SAMPLES, processes.RUNNING_MIN_SAMPLES
    processes.shutdown()
    assert decoders.choose(uid, 40, 2, samples=big - 1) is decoders.LIBJPEG
    assert decoders.choose(uid, 40, 2, samples=big) is decoders.LIBJPEG_PROCESSES
    assert decoders.choose(uid, 40, 1, samples=big) is decoders.LIBJPEG
    assert decoders.choose(uid, 1, 2, samples=big) is decoders.LIBJPEG
    ds = cydicom.dcmread(lossy_file(frames=2))
    cydicom.pixels.frame(ds, 0, backend=PROCESSES)  # a worker is running now
    assert decoders.choose(uid, 40, 2, samples=small) is decoders.LIBJPEG_PROCESSES
    assert decoders.choose(uid, 40, 2, samples=small - 1) is decoders.LIBJPEG


def test_a_large_multi_frame_file_decodes_in_workers_by_default(monkeypatch):
    data = lossy_file(frames=4)
    monkeypatch.setattr(processes, "START_MIN_SAMPLES", 4 * 64 * 48)
    processes.shutdown()
    used = []
    decode = processes.decode
    monkeypatch.setattr(processes, "decode", lambda src: used.append(1) or decode(src))
    ds = cydicom.dcmread(data)
    assert_same_pixels(cydicom.pixels.pixel_array(ds, threads=2), pydicom_pixels(data))
    assert len(used) == 4


def test_a_frame_the_decoder_rejects_is_a_decoder_error_and_the_worker_stays():
    data = lossy_file(frames=2)
    pydicom_ds = pydicom.dcmread(io.BytesIO(data))
    frames = list(pydicom.encaps.generate_frames(pydicom_ds.PixelData, number_of_frames=2))
    broken = image_file([frames[0], frames[1][:40]], BASELINE, encapsulated=True, frames=2,
                        Rows=64, Columns=48, BitsAllocated=8, BitsStored=8, HighBit=7)
    ds = cydicom.dcmread(broken)
    cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    before = processes.running()
    with pytest.raises(cydicom.DecoderError, match=f"{PROCESSES} failed to decode frame 1"):
        cydicom.pixels.frame(ds, 1, backend=PROCESSES)
    assert processes.running() == before  # the worker answered: it goes back to the pool
    assert_same_pixels(cydicom.pixels.frame(ds, 0, backend=PROCESSES),
                       pydicom_pixels(data)[0])


def test_a_worker_that_dies_is_a_decoder_error_then_replaced(monkeypatch):
    ds = cydicom.dcmread(lossy_file(frames=2))
    processes.shutdown()
    monkeypatch.setattr(processes, "WORKER_CODE", (
        "import sys; sys.stdout.buffer.write(b'R'); sys.stdout.buffer.flush()\n"
        "sys.stdin.buffer.read(8); sys.exit(3)"))  # starts, then dies on its first frame
    with pytest.raises(cydicom.DecoderError, match=r"worker process exited \(status 3\)"):
        cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    assert processes.running() == 0 and processes.available()
    monkeypatch.undo()
    cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    assert processes.running() == 1


def test_workers_that_cannot_start_turn_themselves_off(monkeypatch):
    data = lossy_file(frames=3)
    processes.shutdown()
    monkeypatch.setattr(processes, "_unavailable", False)  # restored after the test
    monkeypatch.setattr(processes, "WORKER_CODE", "import sys; sys.exit(3)")
    ds = cydicom.dcmread(data)
    assert_same_pixels(cydicom.pixels.pixel_array(ds, threads=2, backend=PROCESSES),
                       pydicom_pixels(data))  # decoded in this process instead
    assert not processes.available() and not processes.pays_off(1 << 30)
    assert decoders.choose(BASELINE, 40, 2, samples=1 << 30) is decoders.LIBJPEG


def test_workers_ignore_the_working_directory(monkeypatch, tmp_path):
    """``python -c`` would import a numpy.py from the working directory first."""
    (tmp_path / "numpy.py").write_text("raise SystemExit(7)\n")
    monkeypatch.setattr(processes, "_unavailable", False)  # restored after the test
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".")] + [""])
    processes.shutdown()
    data = lossy_file(frames=2)
    assert_same_pixels(cydicom.pixels.frame(cydicom.dcmread(data), 1, backend=PROCESSES),
                       pydicom_pixels(data)[1])
    assert processes.running() == 1 and processes.available()


def test_workers_find_modules_on_this_process_path(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", sys.path + [str(tmp_path)])
    paths = processes._environment()["PYTHONPATH"].split(os.pathsep)
    assert paths[0] == processes._PACKAGE_ROOT and str(tmp_path) in paths


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_lets_go_of_its_parents_workers():
    """The child closes its copies of the workers' pipes: the parent's workers still exit
    when the parent closes them, while the child lives on."""
    ds = cydicom.dcmread(lossy_file(frames=2))
    processes.shutdown()
    cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    worker = processes._idle[0]
    go_on, done = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: waits until the parent has stopped its worker
        ok = False
        try:
            ok = processes.running() == 0 and worker.requests.closed
            os.read(go_on, 1)
        finally:
            os._exit(0 if ok else 1)
    try:
        processes.shutdown()  # closes the worker's input: it must exit now
        assert worker.process.wait(timeout=60) == 0
    finally:
        os.write(done, b"x")
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_an_idle_worker_killed_is_replaced():
    ds = cydicom.dcmread(lossy_file(frames=2))
    cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    for worker in list(processes._idle):
        worker.process.kill()
        worker.process.wait()
    assert cydicom.pixels.frame(ds, 1, backend=PROCESSES).shape == (64, 48)


def test_workers_never_run_the_users_script_again(tmp_path):
    """multiprocessing's spawn and forkserver would import this unguarded script again in
    each worker (printing its line again, and decoding again, recursively)."""
    path = tmp_path / "lossy.dcm"
    path.write_bytes(lossy_file(frames=4))
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        import cydicom, cydicom.pixels
        print("script ran")
        ds = cydicom.dcmread({str(path)!r})
        arr = cydicom.pixels.pixel_array(ds, threads=2, backend={PROCESSES!r})
        print("decoded", arr.shape)
        """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env=_env_with_cydicom())
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script ran", "decoded (4, 64, 48)"]


def _env_with_cydicom():
    import os

    root = os.path.dirname(os.path.dirname(cydicom.__file__))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                                  else []))
    return env


def test_a_worker_interrupted_mid_request_is_never_reused(monkeypatch):
    """An exception between the request and the end of its response (Ctrl-C, say) leaves
    the worker's answer unread: reused, it would give that frame for the next one."""
    data = lossy_file(frames=2)
    theirs = pydicom_pixels(data)
    ds = cydicom.dcmread(data)
    processes.shutdown()
    cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    worker = processes._idle[0]
    pipe = worker.responses

    def interrupted(n):
        raise KeyboardInterrupt

    monkeypatch.setattr(worker, "responses", type("Pipe", (), {
        "read": staticmethod(interrupted), "close": lambda self: None})())
    with pytest.raises(KeyboardInterrupt):
        cydicom.pixels.frame(ds, 0, backend=PROCESSES)
    pipe.close()
    assert processes.running() == 0 and not worker.alive()
    assert_same_pixels(cydicom.pixels.frame(ds, 1, backend=PROCESSES), theirs[1])
