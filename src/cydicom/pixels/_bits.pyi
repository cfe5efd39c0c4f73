from typing_extensions import Buffer

def unused_bits_clean(buffer: Buffer, itemsize: int, bits_stored: int, signed: bool,
                      swap: bool = ...) -> bool: ...
