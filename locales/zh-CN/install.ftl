# install words (zh-CN).
# 异常退出报告(下次启动时提示)。{ $path } 是报告文件的完整路径。
crash-title = 上次异常退出
crash-body = 上次异常退出，报告在 { $path }
crash-more = (另有 { $count } 份未查看的报告在同一文件夹)
crash-hint = 报告里没有密钥和令牌。联系技术支持时请附上这个文件。
crash-open-folder = 打开文件夹
crash-copy-path = 复制路径
crash-path-copied = 路径已复制
crash-ignore = 忽略
