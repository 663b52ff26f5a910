# setup words (en).
