"""Seed configuration: the subject category tree (following the 12345 classification's top
levels), special seats (第十五条) and default routing rules (属地管理、按责承办). Plain data for
the data migration; admins maintain them afterwards."""

# (code, name, parent code or None, default kind, special kind, handling unit code for a routing rule or None)
CATEGORIES = [
    ("urban", "城乡建设", None, "help", "", None),
    ("urban-housing", "住房与物业", "urban", "complaint", "", "zjj"),
    ("urban-construction", "建筑施工", "urban", "complaint", "", "zjj"),
    ("urban-management", "市容环卫", "urban", "help", "", "cgj"),
    ("urban-road", "市政道路设施", "urban", "help", "", "cgj"),
    ("utility", "水电气热", None, "help", "", None),
    ("utility-water", "供水", "utility", "help", "", "water"),
    ("utility-power", "供电", "utility", "help", "", "power"),
    ("utility-gas", "燃气", "utility", "help", "", "gas"),
    ("utility-heat", "供热", "utility", "help", "", "heat"),
    ("outage-water", "大面积停水", "utility", "help", "outage_water", "water"),
    ("outage-power", "大面积停电", "utility", "help", "outage_power", "power"),
    ("outage-gas", "大面积停气", "utility", "help", "outage_gas", "gas"),
    ("outage-heat", "大面积停热", "utility", "help", "outage_heat", "heat"),
    ("environment", "生态环境", None, "complaint", "", "sthjj"),
    ("environment-pollution", "环境污染", "environment", "report", "pollution", "sthjj"),
    ("environment-noise", "噪声扰民", "environment", "complaint", "", "sthjj"),
    ("transport", "交通运输", None, "help", "", "jtj"),
    ("market", "市场监管", None, "complaint", "", "scjgj"),
    ("market-food", "食品安全", "market", "report", "", "scjgj"),
    ("market-consumer", "消费维权", "market", "complaint", "", "scjgj"),
    ("labour", "劳动保障", None, "help", "", "rsj"),
    ("labour-wages", "拖欠工资", "labour", "complaint", "", "rsj"),
    ("labour-insurance", "社会保险", "labour", "consultation", "", "rsj"),
    ("health", "卫生健康", None, "help", "", "wjw"),
    ("health-insurance", "医疗保障", "health", "consultation", "", "ybj"),
    ("health-mental", "心理健康", "health", "help", "", "wjw"),
    ("education", "教育", None, "consultation", "", "jyj"),
    ("civil", "民政与社会救助", None, "help", "", "mzj"),
    ("agriculture", "农业农村", None, "help", "", "nyncj"),
    ("agriculture-rural", "乡村振兴", "agriculture", "suggestion", "", "nyncj"),
    ("business", "营商环境", None, "complaint", "", "fgw"),
    ("business-approval", "审批服务", "business", "complaint", "", "zwfw"),
    ("public-security", "公共安全", None, "help", "", "gaj"),
    ("emergency", "突发事件", None, "help", "", "yjj"),
    ("emergency-disaster", "突发自然灾害", "emergency", "help", "natural_disaster", "yjj"),
    ("emergency-accident", "事故灾难", "emergency", "help", "accident", "yjj"),
    ("emergency-health", "公共卫生事件", "emergency", "help", "public_health", "wjw"),
    ("emergency-social", "社会安全事件", "emergency", "help", "social_security", "gaj"),
    ("culture", "文化旅游", None, "consultation", "", "wgly"),
    ("natural-resources", "自然资源与规划", None, "help", "", "zrzyj"),
    ("water-affairs", "水利", None, "help", "", "slj"),
    ("government", "政务服务", None, "consultation", "", "zwfw"),
    ("praise", "表扬", None, "praise", "", None),
    ("other", "其他", None, "help", "", None),
]

# (code, name, category codes, note)
SEATS = [
    ("business", "营商环境专席", ["business", "business-approval"], "企业诉求、审批服务、涉企收费"),
    ("rural", "乡村振兴专席", ["agriculture-rural"], "乡村振兴政策与项目"),
    ("mental", "心理健康专席", ["health-mental"], "心理疏导；危机情况转 120/110"),
]
