"""The organisation as the policy documents name it (spec README; disaster plan 2.1–2.2).

Used by the data migration that seeds the tree; kept as plain data so a reader can check it
against the gazette text. Codes are stable identifiers other apps' migrations refer to.
"""

CITY = ("zmd", "驻马店市")

# (code, name, is_zone)
COUNTIES = [
    ("yicheng", "驿城区", False),
    ("xiping", "西平县", False),
    ("shangcai", "上蔡县", False),
    ("pingyu", "平舆县", False),
    ("zhengyang", "正阳县", False),
    ("queshan", "确山县", False),
    ("biyang", "泌阳县", False),
    ("runan", "汝南县", False),
    ("suiping", "遂平县", False),
    ("xincai", "新蔡县", False),
    ("zone-chengxiang", "市城乡一体化示范区", True),
    ("zone-kaifa", "驻马店经济开发区", True),
    ("zone-gaoxin", "市高新技术产业开发区", True),
]

# Townships/streets for two counties (spec README's published list for 驿城区; 西平县 from
# public lists — may be outdated, good enough until the county office corrects it in the admin).
TOWNSHIPS = {
    "yicheng": [
        "人民街街道",
        "东风街道",
        "西园街道",
        "新华街道",
        "南海街道",
        "老街街道",
        "橡林街道",
        "雪松街道",
        "顺河街道",
        "刘阁街道",
        "香山街道",
        "水屯镇",
        "沙河店镇",
        "板桥镇",
        "诸市镇",
        "蚁蜂镇",
        "老河乡",
        "朱古洞乡",
        "胡庙乡",
        "古城乡",
        "关王庙乡",
    ],
    "xiping": [
        "柏城街道",
        "柏亭街道",
        "柏苑街道",
        "五沟营镇",
        "权寨镇",
        "师灵镇",
        "出山镇",
        "盆尧镇",
        "宋集镇",
        "焦庄乡",
        "重渠乡",
        "人和乡",
        "谭店乡",
        "杨庄乡",
        "专探乡",
        "二郎乡",
        "吕店乡",
        "芦庙乡",
        "蔡寨回族乡",
    ],
}

# City departments: the 市减灾委 member-unit list of the disaster plan 2.1, plus the units the
# other documents name. (code, name)
DEPARTMENTS = [
    ("xcb", "市委宣传部"),
    ("fgw", "市发展和改革委员会"),
    ("jyj", "市教育局"),
    ("kjj", "市科学技术局"),
    ("gxj", "市工业和信息化局"),
    ("gaj", "市公安局"),
    ("mzj", "市民政局"),
    ("sfj", "市司法局"),
    ("czj", "市财政局"),
    ("rsj", "市人力资源和社会保障局"),
    ("zrzyj", "市自然资源和规划局"),
    ("sthjj", "市生态环境局"),
    ("zjj", "市住房和城乡建设局"),
    ("cgj", "市城市管理局"),
    ("jtj", "市交通运输局"),
    ("slj", "市水利局"),
    ("nyncj", "市农业农村局"),
    ("swj", "市商务局"),
    ("wgly", "市文化广电和旅游局"),
    ("wjw", "市卫生健康委员会"),
    ("yjj", "市应急管理局"),
    ("sjj", "市审计局"),
    ("scjgj", "市市场监督管理局"),
    ("tjj", "市统计局"),
    ("lsj", "市粮食和物资储备局"),
    ("ybj", "市医疗保障局"),
    ("gfdy", "市国防动员办公室"),
    ("lyj", "市林业局"),
    ("qxj", "市气象局"),
    ("swuj", "市税务局"),
    ("jrjg", "国家金融监督管理总局驻马店监管分局"),
    ("txb", "市通信发展管理办公室"),
    ("wxd", "市无线电中心"),
    ("jfq", "市军分区战备建设处"),
    ("wj", "武警驻马店支队"),
    ("xf", "市消防救援支队"),
    ("hszh", "市红十字会"),
    ("kx", "市科学技术协会"),
    ("cwd", "驻马店车务段"),
    ("zfb", "市人民政府办公室"),
    ("rx12345", "市12345热线中心"),
    ("zwfw", "市政务服务和大数据管理局"),
]

