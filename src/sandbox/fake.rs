//! Deterministic sample shop orders with realistic Chinese data.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::model::{
    SbAddress, SbDelivery, SbDeliveryMethod, SbHold, SbOrder, SbProduct, SbWaybill,
};

/// 2^53: ids above it lose precision in `f64`, which is exactly what the sandbox wants to exercise.
const F64_EXACT_LIMIT: u64 = 9_007_199_254_740_992;
/// Window in which the sample orders were created.
const WINDOW_SECS: i64 = 6 * 24 * 3600;
/// China Standard Time offset, for day-shaped order times.
const CST_OFFSET_SECS: i64 = 8 * 3600;

/// `n` orders generated from `seed`, created during the 6 days before `now_unix` (oldest first).
///
/// All order ids are distinct and about 90% of them are above 2^53.
pub fn generate_orders(n: usize, seed: u64, now_unix: i64) -> Vec<SbOrder> {
    let mut g = Gen {
        rng: StdRng::seed_from_u64(seed),
        used_ids: HashSet::with_capacity(n),
        buyers: Vec::new(),
    };
    let mut orders: Vec<SbOrder> = (0..n).map(|_| g.order(now_unix)).collect();
    orders.sort_by_key(|o| (o.create_time, o.order_id));
    // The special cases come from their own random stream, so the ordinary orders of a seed
    // stay what they were before these cases existed.
    let mut cases = Gen {
        rng: StdRng::seed_from_u64(seed ^ 0xCA5E_5EED),
        used_ids: g.used_ids,
        buyers: Vec::new(),
    };
    for o in &mut orders {
        split_house_number(o);
    }
    cases.real_shop_cases(&mut orders, now_unix);
    orders
}

/// How many orders get each special case: none in tiny sandboxes (tests that want plain
/// orders), one from 100 orders, a handful in the demo's 300 and up.
fn per_case(n: usize) -> usize {
    match n {
        0..100 => 0,
        100..300 => 1,
        _ => 3,
    }
}

/// The orders special cases may take: to-be-shipped ordinary orders without after-sales, from
/// the oldest 40% of them, every other one (the rest stay for [`sample_waybills`]). Newest
/// orders stay plain, so the demo's first screen looks like an ordinary day.
fn case_candidates(orders: &[SbOrder], odd: bool) -> Vec<usize> {
    let plain: Vec<usize> = orders
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            o.status == 20
                && o.open_aftersale_ids.is_empty()
                && o.products
                    .iter()
                    .all(|p| p.on_aftersale_sku_cnt == 0 && p.finish_aftersale_sku_cnt == 0)
        })
        .map(|(i, _)| i)
        .collect();
    let oldest = plain.len() * 2 / 5;
    plain
        .into_iter()
        .take(oldest)
        .enumerate()
        .filter(|(k, _)| (k % 2 == 1) == odd)
        .map(|(_, i)| i)
        .collect()
}

/// Logistics waybills that exist before the sandbox starts: a few orders already had a
/// waybill that the shop then cancelled (getOrder answers `order_status` 1 for it).
pub fn sample_waybills(orders: &[SbOrder]) -> Vec<SbWaybill> {
    let per = per_case(orders.len());
    case_candidates(orders, true)
        .into_iter()
        .filter(|&i| orders[i].order_type == 0 && orders[i].hold.is_none())
        .take(per)
        .enumerate()
        .map(|(k, i)| {
            let o = &orders[i];
            let digits = o.order_id % 900_000_000_000 + 100_000_000_000;
            let (delivery_id, waybill_id) = match k % 3 {
                0 => ("ZTO", format!("7{digits}")),
                1 => ("SF", format!("SF1{digits}")),
                _ => ("YUNDA", format!("4{digits}")),
            };
            SbWaybill {
                order_id: o.order_id,
                delivery_id: delivery_id.to_string(),
                waybill_id,
                cancelled: true,
            }
        })
        .collect()
}

/// About a third of buyers type the flat number into its own field (seed 002 `house_number`).
fn split_house_number(o: &mut SbOrder) {
    if !o.order_id.is_multiple_of(3) {
        return;
    }
    let a = &mut o.address;
    if let Some(at) = a.detail_info.find('栋') {
        let cut = at + '栋'.len_utf8();
        if cut < a.detail_info.len() {
            a.house_number = a.detail_info[cut..].to_string();
            a.detail_info.truncate(cut);
        }
    }
}

/// Administrative division code of a sample city (GB/T 2260, city level).
fn national_code(city: &str) -> &'static str {
    const CODES: &[(&str, &str)] = &[
        ("深圳市", "440300"),
        ("广州市", "440100"),
        ("东莞市", "441900"),
        ("北京市", "110100"),
        ("上海市", "310100"),
        ("天津市", "120100"),
        ("重庆市", "500100"),
        ("杭州市", "330100"),
        ("宁波市", "330200"),
        ("金华市", "330700"),
        ("南京市", "320100"),
        ("苏州市", "320500"),
        ("无锡市", "320200"),
        ("成都市", "510100"),
        ("武汉市", "420100"),
        ("长沙市", "430100"),
        ("西安市", "610100"),
        ("青岛市", "370200"),
        ("济南市", "370100"),
        ("厦门市", "350200"),
        ("福州市", "350100"),
        ("郑州市", "410100"),
        ("石家庄市", "130100"),
        ("太原市", "140100"),
        ("沈阳市", "210100"),
        ("大连市", "210200"),
        ("长春市", "220100"),
        ("哈尔滨市", "230100"),
        ("合肥市", "340100"),
        ("南昌市", "360100"),
        ("昆明市", "530100"),
        ("贵阳市", "520100"),
        ("南宁市", "450100"),
        ("海口市", "460100"),
        ("呼和浩特市", "150100"),
        ("乌鲁木齐市", "650100"),
        ("兰州市", "620100"),
    ];
    CODES
        .iter()
        .find(|(c, _)| *c == city)
        .map_or("", |(_, code)| code)
}

