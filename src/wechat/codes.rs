//! WeChat API `errcode` table: meaning and worker-facing action, in zh-CN and English.

/// What a WeChat errcode means and what the user should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: i64,
    /// Short meaning, zh-CN.
    pub zh: &'static str,
    /// What to do, zh-CN (an imperative sentence a warehouse worker understands).
    pub zh_action: &'static str,
    pub en: &'static str,
    pub en_action: &'static str,
}

/// Shorthand constructor so the table stays readable.
const fn info(
    code: i64,
    zh: &'static str,
    zh_action: &'static str,
    en: &'static str,
    en_action: &'static str,
) -> CodeInfo {
    CodeInfo {
        code,
        zh,
        zh_action,
        en,
        en_action,
    }
}

/// Every known code, sorted by `code` ascending (a test checks this), no duplicates.
pub static CODES: &[CodeInfo] = &[
    info(
        -2,
        "接口凭证(token)异常,超长或无效",
        "点重试;仍失败请把错误码报告给管理员或软件支持",
        "Access token malformed (too long) or invalid",
        "Retry; if it keeps failing, report the error code to the administrator or software support",
    ),
    info(
        -1,
        "微信系统繁忙或其他错误",
        "稍等几秒后重试;多次失败请把错误码报告给管理员",
        "WeChat system error or other error",
        "Wait a few seconds and retry; if it keeps failing, report the error code to the administrator",
    ),
    info(
        40001,
        "接口凭证无效或不是最新的(可能是AppSecret错误)",
        "点重试;仍失败请管理员到设置里核对AppID和AppSecret",
        "Access token invalid or not the latest (AppSecret may be wrong)",
        "Retry; if it still fails, the administrator must check AppID and AppSecret in settings",
    ),
    info(
        40003,
        "买家标识(openid)无效",
        "把错误码和订单号报告给管理员或软件支持",
        "Invalid buyer openid",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        40013,
        "AppID无效",
        "请管理员到设置里重新填写正确的AppID",
        "Invalid AppID",
        "The administrator must re-enter the correct AppID in settings",
    ),
    info(
        40014,
        "接口凭证(access_token)无效",
        "点重试,软件会重新获取凭证;仍失败请报告管理员",
        "Invalid access_token",
        "Retry, the software will fetch a new token; if it still fails, tell the administrator",
    ),
    info(
        40097,
        "请求参数不正确",
        "把错误码和订单号报告给管理员或软件支持",
        "Request parameters are invalid",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        40125,
        "AppSecret不正确",
        "请管理员到设置里重新填写正确的AppSecret",
        "Invalid AppSecret",
        "The administrator must re-enter the correct AppSecret in settings",
    ),
    info(
        40164,
        "本机IP不在接口IP白名单中",
        "请管理员在微信后台把本工作站的公网IP加入接口IP白名单",
        "This station's IP is not in the API IP whitelist",
        "The administrator must add this station's public IP to the API IP whitelist in the WeChat admin console",
    ),
    info(
        40199,
        "运单号不正确,找不到该运单",
        "核对运单号(重新扫描面单),确认无误后再试",
        "Wrong waybill number, waybill not found",
        "Check the waybill number (rescan the label) and try again",
    ),
    info(
        42001,
        "接口凭证已过期",
        "点重试,软件会自动重新获取凭证",
        "Access token expired",
        "Retry; the software will fetch a new token automatically",
    ),
    info(
        44002,
        "请求内容为空",
        "把错误码报告给管理员或软件支持",
        "Empty request body",
        "Report the error code to the administrator or software support",
    ),
    info(
        45009,
        "今日接口调用次数已用完",
        "暂停操作并通知管理员,额度次日恢复",
        "Daily API call quota used up",
        "Stop and tell the administrator; the quota resets tomorrow",
    ),
    info(
        45011,
        "调用太频繁",
        "稍等一分钟后重试,软件会自动重试读取类操作",
        "API called too often (rate limit)",
        "Wait a minute and retry; the software retries read operations automatically",
    ),
    info(
        45035,
        "访问IP不在白名单",
        "请管理员在微信后台把本工作站的公网IP加入接口IP白名单",
        "Calling IP is not in the whitelist",
        "The administrator must add this station's public IP to the API IP whitelist in the WeChat admin console",
    ),
    info(
        47001,
        "请求格式不正确",
        "把错误码和订单号报告给管理员或软件支持",
        "Malformed request body",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        47003,
        "请求参数值不正确",
        "检查填写的内容;仍失败请把错误码报告给管理员",
        "Invalid argument",
        "Check what you entered; if it still fails, report the error code to the administrator",
    ),
    info(
        48001,
        "没有调用该接口的权限",
        "请管理员在微信后台开通相关接口权限",
        "No permission to call this API",
        "The administrator must enable this API permission in the WeChat admin console",
    ),
    info(
        61004,
        "调用方IP不在白名单",
        "请管理员在微信后台把本工作站的公网IP加入接口IP白名单",
        "Calling IP is not in the whitelist",
        "The administrator must add this station's public IP to the API IP whitelist in the WeChat admin console",
    ),
    info(
        100002,
        "订单不存在",
        "核对订单号是否正确、是否属于本店;无误请报告管理员",
        "Order does not exist",
        "Check the order number belongs to this shop; if correct, tell the administrator",
    ),
    info(
        100003,
        "订单更新太频繁",
        "稍等几秒后重试",
        "Order updated too often",
        "Wait a few seconds and retry",
    ),
    info(
        101100,
        "订单当前状态不允许发货",
        "先别发货,到小店后台查看订单状态(可能已取消或退款)",
        "Order status does not allow shipping",
        "Do not ship; check the order status in the shop console (it may be cancelled or refunded)",
    ),
    info(
        108009,
        "该订单有未完成的售后,暂不能发货",
        "先在小店后台处理完售后单,再点发货",
        "Order has an unfinished after-sale request",
        "Finish the after-sale request in the shop console first, then ship",
    ),
    info(
        109000,
        "发货商品信息有误",
        "核对包裹里的商品和数量是否与订单一致,已发或已退的商品不要再发",
        "Shipping failed: product info is wrong",
        "Check items and quantities match the order; do not ship items already shipped or refunded",
    ),
    info(
        109001,
        "订单已经发过货",
        "无需操作,不要重复发货",
        "Order already shipped",
        "Nothing to do; do not ship it again",
    ),
    info(
        109002,
        "发货时没有选择商品",
        "选中要发的商品后再点发货;仍失败请报告管理员",
        "No products in the shipping request",
        "Select the items to ship and retry; if it still fails, tell the administrator",
    ),
    info(
        109205,
        "订单已在线下单物流,不能自寄发货",
        "使用该订单已生成的电子面单发货,不要另贴快递单",
        "Order already has an online courier booking; self-shipping not allowed",
        "Ship with the e-waybill already created for this order; do not use another label",
    ),
    info(
        606003,
        "店铺没有设置默认退货地址",
        "请管理员在小店后台设置默认退货地址后再发货",
        "Shop has no default return address",
        "The administrator must set a default return address in the shop console, then ship",
    ),
    info(
        606004,
        "快递公司编码不对",
        "到设置里重新选择快递公司(从快递公司列表中选)",
        "Invalid courier company code",
        "Re-select the courier in settings (pick from the courier list)",
    ),
    info(
        606005,
        "快递单号不正确",
        "核对快递单号,重新扫描面单",
        "Invalid tracking number",
        "Check the tracking number and rescan the label",
    ),
    info(
        606008,
        "发货方式不符合订单要求",
        "普通订单用快递发货,虚拟商品选无需物流;不确定请问管理员",
        "Shipping method does not match the order type",
        "Use courier for normal orders, no-logistics for virtual goods; ask the administrator if unsure",
    ),
    info(
        606031,
        "订单里没有这个商品或规格",
        "刷新订单,核对商品和规格后再发货;仍失败请报告管理员",
        "Product or SKU is not in this order",
        "Refresh the order, check items and SKUs, then ship; if it still fails, tell the administrator",
    ),
    info(
        606034,
        "该商品需要走质检发货流程",
        "请管理员在平台服务-商品质检中开通质检服务,按质检流程发货",
        "Product must go through the quality-inspection shipping flow",
        "The administrator must enable quality inspection (Platform Services) and ship via that flow",
    ),
    info(
        606036,
        "带课程链接的包裹只能有一个规格",
        "把错误码和订单号报告给管理员或软件支持",
        "A package with a course link may contain only one SKU",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        606037,
        "该商品不是课程商品,不能填课程信息",
        "把错误码和订单号报告给管理员或软件支持",
        "SKU is not a course product; course info not allowed",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        606038,
        "课程链接的小程序信息为空",
        "把错误码和订单号报告给管理员或软件支持",
        "Course link mini-program appid or path is empty",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        606045,
        "平台要求先上传生鲜打包质检信息",
        "先上传商品打包信息再发货,不会操作请找管理员",
        "Platform requires fresh-produce packing info upload first",
        "Upload the packing info first, then ship; ask the administrator if unsure",
    ),
    info(
        606046,
        "该订单必须使用电子面单发货",
        "用本软件打印微信电子面单后再发货,不要手写快递单",
        "This order must be shipped with an e-waybill",
        "Print a WeChat e-waybill in this software, then ship; no handwritten labels",
    ),
    info(
        606048,
        "核销信息有误,小程序信息为空",
        "把错误码和订单号报告给管理员或软件支持",
        "Redemption info invalid: mini-program appid or path empty",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        606049,
        "订单存在风险",
        "不要发货,把包裹放一边,等平台通知并告知管理员",
        "Order flagged as risky",
        "Do not ship; set the package aside, wait for platform notice and tell the administrator",
    ),
    info(
        606051,
        "虚拟商品必须整单发货",
        "勾选订单里的全部商品,一次发货",
        "Virtual goods must be shipped as a whole order",
        "Select all items in the order and ship them at once",
    ),
    info(
        606060,
        "国补订单需要填写SN码",
        "扫描或填写商品的SN码后再发货",
        "National-subsidy order requires an SN code",
        "Scan or enter the product SN code, then ship",
    ),
    info(
        606061,
        "国补订单只能用指定的快递公司",
        "换成支持国补的快递公司,重新取单号后再发货",
        "National-subsidy order requires a designated courier",
        "Switch to a courier that supports the subsidy, get a new waybill, then ship",
    ),
    info(
        6060479,
        "快递单号格式与快递公司不匹配",
        "核对快递单号和所选快递公司是否对应,重新扫描面单",
        "Tracking number format does not match the courier",
        "Check the tracking number matches the chosen courier and rescan the label",
    ),
    info(
        9300501,
        "快递公司系统取号失败",
        "核对收寄件地址和电话后重试;仍失败请联系管理员或快递网点",
        "Courier-side error while creating the waybill",
        "Check addresses and phones, then retry; if it fails, contact the administrator or courier branch",
    ),
    info(
        9300507,
        "运单查询凭证(token)不正确",
        "把错误码和运单号报告给管理员或软件支持",
        "Invalid waybill token",
        "Report the error code and waybill number to the administrator or software support",
    ),
    info(
        9300531,
        "快递账号(biz_id)无效",
        "请管理员到设置里检查快递公司账号绑定",
        "Invalid courier account (biz_id)",
        "The administrator must check the courier account binding in settings",
    ),
    info(
        9401020,
        "请求参数不正确",
        "核对订单号后重试;仍失败请把错误码报告给管理员",
        "Invalid parameter",
        "Check the order number and retry; if it still fails, report the error code to the administrator",
    ),
    info(
        10020115,
        "买家申请修改收货地址",
        "先在小店后台处理改地址申请,再按新地址打单发货",
        "Buyer requested an address change",
        "Handle the address change in the shop console, then print and ship to the new address",
    ),
    info(
        10020276,
        "买家申请发货前更换规格",
        "先在小店后台处理换规格申请,按新规格打包后再发货",
        "Buyer requested a SKU change before shipping",
        "Handle the SKU change in the shop console, pack the new SKU, then ship",
    ),
    info(
        268545000,
        "该快递公司不支持国补订单",
        "换成支持国补的快递公司,重新取单号后再发货",
        "Courier does not support national-subsidy orders",
        "Switch to a courier that supports the subsidy, get a new waybill, then ship",
    ),
    info(
        268545001,
        "订单与面单上的商品不匹配",
        "确认面单是本订单的,必要时重新打印面单",
        "Order and e-waybill products do not match",
        "Make sure the label belongs to this order; reprint it if needed",
    ),
    info(
        268545002,
        "电子面单里的订单信息无效",
        "重新打印该订单的电子面单后再发货",
        "Order info in the e-waybill is invalid",
        "Reprint this order's e-waybill, then ship",
    ),
    info(
        268545003,
        "商品规格不匹配",
        "核对包裹里的商品规格是否与订单一致",
        "Product SKU mismatch",
        "Check the packed SKU matches the order",
    ),
    info(
        268545004,
        "商品的国补信息不存在",
        "把错误码和订单号报告给管理员",
        "National-subsidy info for the product not found",
        "Report the error code and order number to the administrator",
    ),
    info(
        268545005,
        "国补商品不能合并打单",
        "每个国补订单单独打印面单",
        "National-subsidy products cannot be printed on a combined label",
        "Print a separate label for each subsidy order",
    ),
    info(
        268545006,
        "国补订单不支持多个规格",
        "每个包裹只放一个规格,分开打单发货",
        "National subsidy does not support multiple SKUs",
        "Put one SKU per package and print separate labels",
    ),
    info(
        268545007,
        "订单商品不唯一",
        "每个包裹只放一种商品;仍失败请报告管理员",
        "Order product is not unique",
        "Put one product per package; if it still fails, tell the administrator",
    ),
    info(
        268545008,
        "国补订单参数错误",
        "把错误码和订单号报告给管理员或软件支持",
        "National-subsidy order parameter error",
        "Report the error code and order number to the administrator or software support",
    ),
    info(
        268545009,
        "国补SN码锁定失败",
        "稍等片刻后重试",
        "Failed to lock the subsidy SN code",
        "Wait a moment and retry",
    ),
    info(
        268545010,
        "该SN码已被其他平台锁定",
        "换一台商品重新扫描SN码,并告知管理员",
        "SN code locked by another platform",
        "Use another unit, rescan its SN code and tell the administrator",
    ),
    info(
        268545011,
        "该SN码已被其他订单占用",
        "换一台商品重新扫描SN码,不要重复使用同一SN码",
        "SN code already used by another order",
        "Use another unit and rescan its SN code; never reuse an SN code",
    ),
    info(
        268545012,
        "SN码或IMEI码填写有误",
        "核对SN码和IMEI码,重新扫描后再发货",
        "SN/IMEI code parameters are wrong",
        "Check the SN and IMEI codes, rescan, then ship",
    ),
    info(
        268545013,
        "国补SN码锁定失败(其他原因)",
        "稍后重试;仍失败请把错误码报告给管理员",
        "Failed to lock the subsidy SN code (other reason)",
        "Retry later; if it still fails, report the error code to the administrator",
    ),
    info(
        268545014,
        "该商品类目不支持国补",
        "把错误码和订单号报告给管理员",
        "Product category does not support the national subsidy",
        "Report the error code and order number to the administrator",
    ),
    info(
        268545015,
        "国补SN码不存在",
        "核对SN码是否扫错,重新扫描商品上的SN码",
        "Subsidy SN code does not exist",
        "Check the SN code and rescan it from the product",
    ),
];

