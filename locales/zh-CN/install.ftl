# install words (zh-CN).
