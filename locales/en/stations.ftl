# stations words (en).
