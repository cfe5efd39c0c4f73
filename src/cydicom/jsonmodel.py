"""The DICOM JSON model (PS3.18 F.2): ``Dataset.to_json_dict()`` and ``Dataset.to_json()``.

Built from cydicom's own elements and values, with pydicom 3.0.2's rules so the result is
equal to pydicom's ``to_json_dict()`` for the same file: keys are 8-digit upper-case hex
tags; binary VRs become ``InlineBinary`` (base64), or ``BulkDataURI`` from the handler when
the base64 text would exceed ``bulk_data_threshold``; PN values become component groups;
AT values hex strings; IS/DS and the binary numbers JSON numbers; empty values carry no
``Value``. The file meta is not part of it (as in pydicom).
"""
from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Callable
from typing import Any

from ._values import empty_value
from .dataset import Dataset, Element, format_tag
from .errors import DicomWarning

BulkDataHandler = Callable[[Element], str]

BINARY_VRS = frozenset(("OB", "OD", "OF", "OL", "OV", "OW", "UN",
                        "US or SS or OW", "US or OW", "OB or OW"))
INT_VRS = frozenset(("IS", "SL", "SS", "SV", "UL", "US", "UV", "US or SS"))
FLOAT_VRS = frozenset(("DS", "FD", "FL"))
PN_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")


def _multiplicity(value: Any) -> int:
    """pydicom's ``DataElement.VM`` for a plain cydicom value (not SQ)."""
    if value is None:
        return 0
    if isinstance(value, (str, bytes)):
        return 1 if value else 0
    if isinstance(value, list):
        return len(value)
    return 1


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _numbers(values: list[Any], vr: str) -> list[Any]:
    """pydicom's ``jsonrep.convert_to_python_number``."""
    kind = int if vr in INT_VRS else float if vr in FLOAT_VRS else None
    if kind is None:
        return values
    return [kind(v) if v is not None else empty_value(vr) for v in values]


def _person_name(name: str) -> dict[str, str]:
    return dict(zip(PN_GROUPS, name.split("=")[:3]))


def element_json(element: Element, bulk_data_element_handler: BulkDataHandler | None,
                 bulk_data_threshold: int) -> dict[str, Any]:
    """One element as a DICOM JSON object (``{"vr": ..., "Value"|"InlineBinary"|...}``)."""
    vr, value = element.vr, element.value
    out: dict[str, Any] = {"vr": vr}
    if vr == "SQ":
        out["Value"] = [dataset_json(item, bulk_data_threshold, bulk_data_element_handler)
                        for item in value]
        return out
    if _multiplicity(value) == 0:
        return out
    if vr in BINARY_VRS:
        # base64 makes the value 4/3 as long: pydicom's test on the raw length
        if bulk_data_element_handler is not None and len(value) > (bulk_data_threshold // 4) * 3:
            out["BulkDataURI"] = bulk_data_element_handler(element)
        else:
            out["InlineBinary"] = base64.b64encode(value).decode("utf-8")
    elif vr == "PN":
        out["Value"] = [_person_name(name) for name in _values(value)]
    elif vr == "AT":
        out["Value"] = [format(tag, "08X") for tag in _values(value)]
    else:
        out["Value"] = _numbers(list(_values(value)), vr)
    return out


def dataset_json(ds: Dataset, bulk_data_threshold: int = 1024,
                 bulk_data_element_handler: BulkDataHandler | None = None,
                 suppress_invalid_tags: bool = False) -> dict[str, Any]:
    """``ds`` (one level and its items) as a DICOM JSON dict, keyed by 8-digit hex tags.

    With ``suppress_invalid_tags`` an element whose value cannot be read or encoded is left
    out with a ``DicomWarning`` instead of raising. (pydicom, in that mode, also reads
    values with its strict validation and drops those that fail it; cydicom does not
    validate values, so it drops only elements that fail.)
    """
    out: dict[str, Any] = {}
    for element in ds:
        key = f"{element.tag:08X}"
        try:
            out[key] = element_json(element, bulk_data_element_handler, bulk_data_threshold)
        except Exception as exc:
            if not suppress_invalid_tags:
                raise
            warnings.warn(f"Left out {format_tag(element.tag)} from the JSON: {exc}",
                          DicomWarning, stacklevel=2)
    return out


def dataset_json_text(ds: Dataset, bulk_data_threshold: int = 1024,
                      bulk_data_element_handler: BulkDataHandler | None = None,
                      dump_handler: Callable[[dict[str, Any]], str] | None = None,
                      suppress_invalid_tags: bool = False) -> str:
    """``dataset_json`` serialised by ``dump_handler`` (default: ``json.dumps`` with sorted keys)."""
    data = dataset_json(ds, bulk_data_threshold, bulk_data_element_handler,
                        suppress_invalid_tags)
    if dump_handler is None:
        return json.dumps(data, sort_keys=True)
    return dump_handler(data)
