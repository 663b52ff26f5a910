# waybill-desk 的界面文字(简体中文,默认)。{ $order } 是订单号。
# 翻译时只改等号右边;两个文件的消息名必须一致。

order-problem = { $order }:{ $problem }
no-journal-refused = 记录本(数据库)打不开,为防止重复发货,取面单和发货已停用。请检查数据目录是否可写、磁盘是否已满,然后重启软件
labels-need-settings = 取号需要快递公司、biz_id 和发件人地址:请先在“设置”里填写
labels-started = 开始获取面单:{ $count } 单
labels-queued = 面单任务已排队(第 { $place } 个),前面的任务完成后开始
labels-done = 面单完成 { $ok }/{ $total },失败 { $failed }
labels-done-cancelled = 面单完成 { $ok }/{ $total },失败 { $failed }(已取消)
label-fetched = { $order }:面单已获取
print-no-printer = 还没有选择打印机:请在“设置”里选择打印机
print-no-label = { $order }:还没有面单,请先获取面单
print-started = 开始打印:{ $count } 张 → { $printer }
print-queued = 打印已排队(第 { $place } 个),当前打印完成后开始
print-done = 打印完成 { $ok }/{ $total },失败 { $failed }
printed = { $order }:已打印
scan-received = 扫码:{ $code }
scan-queue = 队列 { $count }
scan-step-fetching = 正在获取面单…
scan-step-printing = 正在打印…
scan-step-shipping = 正在发货…
scan-not-found = 找不到订单:{ $code }
scan-already-shipped = { $order } 已发过货,没有打印。要补打面单请点“仍然打印”
scan-print-anyway = 仍然打印
scan-no-printer = { $order } 面单已就绪,但还没有选择打印机(设置)
scan-printed = { $order } 已打印
scan-reprinted = { $order } 第 { $times } 次打印(重打)
scan-shipped = { $order } { $times ->
    [1] 已打印并发货
   *[other] 第 { $times } 次打印,已发货
}
scan-parcel-shipped = { $order } 已打印,发出一个包裹;其余仍待发货
scan-stopped = { $order }:任务已停止,这单没有完成。需要时再扫一次
ship-answer-lost = { $order }:发货结果没有收到,正在重新查询订单
print-dialog-open = 打印对话框已经打开:请先在那个窗口里打印或取消
print-dialog-printed = { $order }:已通过打印对话框打印
waybill-cancelling = { $order }:正在取消运单 { $waybill }
waybill-cancelled = { $order }:运单已取消;需要时点“取新运单”
waybill-created = { $order }:已取号 { $courier } { $waybill }
batch-resuming = 继续面单批次 #{ $batch }
ship-already = { $order }:已经发过货,无需操作
ship-nothing-left = { $order }:没有剩余要发的商品
ship-parcel = { $order }:已发出一个包裹 { $pieces } 件;其余仍待发货
shipped = { $order }:已发货
shipped-on-reread = { $order }:已发货(发货结果丢失,重新查询订单确认)
labels-skipped = 跳过 { $count } 单不用快递的订单(不取号、不打面单):{ $reasons }
orders-refreshed = 订单已刷新:{ $count }
orders-refresh-failed = 刷新订单失败:{ $problem }
secret-saved = AppSecret 已保存到 { $place }。重启软件后连接真实店铺
settings-saved = 设置已保存
settings-save-failed = 设置保存失败:{ $problem }
reprinted = { $order }:已重打(第 { $times } 次打印)
preview-no-label = 正在获取面单…
ship-refused-cancelled = 运单已取消,不能用它发货:请点“取新运单”
ship-no-waybill = 没有运单号:请先获取面单
print-stopped-not-printed = 已停止打印,这张没有打印。需要时再点“打印”
print-held-back = 前面的面单打印失败,为保持顺序这张没有打印。处理好打印机后再点“打印”
label-missing-in-journal = 记录本里找不到面单 { $label }:请重新获取面单