/// The cases a real shop has every day that ordinary sample orders do not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    PartlyShipped,
    Pickup,
    SameCity,
    CannotShip,
    Virtual,
    NationalSubsidy,
    AddressChange,
    SkuChange,
    Risk,
    EwaybillOnly,
}

const CASES: &[Case] = &[
    Case::PartlyShipped,
    Case::Pickup,
    Case::SameCity,
    Case::CannotShip,
    Case::Virtual,
    Case::NationalSubsidy,
    Case::AddressChange,
    Case::SkuChange,
    Case::Risk,
    Case::EwaybillOnly,
];

/// Virtual goods: (title, attribute value, price in fen, pieces). The first is a course (a
/// `course_info` parcel fits it, seed 003 §5.2); the top-up comes in twos, so shipping only one
/// is the partial virtual shipment WeChat refuses (606051).
const VIRTUAL_GOODS: &[(&str, &str, i64, u32)] = &[
    ("Excel函数与数据透视表视频课程", "永久回看", 9900, 1),
    ("手机话费充值100元", "100元", 9980, 2),
    ("视频会员年卡 电子兑换码", "12个月", 19800, 1),
];

/// National-subsidy goods (国补): one SKU, one piece per order.
const SUBSIDY_GOODS: &[(&str, &str, i64)] = &[
    ("华为Mate 60 Pro 12GB+512GB 国家补贴", "雅川青", 599_900),
    ("美的1.5匹新一级能效变频空调挂机 国家补贴", "1.5匹", 259_900),
    ("小米Redmi K70 16GB+512GB 国家补贴", "墨羽", 279_900),
];

/// A plausible sender (the shop's warehouse) for labels: (name, mobile, full address).
pub fn shop_sender() -> (String, String, String) {
    (
        "小鹿好物仓库".to_string(),
        "18676543210".to_string(),
        "广东省深圳市宝安区福永街道凤凰第一工业区A栋3楼".to_string(),
    )
}

/// An entry of the sample shop's catalogue.
struct CatalogItem {
    title: &'static str,
    /// Attribute dimensions; each SKU picks one value per dimension.
    attrs: &'static [(&'static str, &'static [&'static str])],
    /// Sale price range in fen.
    price_fen: (i64, i64),
}

