import numpy as np
from typing_extensions import Buffer

def decode_frame(src: Buffer, rows: int, columns: int, samples: int, bits_allocated: int,
                 transfer_syntax: str = ...) -> np.ndarray: ...
