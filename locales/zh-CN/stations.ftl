# stations words (zh-CN).