# Units that take 12345 orders but are not government departments.
UTILITIES = [
    ("power", "国网驻马店供电公司"),
    ("water", "驻马店市供水公司"),
    ("gas", "驻马店市燃气公司"),
    ("heat", "驻马店市热力公司"),
]

# Departments that do not receive 12345 work orders directly.
NOT_HANDLING = {"jfq", "wj", "cwd", "rx12345"}

COMMITTEE = ("jzw", "市减灾委员会")
COMMITTEE_OFFICE = ("jzw-office", "市减灾委办公室")

# The nine working groups (disaster plan 2.2.1–2.2.9): (code, name, lead codes, member codes)
WORKING_GROUPS = [
    (
        "wg-zhxt",
        "综合协调组",
        ["yjj"],
        ["xcb", "fgw", "gaj", "mzj", "czj", "zrzyj", "zjj", "cgj", "slj", "nyncj", "qxj", "xf", "jfq", "wj"],
    ),
    (
        "wg-zqgl",
        "灾情管理组",
        ["yjj"],
        ["gxj", "zrzyj", "sthjj", "zjj", "cgj", "jtj", "slj", "nyncj", "tjj", "swj", "lyj", "qxj"],
    ),
    ("wg-shjz", "生活救助组", ["yjj"], ["fgw", "mzj", "czj", "zjj", "cgj", "swj"]),
    ("wg-wzbz", "物资保障组", ["yjj"], ["czj", "gxj", "mzj", "jtj", "nyncj", "swj", "scjgj", "lsj", "cwd"]),
    ("wg-jzjz", "救灾捐赠组", ["yjj", "mzj"], ["czj", "jtj", "nyncj", "swj", "sjj", "scjgj", "hszh", "cwd"]),
    ("wg-aqwl", "安全维稳组", ["gaj"], ["jtj", "yjj", "wj"]),
    ("wg-ylfy", "医疗防疫组", ["wjw"], ["gxj", "yjj", "scjgj", "cgj", "hszh"]),
    ("wg-xwxc", "新闻宣传组", ["xcb"], ["yjj", "wgly"]),
    ("wg-dfcj", "倒房重建组", ["zjj", "yjj"], ["fgw", "czj", "zrzyj", "slj", "nyncj"]),
]

# (code, name, citywide, description)
ROLES = [
    ("city_admin", "市级管理员", True, "管理组织、用户、规则参数和日历"),
    ("city_staff", "市直部门工作人员", True, "市级部门业务人员，按部门职责查看全市数据"),
    ("county_officer", "县区工作人员", False, "本县区（含下属乡镇）业务人员"),
    ("township_officer", "乡镇（街道）工作人员", False, "本乡镇（含下属村、社区）业务人员"),
    ("hotline_operator", "热线话务员", True, "12345 热线受理"),
    ("hotline_supervisor", "热线值班长", True, "12345 热线派单、审核、回访、督办"),
    ("unit_clerk", "承办单位工作人员", False, "承办单位签收、办理、答复工单"),
    ("auditor", "审计员", True, "查看审计记录"),
    ("dr_office_deputy", "市减灾委办公室副主任", True, "决定四级响应（应急管理局分管负责同志）"),
    ("dr_office_director", "市减灾委办公室主任", True, "接收四级响应报告（应急管理局主要负责同志）"),
    ("dr_deputy", "市减灾委副主任", True, "决定三级响应"),
    ("dr_executive_deputy", "市减灾委常务副主任", True, "决定二级响应"),
    ("dr_director", "市减灾委主任", True, "决定一级响应"),
]