const CATALOG: &[CatalogItem] = &[
    // 服装
    CatalogItem {
        title: "纯棉圆领短袖T恤男夏季宽松百搭半袖上衣",
        attrs: &[
            ("颜色", &["白色", "黑色", "藏青", "浅灰"]),
            ("尺码", &["M", "L", "XL", "XXL"]),
        ],
        price_fen: (3900, 8900),
    },
    CatalogItem {
        title: "加绒加厚连帽卫衣女秋冬韩版宽松外套",
        attrs: &[
            ("颜色", &["米白", "燕麦色", "雾霾蓝", "黑色"]),
            ("尺码", &["S", "M", "L", "XL"]),
        ],
        price_fen: (8900, 15900),
    },
    CatalogItem {
        title: "高腰直筒牛仔裤女显瘦阔腿拖地裤",
        attrs: &[
            ("颜色", &["浅蓝", "深蓝", "黑色"]),
            ("尺码", &["25", "26", "27", "28", "29", "30"]),
        ],
        price_fen: (6900, 12900),
    },
    CatalogItem {
        title: "冰丝防晒衣女UPF50+透气薄款开衫",
        attrs: &[
            ("颜色", &["白色", "樱花粉", "薄荷绿", "藏青"]),
            ("尺码", &["均码", "XL"]),
        ],
        price_fen: (4900, 9900),
    },
    CatalogItem {
        title: "羊毛混纺格纹围巾男女通用秋冬保暖",
        attrs: &[("颜色", &["驼色格", "红黑格", "灰蓝格"])],
        price_fen: (5900, 12900),
    },
    CatalogItem {
        title: "男士商务休闲棉袜 中筒 10双装",
        attrs: &[("颜色", &["混色", "纯黑", "深灰"]), ("尺码", &["均码"])],
        price_fen: (2990, 3990),
    },
    // 零食
    CatalogItem {
        title: "每日坚果混合果仁孕妇零食整箱",
        attrs: &[("规格", &["750g/30包", "375g/15包"])],
        price_fen: (4990, 9990),
    },
    CatalogItem {
        title: "麻辣牛肉干四川特产手撕风干牛肉",
        attrs: &[
            ("口味", &["麻辣", "五香", "孜然"]),
            ("规格", &["100g", "250g"]),
        ],
        price_fen: (2990, 6990),
    },
    CatalogItem {
        title: "云南鲜花饼玫瑰饼传统糕点礼盒",
        attrs: &[("规格", &["10枚装", "20枚装"])],
        price_fen: (2590, 4990),
    },
    CatalogItem {
        title: "手工红糖姜茶独立小包装",
        attrs: &[("规格", &["12袋/盒", "24袋/2盒"])],
        price_fen: (1990, 3590),
    },
    CatalogItem {
        title: "儿童海苔脆片夹心零食罐装",
        attrs: &[("口味", &["芝麻", "杏仁", "南瓜子"])],
        price_fen: (1590, 2990),
    },
    // 数码配件
    CatalogItem {
        title: "20W PD快充充电头适用苹果iPhone",
        attrs: &[
            ("颜色", &["白色"]),
            ("规格", &["单头", "头+1米线", "头+2米线"]),
        ],
        price_fen: (2900, 5900),
    },
    CatalogItem {
        title: "Type-C编织数据线快充线 适用华为小米",
        attrs: &[
            ("长度", &["1米", "1.5米", "2米"]),
            ("颜色", &["黑色", "白色"]),
        ],
        price_fen: (990, 2990),
    },
    CatalogItem {
        title: "磁吸无线充电宝10000毫安轻薄便携",
        attrs: &[("颜色", &["星空灰", "月光白", "薄荷绿"])],
        price_fen: (9900, 19900),
    },
    CatalogItem {
        title: "蓝牙耳机半入耳式降噪超长续航",
        attrs: &[("颜色", &["白色", "黑色"])],
        price_fen: (7900, 19900),
    },
    CatalogItem {
        title: "手机壳适用iPhone 15透明防摔气囊",
        attrs: &[
            ("型号", &["iPhone 15", "iPhone 15 Pro", "iPhone 15 Pro Max"]),
            ("颜色", &["透明", "磨砂黑"]),
        ],
        price_fen: (1590, 3990),
    },
    CatalogItem {
        title: "钢化膜全屏高清防指纹 2片装",
        attrs: &[("型号", &["iPhone 15", "iPhone 15 Pro", "华为Mate 60"])],
        price_fen: (990, 2590),
    },
    // 家居
    CatalogItem {
        title: "加厚珊瑚绒毛毯沙发盖毯午睡毯",
        attrs: &[
            ("颜色", &["奶咖色", "雾蓝", "浅灰"]),
            ("尺寸", &["100x150cm", "150x200cm"]),
        ],
        price_fen: (3900, 8900),
    },
    CatalogItem {
        title: "316不锈钢保温杯大容量男女便携水杯",
        attrs: &[
            ("颜色", &["象牙白", "墨绿", "樱花粉"]),
            ("容量", &["500ml", "750ml"]),
        ],
        price_fen: (5900, 12900),
    },
    CatalogItem {
        title: "硅藻泥吸水地垫卫生间门口防滑垫",
        attrs: &[("尺寸", &["40x60cm", "50x80cm"])],
        price_fen: (2590, 4990),
    },
    CatalogItem {
        title: "北欧陶瓷餐具套装家用碗碟",
        attrs: &[("规格", &["单碗", "4人套装", "6人套装"])],
        price_fen: (1990, 19900),
    },
    CatalogItem {
        title: "香薰蜡烛礼盒卧室助眠无烟",
        attrs: &[("香型", &["白茶", "雪松", "无花果"])],
        price_fen: (3900, 7900),
    },
    CatalogItem {
        title: "懒人抹布一次性洗碗布干湿两用",
        attrs: &[("规格", &["50张/卷", "3卷装"])],
        price_fen: (990, 2490),
    },
    // 个护、宠物、文具
    CatalogItem {
        title: "氨基酸洗面奶温和清洁控油",
        attrs: &[("规格", &["100g", "120g×2支"])],
        price_fen: (3900, 7900),
    },
    CatalogItem {
        title: "豆腐猫砂除臭低尘可冲厕所",
        attrs: &[
            ("口味", &["原味", "绿茶", "水蜜桃"]),
            ("规格", &["6L", "6L×4袋"]),
        ],
        price_fen: (1990, 6990),
    },
    CatalogItem {
        title: "按动中性笔0.5mm黑色 12支装",
        attrs: &[("颜色", &["黑色", "蓝色", "红色"])],
        price_fen: (990, 1990),
    },
    CatalogItem {
        title: "儿童绘本3-6岁睡前故事书",
        attrs: &[("规格", &["全10册", "全20册"])],
        price_fen: (2990, 5990),
    },
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
];
const COMPOUND_SURNAMES: &[&str] = &["欧阳", "司马", "上官", "诸葛", "慕容", "东方"];
const GIVEN_CHARS: &[&str] = &[
    "芳", "强", "伟", "娜", "敏", "静", "丽", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "玲", "婷", "浩", "宇", "欣", "怡", "佳", "子", "涵", "雪", "晨", "琳",
    "博", "文", "思", "雨", "嘉", "俊", "鑫", "慧", "建", "华", "国", "志", "红", "梅", "春", "晓",
];

