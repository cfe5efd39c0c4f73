"""A worker process decoding JPEG frames with pylibjpeg-libjpeg (``processes`` starts it).

pylibjpeg-libjpeg holds the GIL, so frames decode in parallel only in other processes.
This module is all a worker runs: it never imports the user's ``__main__``. Protocol on
the pipe it was given (its stdout at start; fd 1 then points at stderr, so nothing a
library prints can corrupt the stream):

    start:    b"R" once the imports worked (else the parent sees the pipe close)
    request:  8-byte little-endian length, then that many bytes of one encoded frame
    response: 1 status byte (0: decoded samples, 1: an error message in UTF-8),
              8-byte little-endian length, then that many bytes

It exits when its input ends (the parent closed it, or the parent is gone), not on
Ctrl-C (the terminal sends it to the parent too, which decides).
"""
import os
import signal
import sys


def _read_exactly(stream, n):
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def main():
    requests = sys.stdin.buffer
    responses = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import numpy
    from libjpeg.utils import decode_pixel_data

    responses.write(b"R")
    responses.flush()

    while True:
        header = _read_exactly(requests, 8)
        if header is None:
            return
        src = _read_exactly(requests, int.from_bytes(header, "little"))
        if src is None:
            return
        try:
            decoded = decode_pixel_data(src, version=2)
            if isinstance(decoded, numpy.ndarray):
                payload = numpy.ascontiguousarray(decoded).reshape(-1).view(numpy.uint8).data
            else:
                payload = memoryview(decoded)
            status = b"\x00"
        except Exception as exc:  # reported to the parent, which raises DecoderError
            payload = memoryview(f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
            status = b"\x01"
        responses.write(status + payload.nbytes.to_bytes(8, "little"))
        responses.write(payload)
        responses.flush()


if __name__ == "__main__":
    main()
