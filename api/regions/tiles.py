"""Tile-grid layout of the 38 provinces: (column, row, short label), west to east.

A tile map needs no boundary files: each province is one equal square placed roughly where
it lies, so small provinces (DKI, DIY) are as visible as Papua.
"""

from __future__ import annotations

TILES: dict[str, tuple[int, int, str]] = {
    "11": (0, 0, "ACEH"),
    "12": (1, 1, "SUMUT"),
    "14": (2, 1, "RIAU"),
    "21": (3, 0, "KEPRI"),
    "13": (1, 2, "SUMBAR"),
    "15": (2, 2, "JAMBI"),
    "16": (3, 2, "SUMSEL"),
    "19": (4, 2, "BABEL"),
    "17": (2, 3, "BKL"),
    "18": (3, 3, "LPG"),
    "36": (4, 4, "BTN"),
    "31": (5, 3, "DKI"),
    "32": (5, 4, "JABAR"),
    "33": (6, 4, "JATENG"),
    "34": (6, 5, "DIY"),
    "35": (7, 4, "JATIM"),
    "51": (8, 4, "BALI"),
    "52": (9, 4, "NTB"),
    "53": (10, 4, "NTT"),
    "61": (5, 2, "KALBAR"),
    "62": (6, 2, "KALTENG"),
    "63": (7, 2, "KALSEL"),
    "64": (7, 1, "KALTIM"),
    "65": (7, 0, "KALTARA"),
    "72": (8, 1, "SULTENG"),
    "75": (9, 1, "GTLO"),
    "71": (10, 1, "SULUT"),
    "76": (8, 2, "SULBAR"),
    "73": (8, 3, "SULSEL"),
    "74": (9, 3, "SULTRA"),
    "82": (11, 1, "MALUT"),
    "81": (11, 3, "MALUKU"),
    "96": (12, 1, "PBD"),
    "92": (13, 1, "PABAR"),
    "91": (14, 1, "PAPUA"),
    "94": (13, 2, "PATENG"),
    "95": (14, 2, "PAPEG"),
    "93": (14, 3, "PASEL"),
}

# Sequential scale (light to dark); index by score quantile. Grey: no data or out of scope.
PALETTE: tuple[str, ...] = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
NO_DATA = "#e0e0e0"