/// (province, city, districts, postal code)
#[rustfmt::skip]
const REGIONS: &[(&str, &str, &[&str], &str)] = &[
    ("广东省", "深圳市", &["南山区", "福田区", "宝安区", "龙岗区", "龙华区"], "518000"),
    ("广东省", "广州市", &["天河区", "海珠区", "白云区", "番禺区", "越秀区"], "510000"),
    ("广东省", "东莞市", &["南城街道", "长安镇", "虎门镇", "松山湖"], "523000"),
    ("北京市", "北京市", &["朝阳区", "海淀区", "丰台区", "东城区", "通州区"], "100000"),
    ("上海市", "上海市", &["浦东新区", "徐汇区", "闵行区", "静安区", "杨浦区"], "200000"),
    ("天津市", "天津市", &["和平区", "南开区", "河西区"], "300000"),
    ("重庆市", "重庆市", &["渝中区", "江北区", "南岸区", "沙坪坝区"], "400000"),
    ("浙江省", "杭州市", &["西湖区", "余杭区", "滨江区", "拱墅区"], "310000"),
    ("浙江省", "宁波市", &["鄞州区", "海曙区", "江北区"], "315000"),
    ("浙江省", "金华市", &["义乌市", "婺城区", "东阳市"], "322000"),
    ("江苏省", "南京市", &["鼓楼区", "玄武区", "江宁区", "建邺区"], "210000"),
    ("江苏省", "苏州市", &["姑苏区", "吴中区", "相城区", "吴江区"], "215000"),
    ("江苏省", "无锡市", &["梁溪区", "滨湖区", "新吴区"], "214000"),
    ("四川省", "成都市", &["武侯区", "锦江区", "成华区", "双流区", "青羊区"], "610000"),
    ("湖北省", "武汉市", &["洪山区", "江汉区", "武昌区", "汉阳区"], "430000"),
    ("湖南省", "长沙市", &["岳麓区", "天心区", "芙蓉区", "雨花区"], "410000"),
    ("陕西省", "西安市", &["雁塔区", "碑林区", "未央区", "长安区"], "710000"),
    ("山东省", "青岛市", &["市南区", "崂山区", "黄岛区", "李沧区"], "266000"),
    ("山东省", "济南市", &["历下区", "市中区", "槐荫区"], "250000"),
    ("福建省", "厦门市", &["思明区", "湖里区", "集美区"], "361000"),
    ("福建省", "福州市", &["鼓楼区", "台江区", "仓山区"], "350000"),
    ("河南省", "郑州市", &["金水区", "二七区", "中原区", "管城回族区"], "450000"),
    ("河北省", "石家庄市", &["长安区", "桥西区", "裕华区"], "050000"),
    ("山西省", "太原市", &["小店区", "迎泽区", "杏花岭区"], "030000"),
    ("辽宁省", "沈阳市", &["和平区", "沈河区", "皇姑区"], "110000"),
    ("辽宁省", "大连市", &["中山区", "沙河口区", "甘井子区"], "116000"),
    ("吉林省", "长春市", &["朝阳区", "南关区", "绿园区"], "130000"),
    ("黑龙江省", "哈尔滨市", &["南岗区", "道里区", "香坊区"], "150000"),
    ("安徽省", "合肥市", &["蜀山区", "包河区", "庐阳区"], "230000"),
    ("江西省", "南昌市", &["东湖区", "西湖区", "红谷滩区"], "330000"),
    ("云南省", "昆明市", &["五华区", "盘龙区", "官渡区"], "650000"),
    ("贵州省", "贵阳市", &["南明区", "云岩区", "观山湖区"], "550000"),
    ("广西壮族自治区", "南宁市", &["青秀区", "西乡塘区", "兴宁区"], "530000"),
    ("海南省", "海口市", &["龙华区", "美兰区"], "570000"),
    ("内蒙古自治区", "呼和浩特市", &["赛罕区", "新城区"], "010000"),
    ("新疆维吾尔自治区", "乌鲁木齐市", &["天山区", "沙依巴克区"], "830000"),
    ("甘肃省", "兰州市", &["城关区", "七里河区"], "730000"),
];

#[rustfmt::skip]
const STREETS: &[&str] = &[
    "科技园南路", "人民路", "中山路", "解放路", "建设路", "文三路", "长江路", "和平街",
    "幸福路", "学府路", "滨江大道", "南京西路", "天府大道", "光谷大道", "朝阳北路", "新华街",
    "东风路", "青年路", "迎宾大道", "望江路", "金沙路", "工业大道", "花园路", "胜利街",
];
#[rustfmt::skip]
const COMMUNITIES: &[&str] = &[
    "阳光花园", "万科城", "碧桂园", "保利花园", "金地名苑", "绿地世纪城", "恒大名都", "华润城",
    "中海国际社区", "世纪花园", "翠苑小区", "幸福里", "锦绣家园", "融创壹号院", "龙湖春江郦城",
];
const BUILDINGS: &[&str] = &["创业大厦", "国际金融中心", "科技大厦", "万达广场", "软件园"];

#[rustfmt::skip]
const CUSTOMER_NOTES: &[&str] = &[
    "发顺丰", "不要放快递柜", "周末送货", "请尽快发货,谢谢",
    "送人的,不要放价格单", "到了打电话", "放门口就行", "发邮政",
    "能发中通吗", "麻烦包装严实一点", "工作日送到公司,周末不在", "别发韵达",
];
const MERCHANT_NOTES: &[&str] = &[
    "赠品:试用装",
    "老客户,加送小样",
    "优先发货",
    "已改地址",
    "加急",
    "赠品:钥匙扣",
];

/// (delivery_id, prefix, number of digits after the prefix)
const COURIERS: &[(&str, &str, u32)] = &[
    ("SF", "SF", 13),
    ("ZTO", "7", 13),
    ("YTO", "YT", 13),
    // Parcels are shipped with WeChat Shop courier ids (韵达 is `YD` there, `YUNDA` in logistics).
    ("YD", "43", 13),
    ("STO", "77", 11),
    ("JTSD", "JT", 13),
    ("EMS", "98", 11),
];

const OPENID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Likelihood of placing an order in each local hour (CST), relative to the busiest hour.
const HOUR_WEIGHTS: [u32; 24] = [
    3, 2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 10, 9, 9, 9, 9, 9, 10, 12, 13, 13, 11, 7,
];

/// A buyer: repeat customers reuse all of it.
#[derive(Clone)]
struct Buyer {
    openid: String,
    address: SbAddress,
}

struct Gen {
    rng: StdRng,
    used_ids: HashSet<u64>,
    buyers: Vec<Buyer>,
}

