# stations words (zh-CN).
# Several stations on one shared journal (issue 13): the live view, the banner, the stations panel.

live-did-label = 站 { $station }({ $operator })已取面单:订单 { $order }
live-did-print = 站 { $station }({ $operator })已打印:订单 { $order }
live-did-ship = 站 { $station }({ $operator })已发货:订单 { $order }
live-held = 订单 { $order } 正由站 { $station }({ $operator })处理,到 { $until } 为止;本站不处理它,请换一单或等它处理完
live-held-short = 站 { $station }({ $operator })处理中,至 { $until }
live-row-label-by = 取单:{ $station }({ $operator })
live-row-printed-by = 已打印:{ $station }({ $operator })
live-row-shipped-by = 已发货:{ $station }({ $operator })
live-detail-label = { $time } 站 { $station }({ $operator })取了面单
live-detail-print = { $time } 站 { $station }({ $operator })打印了面单
live-detail-ship = { $time } 站 { $station }({ $operator })发了货
live-banner-lost = 共享日志已断开({ $since } 起):{ $reason }。本站不再接受新任务(取面单、打印、发货、扫描),恢复后继续。
live-banner-catching-up = 共享日志已重新连上,正在补读断开期间其他站的记录……马上就可以继续
live-lost-log = 共享日志断开:{ $reason }。正在进行的取面单/打印在当前订单完成后停止,新任务暂不接受
live-back-log = 共享日志已恢复,断开期间其他站的记录已补上,可以继续工作
live-refused-lost = 共享日志已断开,这个操作没有执行:恢复后再试(红色横幅消失即可)
live-refused-catching-up = 共享日志正在补读其他站的记录,这个操作没有执行:几秒后再试
live-scan-refused = 共享日志已断开,这次扫描没有处理:请把包裹放在一边,恢复后重新扫描
live-runs-stopped = 共享日志断开:正在进行的任务在当前订单完成后停止,没有做到一半的订单
live-feed-failed = 无法跟随其他站的操作:{ $reason }
stations-button = 各站
stations-button-hint = 各站的操作员、占用中的订单和今天的数量
stations-title = 各站情况
stations-reload = 刷新
stations-today-note = 今天的数量从本机日期的 0 点算起;时间为中国时间
stations-none = 共享日志里还没有任何站的记录
stations-no-journal = 没有打开记录本,无法查看各站情况
stations-col-station = 站
stations-col-operators = 操作员
stations-col-claims = 占用中
stations-col-labels = 今日取单
stations-col-prints = 今日打印
stations-col-ships = 今日发货
stations-col-last = 最近操作
stations-claims-by-purpose = 取面单 { $labels },打印 { $print },发货 { $ship }
