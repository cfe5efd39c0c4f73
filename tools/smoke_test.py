"""Smoke test of an installed cydicom (wheels and sdist installs): no test data needed.

Writes a small explicit VR little endian file, reads it back (values, sequence, JSON,
repr) and dumps it with the command line. Exits non-zero on any failure.
"""
import os
import subprocess
import sys
import tempfile

import cydicom


def element(tag, vr, value):
    group, elem = tag >> 16, tag & 0xFFFF
    head = group.to_bytes(2, "little") + elem.to_bytes(2, "little") + vr.encode()
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return head + b"\x00\x00" + len(value).to_bytes(4, "little") + value
    return head + len(value).to_bytes(2, "little") + value


def sample_file():
    uid = b"1.2.840.10008.1.2.1\x00"
    meta = element(0x00020010, "UI", uid)
    meta = element(0x00020000, "UL", len(meta).to_bytes(4, "little")) + meta
    item = element(0x00081150, "UI", b"1.2.3\x00")
    sequence = b"\xfe\xff\x00\xe0" + len(item).to_bytes(4, "little") + item
    body = (element(0x00080060, "CS", b"CT") + element(0x00081140, "SQ", sequence)
            + element(0x00100010, "PN", b"Doe^Jane") + element(0x00280010, "US", b"\x02\x00")
            + element(0x00280011, "US", b"\x02\x00") + element(0x7FE00010, "OW", bytes(range(8))))
    return b"\x00" * 128 + b"DICM" + meta + body


def main():
    data = sample_file()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "smoke.dcm")
        with open(path, "wb") as f:
            f.write(data)
        with cydicom.dcmread(path) as ds:
            assert ds.PatientName == "Doe^Jane" and ds.Rows == 2 and ds["Modality"] == "CT"
            assert ds.ReferencedImageSequence[0].ReferencedSOPClassUID == "1.2.3"
            assert bytes(ds.element("PixelData").raw) == bytes(range(8))
            assert ds.to_json_dict()["00100010"] == {"vr": "PN",
                                                     "Value": [{"Alphabetic": "Doe^Jane"}]}
            assert "(0010,0010) PN PatientName: 'Doe^Jane'" in repr(ds)
        dump = subprocess.run([sys.executable, "-m", "cydicom", "dump", path],
                              capture_output=True, text=True, check=True).stdout
        assert "PatientName" in dump and "(FFFE,E000) item 1" in dump, dump
    print(f"cydicom {cydicom.__version__} from {os.path.dirname(cydicom.__file__)}: OK")


if __name__ == "__main__":
    main()