impl Gen {
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// True with `percent`% likelihood.
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn digits(&mut self, n: u32) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    fn order(&mut self, now: i64) -> SbOrder {
        let status = match self.rng.random_range(0..100) {
            0..80 => 20,
            80..84 => 10,
            84..91 => 30,
            91..97 => 100,
            _ => 250,
        };
        let create_time = if status == 10 {
            // Unpaid orders are cancelled by the platform after a while, so only recent ones remain.
            now - self.rng.random_range(60..1800)
        } else {
            self.create_time(now)
        };
        let order_id = self.order_id();
        let buyer = self.buyer();
        let mut products = self.products();

        let mut open_aftersale_ids = Vec::new();
        if status == 20 {
            match self.rng.random_range(0..100) {
                0..5 => {
                    let line = self.rng.random_range(0..products.len());
                    let p = &mut products[line];
                    p.on_aftersale_sku_cnt = self.rng.random_range(1..=p.sku_cnt);
                    open_aftersale_ids.push(
                        self.rng
                            .random_range(4_200_000_000_000_000_000..4_300_000_000_000_000_000u64),
                    );
                }
                5..10 => {
                    if products.len() < 2 {
                        let extra = self.product_line(&products);
                        products.push(extra);
                    }
                    let line = self.rng.random_range(0..products.len());
                    let p = &mut products[line];
                    p.finish_aftersale_sku_cnt = p.sku_cnt;
                }
                _ => {}
            }
        }

        let customer_notes = if self.chance(15) {
            self.pick(CUSTOMER_NOTES).to_string()
        } else {
            String::new()
        };
        let merchant_notes = if self.chance(6) {
            self.pick(MERCHANT_NOTES).to_string()
        } else {
            String::new()
        };
        let freight_fen = if self.chance(70) {
            0
        } else {
            self.rng.random_range(5..=12) * 100
        };

        let latest = now.max(create_time);
        let mut deliveries = Vec::new();
        let update_time = match status {
            20 => (create_time + self.rng.random_range(5..600)).min(latest),
            250 => (create_time + self.rng.random_range(60..7200)).min(latest),
            30 | 100 => {
                let age = (now - create_time).max(2);
                let shipped = create_time + self.rng.random_range(age / 3..age.max(age / 3 + 1));
                if self.chance(85) {
                    deliveries.push(self.delivery(shipped, &products));
                }
                if status == 100 {
                    (shipped + self.rng.random_range(3600..86_400)).min(latest)
                } else {
                    shipped
                }
            }
            _ => create_time,
        };

        SbOrder {
            order_id,
            status,
            create_time,
            update_time,
            openid: buyer.openid,
            products,
            address: buyer.address,
            customer_notes,
            merchant_notes,
            freight_fen,
            open_aftersale_ids,
            deliveries,
            order_type: 0,
            delivery: SbDeliveryMethod::Express,
            hold: None,
            national_subsidy: false,
        }
    }

    /// Turns some plain to-be-shipped orders into the cases of [`Case`].
    fn real_shop_cases(&mut self, orders: &mut [SbOrder], now: i64) {
        let per = per_case(orders.len());
        let slots = case_candidates(orders, false);
        let mut slots = slots.into_iter();
        for round in 0..per {
            for &case in CASES {
                let Some(i) = slots.next() else { return };
                self.apply(case, &mut orders[i], now, round);
            }
        }
    }

    /// `round` picks the special goods in turn, so every kind appears once there are enough.
    fn apply(&mut self, case: Case, o: &mut SbOrder, now: i64, round: usize) {
        match case {
            Case::PartlyShipped => {
                if o.products.iter().map(|p| p.sku_cnt).sum::<u32>() < 2 {
                    let extra = self.product_line(&o.products);
                    o.products.push(extra);
                }
                // An earlier parcel took the first line, or one piece of it when it has more.
                let first = &o.products[0];
                let cnt = if first.sku_cnt > 1 { 1 } else { first.sku_cnt };
                let at = (o.create_time + self.rng.random_range(600..7200)).min(now);
                let mut parcel = self.delivery(at, &o.products[..1]);
                parcel.products[0].2 = cnt;
                o.deliveries.push(parcel);
                o.status = 21;
                o.update_time = at.max(o.update_time);
            }
            Case::Pickup => {
                o.order_type = 1;
                o.delivery = SbDeliveryMethod::Pickup;
            }
            Case::SameCity => {
                o.order_type = 5;
                o.delivery = SbDeliveryMethod::SameCity;
            }
            Case::CannotShip => o.order_type = 99,
            Case::Virtual => {
                let (title, value, price, cnt) = VIRTUAL_GOODS[round % VIRTUAL_GOODS.len()];
                let mut product = special_product(title, "类型", value, price, 90);
                product.sku_cnt = cnt;
                o.products = vec![product];
                o.delivery = SbDeliveryMethod::Virtual;
                o.freight_fen = 0;
            }
            Case::NationalSubsidy => {
                let (title, value, price) = SUBSIDY_GOODS[round % SUBSIDY_GOODS.len()];
                o.products = vec![special_product(title, "颜色/规格", value, price, 80)];
                o.national_subsidy = true;
            }
            Case::AddressChange => {
                let mut new_address = self.address();
                new_address.user_name = o.address.user_name.clone();
                new_address.tel_number = o.address.tel_number.clone();
                let apply_time = (o.create_time + self.rng.random_range(60..3600)).min(now);
                o.hold = Some(SbHold::AddressChange {
                    new_address: Box::new(new_address),
                    apply_time,
                });
            }
            Case::SkuChange => o.hold = Some(SbHold::SkuChange),
            Case::Risk => o.hold = Some(SbHold::Risk),
            Case::EwaybillOnly => o.hold = Some(SbHold::EwaybillOnly),
        }
    }

