# install words (en).
