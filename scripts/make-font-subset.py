#!/usr/bin/env python3
"""Builds assets/NotoSansSC-subset.otf, the CJK fallback font bundled into the binary.

Subset of Noto Sans CJK SC (SIL Open Font License 1.1, see assets/OFL.txt) covering every
character in the source code's string literals plus the 3,755 common hanzi of GB2312 level 1,
ASCII and CJK punctuation. Needs fonttools (pip install fonttools) and Debian's fonts-noto-cjk.
Run from the repository root: python3 scripts/make-font-subset.py
"""
import pathlib
import subprocess

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE_INDEX_SC = 2  # JP, KR, SC, TC, HK
OUT = pathlib.Path("assets/NotoSansSC-subset.otf")

chars = set(chr(c) for c in range(0x20, 0x7F))
chars.update("，。、；：？！“”‘’（）【】《》—…·￥×℃")
for hi in range(0xB0, 0xD8):  # GB2312 level 1: rows 16-55
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for path in pathlib.Path("src").rglob("*.rs"):
    chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F)

text = pathlib.Path("/tmp/waybill-desk-subset-chars.txt")
text.write_text("".join(sorted(chars)), encoding="utf-8")
subprocess.run(
    ["pyftsubset", SOURCE, f"--font-number={FACE_INDEX_SC}", f"--text-file={text}",
     f"--output-file={OUT}", "--layout-features=*", "--no-hinting", "--desubroutinize"],
    check=True,
)
print(f"{OUT}: {len(chars)} characters, {OUT.stat().st_size} bytes")