    /// A time in the window, shaped like a shop's day (few orders at night).
    fn create_time(&mut self, now: i64) -> i64 {
        let max_weight = HOUR_WEIGHTS.iter().copied().max().unwrap_or(1);
        loop {
            let t = now - self.rng.random_range(1..WINDOW_SECS);
            let hour = (t + CST_OFFSET_SECS).rem_euclid(86_400) / 3600;
            let weight = HOUR_WEIGHTS[usize::try_from(hour).unwrap_or(0)];
            if self.rng.random_range(0..max_weight) < weight {
                return t;
            }
        }
    }

    fn order_id(&mut self) -> u64 {
        loop {
            let id = if self.chance(90) {
                // Channels-style 19-digit ids.
                self.rng
                    .random_range(3_704_000_000_000_000_000..3_705_000_000_000_000_000u64)
            } else {
                // Older mini-shop style ids, still exact in f64.
                self.rng
                    .random_range(1_000_000_000_000_000..F64_EXACT_LIMIT)
            };
            if self.used_ids.insert(id) {
                return id;
            }
        }
    }

    fn buyer(&mut self) -> Buyer {
        if !self.buyers.is_empty() && self.chance(8) {
            return self.pick_buyer();
        }
        let openid = format!(
            "oDNt95{}",
            (0..22)
                .map(|_| char::from(*self.pick(OPENID_ALPHABET)))
                .collect::<String>()
        );
        let address = self.address();
        let buyer = Buyer { openid, address };
        self.buyers.push(buyer.clone());
        buyer
    }

    fn pick_buyer(&mut self) -> Buyer {
        let i = self.rng.random_range(0..self.buyers.len());
        self.buyers[i].clone()
    }

    fn name(&mut self) -> String {
        let surname = if self.chance(4) {
            *self.pick(COMPOUND_SURNAMES)
        } else {
            *self.pick(SURNAMES)
        };
        match self.rng.random_range(0..100) {
            // Buyers often enter only a title instead of their full name.
            0..4 => format!("{surname}先生"),
            4..8 => format!("{surname}女士"),
            8..40 => format!("{surname}{}", self.pick(GIVEN_CHARS)),
            _ => {
                let a = *self.pick(GIVEN_CHARS);
                let b = *self.pick(GIVEN_CHARS);
                if surname.chars().count() == 2 && self.chance(40) {
                    // 欧阳娜娜-style reduplicated given names.
                    format!("{surname}{a}{a}")
                } else {
                    format!("{surname}{a}{b}")
                }
            }
        }
    }

    fn mobile(&mut self) -> String {
        let head = *self.pick(&[
            "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
            "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "185", "186",
            "187", "188", "189",
        ]);
        format!("{head}{}", self.digits(8))
    }

    fn address(&mut self) -> SbAddress {
        let &(province, city, districts, postal) = self.pick(REGIONS);
        let county = *self.pick(districts);
        let street = *self.pick(STREETS);
        let number = self.rng.random_range(1..=999);
        let rest = match self.rng.random_range(0..10) {
            0..5 => format!(
                "{}{}栋{}单元{}{:02}室",
                self.pick(COMMUNITIES),
                self.rng.random_range(1..=30),
                self.rng.random_range(1..=4),
                self.rng.random_range(1..=33),
                self.rng.random_range(1..=6),
            ),
            5..7 => format!(
                "{}{}号楼{}",
                self.pick(COMMUNITIES),
                self.rng.random_range(1..=20),
                self.rng.random_range(101..=2806),
            ),
            7..9 => format!(
                "{}{}楼前台",
                self.pick(BUILDINGS),
                self.rng.random_range(2..=38)
            ),
            _ => String::new(),
        };
        let detail_info = if rest.is_empty() {
            format!("{street}{number}号")
        } else {
            format!("{street}{number}号 {rest}")
        };
        SbAddress {
            user_name: self.name(),
            postal_code: postal.to_string(),
            province_name: province.to_string(),
            city_name: city.to_string(),
            county_name: county.to_string(),
            detail_info,
            national_code: national_code(city).to_string(),
            tel_number: self.mobile(),
            house_number: String::new(),
        }
    }

    fn products(&mut self) -> Vec<SbProduct> {
        let lines = match self.rng.random_range(0..100) {
            0..65 => 1,
            65..90 => 2,
            _ => 3,
        };
        let mut products: Vec<SbProduct> = Vec::with_capacity(lines);
        for _ in 0..lines {
            let line = self.product_line(&products);
            products.push(line);
        }
        products
    }

    /// A product line whose SKU is not yet in `existing`.
    fn product_line(&mut self, existing: &[SbProduct]) -> SbProduct {
        loop {
            let index = self.rng.random_range(0..CATALOG.len());
            let item = &CATALOG[index];
            let mut combo = 0u64;
            let mut sku_attrs = Vec::with_capacity(item.attrs.len());
            for &(key, values) in item.attrs {
                let v = self.rng.random_range(0..values.len());
                combo = combo * 10 + v as u64;
                sku_attrs.push((key.to_string(), values[v].to_string()));
            }
            let (product_id, sku_id) = catalog_ids(index, combo);
            if existing.iter().any(|p| p.sku_id == sku_id) {
                continue;
            }
            let (lo, hi) = item.price_fen;
            // Shops like prices ending in 9: 49.90, 129.00 -> 128.90.
            let sale_price_fen = (self.rng.random_range(lo..=hi) / 100 * 100 - 10).max(90);
            let market_price_fen =
                sale_price_fen * self.rng.random_range(120..=160) / 100 / 100 * 100;
            let sku_cnt = match self.rng.random_range(0..10) {
                0..7 => 1,
                7..9 => 2,
                _ => 3,
            };
            return SbProduct {
                product_id,
                sku_id,
                title: item.title.to_string(),
                thumb_img: format!("https://sandbox.invalid/thumb/{product_id}.jpg"),
                sku_attrs,
                sku_cnt,
                on_aftersale_sku_cnt: 0,
                finish_aftersale_sku_cnt: 0,
                sale_price_fen,
                market_price_fen: market_price_fen.max(sale_price_fen),
                sku_code: format!("XL{:03}-{:02}", index + 1, combo),
            };
        }
    }