/// True for codes with which WeChat holds an order back until someone acts (seed 003): an
/// address or SKU change to handle (10020115, 10020276), the platform's own e-waybill (606046),
/// a risk hold (606049), national-subsidy SN / courier rules (606060, 606061, 268545000..=
/// 268545015). Shipping again unchanged will fail the same way: the row shows the explanation.
pub fn holds_order(code: i64) -> bool {
    matches!(
        code,
        10020115 | 10020276 | 606046 | 606049 | 606060 | 606061 | 268_545_000..=268_545_015
    )
}

/// Binary search in CODES.
pub fn lookup(code: i64) -> Option<&'static CodeInfo> {
    CODES
        .binary_search_by_key(&code, |c| c.code)
        .ok()
        .and_then(|i| CODES.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed 003: channels/ec/order/delivery/send (plus 268545000..=268545015, checked below).
    const SEED_003: &[i64] = &[
        40097, 47001, 48001, 100002, 100003, 101100, 108009, 109000, 109001, 109002, 109205,
        606003, 606004, 606005, 606008, 606031, 606034, 606036, 606037, 606038, 606045, 606046,
        606048, 606049, 606051, 606060, 606061, 6060479, 10020115, 10020276,
    ];
    /// Seed 002: product/order/get.
    const SEED_002: &[i64] = &[-1, -2, 48001, 100002, 9401020];
    /// Seed 004: getContact.
    const SEED_004: &[i64] = &[-1, 40199, 9300507];
    /// Seed 000: express/business/order/get.
    const SEED_000: &[i64] = &[40001];
    /// General codes.
    const GENERAL: &[i64] = &[
        40001, 40013, 40014, 40125, 42001, 45009, 45011, 61004, 45035, 40164, 9300501, 9300531,
        40003, 44002, 47003,
    ];

    #[test]
    fn sorted_and_unique() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "CODES not strictly ascending at {} -> {}",
                pair[0].code,
                pair[1].code
            );
        }
    }

    #[test]
    fn required_codes_present() {
        let lists = [SEED_003, SEED_002, SEED_004, SEED_000, GENERAL];
        for &code in lists.iter().flat_map(|l| l.iter()) {
            assert!(lookup(code).is_some(), "missing code {code}");
        }
        for code in 268_545_000..=268_545_015 {
            assert!(lookup(code).is_some(), "missing code {code}");
        }
    }

    #[test]
    fn no_empty_strings() {
        for c in CODES {
            for s in [c.zh, c.zh_action, c.en, c.en_action] {
                assert!(!s.trim().is_empty(), "empty string for code {}", c.code);
                assert!(!s.contains('\n'), "multi-line string for code {}", c.code);
            }
        }
    }

    #[test]
    fn lookup_hits_and_misses() {
        let hit = lookup(109001).unwrap();
        assert_eq!(hit.code, 109001);
        assert_eq!(hit.zh, "订单已经发过货");
        assert_eq!(lookup(-2).map(|c| c.code), Some(-2));
        assert_eq!(lookup(268_545_015).map(|c| c.code), Some(268_545_015));
        assert!(lookup(0).is_none());
        assert!(lookup(12345).is_none());
        assert!(lookup(i64::MIN).is_none());
        assert!(lookup(i64::MAX).is_none());
    }

    #[test]
    fn order_holds_are_known_and_explained() {
        for code in [
            10020115,
            10020276,
            606046,
            606049,
            606060,
            606061,
            268_545_000,
            268_545_015,
        ] {
            assert!(holds_order(code), "{code}");
            assert!(lookup(code).is_some(), "{code}");
        }
        assert!(!holds_order(109001));
        assert!(!holds_order(-1));
    }

    #[test]
    fn every_entry_found_by_lookup() {
        for c in CODES {
            assert_eq!(lookup(c.code), Some(c));
        }
    }
}
