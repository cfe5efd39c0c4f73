# Value representation codes shared by the walker, the dictionary and the value layer.
# A real two-letter VR is stored as (first_byte << 8) | second_byte, so b"US" -> 0x5553.
# Small numbers are the dictionary's non-standard VR strings.
from libc.stdint cimport uint16_t

cdef enum:
    VR_IMPLICIT = 0        # implicit VR element: look the VR up in the dictionary
    VR_US_SS = 1           # "US or SS"
    VR_US_OW = 2           # "US or OW"
    VR_US_SS_OW = 3        # "US or SS or OW"
    VR_OB_OW = 4           # "OB or OW"
    VR_NONE = 5            # "NONE" (item and delimiter tags)
    VR_OB_OW_PRIVATE = 6   # "OB_OW" (private dictionary spelling)
