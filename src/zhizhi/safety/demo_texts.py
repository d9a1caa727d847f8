"""Wording for the safety demo: organisation names, checklists, hazards and their legal bases."""

from __future__ import annotations

# (committee code, weight, industry, venue, name stems) for enterprises. 六横 is an island town of
# shipyards, ports, fishing and processing.
ENTERPRISE_PROFILES: tuple[tuple[str, int, str, str, tuple[str, ...]], ...] = (
    ("industry_trade", 30, "船舶修造", "workshop", ("船舶修造", "船舶配套", "海工装备", "钢结构")),
    ("industry_trade", 16, "机械加工", "workshop", ("机械", "五金制品", "金属制品", "电器")),
    ("industry_trade", 10, "水产品加工", "workshop", ("水产食品", "海产品加工", "冷冻食品")),
    ("industry_trade", 6, "仓储物流", "warehouse", ("物流", "仓储", "港务")),
    ("hazchem", 4, "危险化学品经营", "", ("化工", "油品", "气体")),
    ("construction", 10, "建筑施工", "construction_site", ("建设工程", "建筑安装", "市政工程")),
    ("transport", 5, "交通运输", "", ("客运", "货运", "汽车服务")),
    ("fishery", 8, "渔业", "dock", ("海洋渔业", "远洋渔业", "水产养殖")),
    ("gas", 3, "燃气经营", "gas_supply", ("燃气", "液化气供应")),
    ("crowded_places", 5, "住宿餐饮", "hotel", ("酒店管理", "宾馆", "民宿")),
    ("crowded_places", 3, "文化娱乐", "", ("文化传媒", "娱乐", "旅游开发")),
)
INDIVIDUAL_PROFILES: tuple[tuple[str, int, str, str, tuple[str, ...]], ...] = (
    ("fire", 45, "零售", "shop", ("便利店", "超市", "五金店", "建材店", "服装店", "电动车行")),
    ("gas", 25, "餐饮", "restaurant", ("小吃店", "饭店", "面馆", "海鲜排档", "早餐店")),
    ("fire", 12, "居民服务", "shop", ("理发店", "洗衣店", "维修部", "快递代办点")),
    ("industry_trade", 10, "小微加工", "workshop", ("加工坊", "修理厂", "网具加工点")),
    ("crowded_places", 5, "住宿", "hotel", ("民宿", "旅馆")),
    ("crowded_places", 3, "文化娱乐", "entertainment", ("棋牌室", "KTV")),
)
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")

CHECKLISTS: dict[str, tuple[str, ...]] = {
    "industry_trade": ("安全生产责任制落实", "特种作业人员持证上岗", "有限空间作业审批", "设备防护装置完好",
                       "动火作业审批", "安全警示标志设置", "消防器材配置有效"),
    "hazchem": ("危化品储存分类分隔", "防爆电气完好", "可燃气体报警装置", "应急预案和演练", "消防器材配置有效"),
    "construction": ("临边洞口防护", "脚手架搭设规范", "施工用电规范", "特种作业人员持证上岗", "安全网设置"),
    "transport": ("车辆年检有效", "驾驶员资质", "动态监控运行", "应急锤和灭火器配置"),
    "fishery": ("救生设备配备", "消防器材配置有效", "通导设备正常", "船员持证"),
    "gas": ("燃气报警器安装", "软管和阀门完好", "瓶装燃气存放规范", "通风良好", "熄火保护装置"),
    "fire": ("消防通道畅通", "灭火器配置有效", "应急照明和疏散指示完好", "电气线路规范", "无人员住宿"),
    "crowded_places": ("安全出口畅通", "疏散指示完好", "消防设施运行正常", "员工消防培训", "用电安全"),
}  # fmt: skip