    fn delivery(&mut self, at: i64, products: &[SbProduct]) -> SbDelivery {
        let &(delivery_id, prefix, digits) = self.pick(COURIERS);
        SbDelivery {
            delivery_id: delivery_id.to_string(),
            waybill_id: format!("{prefix}{}", self.digits(digits)),
            delivery_time: at,
            deliver_type: 1,
            products: products
                .iter()
                .map(|p| (p.product_id, p.sku_id, p.sku_cnt))
                .collect(),
        }
    }
}

/// A one-SKU product outside the catalogue (virtual or subsidy goods); `slot` keeps its ids
/// apart from the catalogue's.
fn special_product(title: &str, key: &str, value: &str, price_fen: i64, slot: u64) -> SbProduct {
    let product_id = 10_000_099_000_000 + slot * 7_919 + price_fen as u64 % 997;
    let sku_id = 2_000_990_000 + slot * 1000 + price_fen as u64 % 997;
    SbProduct {
        product_id,
        sku_id,
        title: title.to_string(),
        thumb_img: format!("https://sandbox.invalid/thumb/{product_id}.jpg"),
        sku_attrs: vec![(key.to_string(), value.to_string())],
        sku_cnt: 1,
        on_aftersale_sku_cnt: 0,
        finish_aftersale_sku_cnt: 0,
        sale_price_fen: price_fen,
        market_price_fen: price_fen,
        sku_code: format!("SP{slot:03}-{}", price_fen % 997),
    }
}

