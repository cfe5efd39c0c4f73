"""Header parameters of JPEG, JPEG-LS and JPEG 2000 codestreams (no decoding).

The same fields pydicom 3.0.2 reads before decoding (``get_j2k_parameters`` and
``_get_jpg_parameters``): they decide sign correction and colour-space hints. Every read is
a slice or a bounds-checked index; a malformed header gives an empty dict, as in pydicom.
"""
from typing import Any

_JP2_SIGNATURE = b"\x00\x00\x00\x0c\x6a\x50\x20\x20"
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                  0xCF, 0xF7))


def j2k_parameters(src):
    """{"precision", "is_signed"} of the first component, or {} if not found."""
    data = bytes(src[:4096]) if len(src) > 4096 else bytes(src)
    offset = 0
    if data.startswith(_JP2_SIGNATURE):
        data = bytes(src)
        offset = 12
        while offset < len(data):
            length = int.from_bytes(data[offset:offset + 4], "big")
            if data[offset + 4:offset + 8] == b"jp2c":
                offset += 8
                break
            if length == 0:  # pydicom would loop forever here: treat as not found
                return {}
            offset += length
    if data[offset:offset + 4] != b"\xff\x4f\xff\x51" or len(data) <= offset + 42:
        return {}
    ssiz = data[offset + 42]
    if ssiz & 0x80:
        return {"precision": (ssiz & 0x7F) + 1, "is_signed": True}
    return {"precision": ssiz + 1, "is_signed": False}


def jpeg_parameters(src):
    """{"precision", "component_ids", "app"?} of a JPEG / JPEG-LS frame, or {}."""
    data = bytes(src)
    if data[:2] != b"\xff\xd8":
        return {}
    info: dict[str, Any] = {}
    offset = 2
    apps: dict[int, bytes] = {}
    try:
        while True:
            if len(data) < offset + 4:
                return {}
            marker = data[offset + 1] if data[offset] == 0xFF else -1
            if marker in _SOF:
                break
            length = int.from_bytes(data[offset + 2:offset + 4], "big")
            if 0xE0 <= marker <= 0xEF:
                apps[marker] = data[offset + 4:offset + 2 + length]
            offset += length + 2
        if apps:
            info["app"] = apps
        offset += 2
        info["precision"] = data[offset + 2]
        components = data[offset + 7]
        ids = [data[offset + 8 + 3 * i] for i in range(components)]
        info["component_ids"] = ids
    except IndexError:
        return {}
    return info