# category code → (descriptions, legal basis)
HAZARDS: dict[str, tuple[tuple[str, ...], str]] = {
    "fire_facility_lane": (
        ("消防通道堆放杂物，通道宽度不足", "灭火器过期未更换", "安全出口上锁", "应急照明灯损坏",
         "疏散指示标志缺失", "室内消火栓被遮挡"),
        "《中华人民共和国消防法》第二十八条",
    ),
    "enterprise_hazard": (
        ("设备传动部位未设防护罩", "安全警示标志缺失", "电焊作业人员未持证上岗", "配电箱未上锁、无漏电保护",
         "有限空间未设置警示标识", "车间物料堆放超高", "动火作业未办理审批"),
        "《中华人民共和国安全生产法》第四十一条",
    ),
    "gas_hazard": (
        ("燃气软管老化开裂", "未安装可燃气体报警器", "液化气钢瓶与灶具未保持安全距离", "使用过期液化气钢瓶",
         "燃气软管长度超过 2 米"),
        "《城镇燃气管理条例》",
    ),
    "ebike_charging": (("电动自行车在楼道内停放充电", "私拉电线为电动车充电"), "《中华人民共和国消防法》第二十八条"),
    "hazchem_violation": (("危化品仓库未分类存放", "危化品出入库台账不全"), "《危险化学品安全管理条例》"),
    "construction_safety": (("脚手架未设置剪刀撑", "临边未设防护栏杆", "施工现场临时用电不规范"),
                            "《建设工程安全生产管理条例》"),
    "special_equipment": (("叉车未按期检验", "压力容器超期未检"), "《中华人民共和国特种设备安全法》"),
    "rental_fire_hazard": (("出租房私拉乱接电线", "出租房未安装独立式烟感报警器"), "《浙江省消防条例》"),
    "group_rental_mixed_use": (("生产经营场所与住宿“三合一”", "群租房疏散通道不畅"), "《浙江省消防条例》"),
}  # fmt: skip
# committee → hazard categories (weighted by repetition)
CATEGORIES_BY_COMMITTEE: dict[str, tuple[str, ...]] = {
    "industry_trade": ("enterprise_hazard", "enterprise_hazard", "enterprise_hazard", "fire_facility_lane",
                       "special_equipment", "ebike_charging"),
    "hazchem": ("hazchem_violation", "hazchem_violation", "fire_facility_lane"),
    "construction": ("construction_safety", "construction_safety", "enterprise_hazard"),
    "transport": ("enterprise_hazard", "fire_facility_lane"),
    "fishery": ("enterprise_hazard", "fire_facility_lane"),
    "gas": ("gas_hazard", "gas_hazard", "fire_facility_lane"),
    "fire": ("fire_facility_lane", "fire_facility_lane", "ebike_charging"),
    "crowded_places": ("fire_facility_lane", "fire_facility_lane", "gas_hazard"),
    "rental": ("rental_fire_hazard", "group_rental_mixed_use", "ebike_charging"),
}  # fmt: skip
MAJOR_HAZARDS: tuple[str, ...] = (
    "有限空间作业未落实作业审批，未执行“先通风、再检测、后作业”",
    "船舶密闭舱室动火作业前未进行可燃气体检测",
    "可燃性粉尘与可燃气体共用一套除尘系统",
    "人员聚集场所设置在熔融金属吊运跨的影响范围内",
    "液氨制冷系统未设置泄漏报警和紧急切断装置",
    "危化品储存场所与员工宿舍在同一建筑内",
)
MAJOR_LEGAL_BASIS = "《工贸企业重大事故隐患判定标准》（应急管理部令第10号）"
EVIDENCE = ("已按要求整改完毕，附整改前后照片", "已更换并建立检查台账", "已清理完毕并落实专人管理",
            "已完成整改，企业负责人签字确认")  # fmt: skip
REINSPECT_PASS = ("经现场复查，隐患已整改到位", "复查合格")
REINSPECT_FAIL = ("复查发现整改不到位，责令继续整改",)
PLAN_MEASURES = ("停止相关作业，完善审批和检测制度，配备检测仪器和监护人员",
                 "改造除尘系统，分设独立系统", "搬迁人员聚集场所，设置隔离防护")  # fmt: skip
CONTINGENCY = "治理期间停止相关作业，设置警戒区，配备应急救援器材，落实专人值守"
