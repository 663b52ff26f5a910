# setup words (zh-CN).