/// Stable (product_id, sku_id) of a catalogue entry; every fourth product has ids above 2^53.
fn catalog_ids(index: usize, combo: u64) -> (u64, u64) {
    let i = index as u64;
    if index % 4 == 1 {
        (
            10_000_071_234_500_000 + i * 104_729,
            3_100_000_000_000_000_000 + i * 1000 + combo,
        )
    } else {
        (
            10_000_012_300_000 + i * 7_919,
            2_000_000_000 + i * 1000 + combo,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_417_500; // 2026-11-23 14:05 CST

    #[test]
    fn deterministic_for_same_inputs() {
        let a = generate_orders(300, 7, NOW);
        let b = generate_orders(300, 7, NOW);
        assert_eq!(a, b);
        let c = generate_orders(300, 8, NOW);
        assert_ne!(a, c);
    }

    #[test]
    fn ids_are_distinct_and_mostly_above_2_pow_53() {
        let orders = generate_orders(10_000, 42, NOW);
        assert_eq!(orders.len(), 10_000);
        let ids: HashSet<u64> = orders.iter().map(|o| o.order_id).collect();
        assert_eq!(ids.len(), orders.len());
        let big = orders
            .iter()
            .filter(|o| o.order_id > F64_EXACT_LIMIT)
            .count();
        assert!((8_500..=9_500).contains(&big), "big ids: {big}");
        assert!(orders.iter().all(|o| o.order_id.to_string().len() >= 16));
        assert!(orders
            .iter()
            .flat_map(|o| &o.products)
            .any(|p| p.product_id > F64_EXACT_LIMIT && p.sku_id > F64_EXACT_LIMIT));
    }

    #[test]
    fn status_distribution_is_roughly_right() {
        let orders = generate_orders(5_000, 1, NOW);
        let count = |s: u32| orders.iter().filter(|o| o.status == s).count();
        let to_ship = count(20);
        assert!((3_750..=4_250).contains(&to_ship), "status 20: {to_ship}");
        for s in [10, 30, 100, 250] {
            assert!(count(s) > 50, "status {s}: {}", count(s));
        }
        // Partly shipped orders are one of the special cases, a handful of them.
        assert_eq!(count(21), per_case(5_000));
        let known = [10, 20, 21, 30, 100, 250];
        assert!(orders.iter().all(|o| known.contains(&o.status)));
    }

    #[test]
    fn times_are_in_the_window_and_sorted() {
        let orders = generate_orders(2_000, 3, NOW);
        for o in &orders {
            assert!(o.create_time >= NOW - WINDOW_SECS && o.create_time < NOW);
            assert!(o.update_time >= o.create_time && o.update_time <= NOW);
            for d in &o.deliveries {
                assert!(d.delivery_time >= o.create_time && d.delivery_time <= NOW);
            }
        }
        assert!(orders
            .windows(2)
            .all(|w| w[0].create_time <= w[1].create_time));
    }

    #[test]
    fn after_sales_and_notes_exist() {
        let orders = generate_orders(2_000, 9, NOW);
        let to_ship: Vec<&SbOrder> = orders.iter().filter(|o| o.status == 20).collect();
        let open = to_ship
            .iter()
            .filter(|o| {
                !o.open_aftersale_ids.is_empty()
                    && o.products.iter().any(|p| p.on_aftersale_sku_cnt > 0)
            })
            .count();
        let refunded = to_ship
            .iter()
            .filter(|o| {
                o.products.len() > 1
                    && o.products
                        .iter()
                        .any(|p| p.finish_aftersale_sku_cnt == p.sku_cnt)
            })
            .count();
        let share = |k: usize| k * 100 / to_ship.len();
        assert!((2..=9).contains(&share(open)), "open after-sale: {open}");
        assert!((2..=9).contains(&share(refunded)), "refunded: {refunded}");
        let notes = orders
            .iter()
            .filter(|o| !o.customer_notes.is_empty())
            .count();
        assert!((200..=400).contains(&notes), "notes: {notes}");
        assert!(orders.iter().any(|o| !o.merchant_notes.is_empty()));
    }

    #[test]
    fn orders_look_plausible() {
        let orders = generate_orders(1_000, 5, NOW);
        for o in &orders {
            assert_eq!(o.openid.len(), 28);
            assert!(o.openid.starts_with('o'));
            let a = &o.address;
            assert!(a.tel_number.len() == 11 && a.tel_number.bytes().all(|b| b.is_ascii_digit()));
            assert!(["13", "15", "18"].contains(&&a.tel_number[..2]));
            assert!(a.user_name.chars().count() >= 2);
            assert!(!a.province_name.is_empty() && !a.county_name.is_empty());
            assert_eq!(a.postal_code.len(), 6);
            assert!((1..=3).contains(&o.products.len()));
            for p in &o.products {
                assert!((1..=3).contains(&p.sku_cnt));
                assert!(p.sale_price_fen > 0 && p.market_price_fen >= p.sale_price_fen);
                assert!(!p.sku_attrs.is_empty());
            }
            assert!(o.freight_fen == 0 || (500..=1200).contains(&o.freight_fen));
            if !matches!(o.status, 21 | 30 | 100) {
                assert!(o.deliveries.is_empty());
            }
            if o.status == 21 {
                assert_eq!(o.deliveries.len(), 1);
            }
        }
        assert!(orders.iter().any(|o| !o.deliveries.is_empty()));
    }

    #[test]
    fn ten_thousand_orders_are_fast() {
        let start = std::time::Instant::now();
        let orders = generate_orders(10_000, 11, NOW);
        assert_eq!(orders.len(), 10_000);
        // Generous bound so unoptimised test builds pass too.
        assert!(start.elapsed().as_secs_f64() < 2.0, "{:?}", start.elapsed());
    }

    #[test]
    fn every_real_shop_case_is_there_a_handful_of_times() {
        let orders = generate_orders(300, 20_261_123, NOW);
        let count = |f: &dyn Fn(&SbOrder) -> bool| orders.iter().filter(|o| f(o)).count();
        let partly = count(&|o| {
            o.status == 21
                && o.deliveries.len() == 1
                && o.deliveries[0].products.iter().map(|p| p.2).sum::<u32>()
                    < o.products.iter().map(|p| p.sku_cnt).sum::<u32>()
        });
        assert_eq!(partly, 3);
        assert_eq!(
            count(&|o| o.order_type == 1 && o.delivery == SbDeliveryMethod::Pickup),
            3
        );
        assert_eq!(
            count(&|o| o.order_type == 5 && o.delivery == SbDeliveryMethod::SameCity),
            3
        );
        assert_eq!(count(&|o| o.order_type == 99), 3);
        assert_eq!(count(&|o| o.delivery == SbDeliveryMethod::Virtual), 3);
        assert_eq!(count(&|o| o.national_subsidy && o.products.len() == 1), 3);
        assert_eq!(
            count(&|o| matches!(o.hold, Some(SbHold::AddressChange { .. }))),
            3
        );
        assert_eq!(count(&|o| o.hold == Some(SbHold::SkuChange)), 3);
        assert_eq!(count(&|o| o.hold == Some(SbHold::Risk)), 3);
        assert_eq!(count(&|o| o.hold == Some(SbHold::EwaybillOnly)), 3);
        assert!(count(&|o| !o.address.house_number.is_empty()) >= 20);
        assert!(orders.iter().all(|o| o.address.national_code.len() == 6));
        // Still mostly an ordinary day: the newest to-be-shipped orders are all plain.
        let to_ship: Vec<&SbOrder> = orders.iter().filter(|o| o.status == 20).collect();
        let plain = to_ship
            .iter()
            .filter(|o| o.order_type == 0 && o.hold.is_none() && !o.national_subsidy)
            .count();
        assert!(
            plain * 100 / to_ship.len() >= 80,
            "{plain} of {}",
            to_ship.len()
        );
        assert!(to_ship.iter().rev().take(100).all(|o| o.order_type == 0
            && o.hold.is_none()
            && o.delivery == SbDeliveryMethod::Express
            && !o.national_subsidy));
        // The cancelled waybills are on other plain orders.
        let waybills = sample_waybills(&orders);
        assert_eq!(waybills.len(), 3);
        assert!(waybills.iter().all(|w| w.cancelled));
        for w in &waybills {
            let o = orders.iter().find(|o| o.order_id == w.order_id).unwrap();
            assert!(o.status == 20 && o.order_type == 0 && o.hold.is_none());
        }
    }

    #[test]
    fn small_sandboxes_stay_plain() {
        let orders = generate_orders(50, 4, NOW);
        assert!(orders
            .iter()
            .all(|o| o.order_type == 0 && o.hold.is_none() && o.status != 21));
        assert!(sample_waybills(&orders).is_empty());
    }

    #[test]
    fn sender_is_complete() {
        let (name, mobile, address) = shop_sender();
        assert!(!name.is_empty() && mobile.len() == 11 && address.contains("深圳市"));
    }
}
