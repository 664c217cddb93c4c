"""The policy catalogue as data: the default parameters (rule-set version 1) of the two policy
documents, the workflow time limits and the LPR table, with their JSON schemas.

Every number here comes from the gazette texts (../shared/seeds/003_*.txt); the data migration
seeds them as rule sets and admins change them only by adding dated versions. Readings (where the
text is silent or ambiguous) are listed in READINGS and in docs/subsidies.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

KEY_A = "subsidies.policy.A"
KEY_B = "subsidies.policy.B"
KEY_WORKFLOW = "subsidies.workflow"
KEY_LPR = "subsidies.lpr"
DOCUMENT_KEYS = {"A": KEY_A, "B": KEY_B}

# Validity of the documents (the rule-set windows of version 1).
A_VALID_FROM = date(2024, 6, 11)  # 驻政办〔2024〕15号, issued and in force 2024-06-11
A_VALID_TO = date(2027, 6, 10)  # "有效期3年": 2024-06-11 … 2027-06-10 inclusive
B_VALID_FROM = date(2024, 7, 30)  # 驻政办〔2024〕21号 "自印发之日起施行", no end date
B_VALID_TO: date | None = None

CASE_BY_CASE = "case_by_case"
FORMULA = "formula"
FIXED = "fixed"

_common_a = ["企业营业执照（统一社会信用代码）", "申请表（加盖公章）", "银行账户信息"]
_common_b = ["营业执照或旅行社业务经营许可证", "申请表（加盖公章）", "银行账户信息"]


def _clause(
    article: str,
    title: str,
    mode: str,
    periodicity: str,
    fiscal_level: str,
    lead_units: list[str],
    materials: list[str],
    params: dict[str, Any],
    *,
    cap: str | None = None,
    cap_scope: str | None = None,
    condition: str = "",
) -> dict[str, Any]:
    return {
        "article": article,
        "title": title,
        "condition": condition,
        "mode": mode,
        "periodicity": periodicity,
        "fiscal_level": fiscal_level,
        "lead_units": lead_units,
        "materials": materials,
        "params": params,
        "cap": cap,
        "cap_scope": cap_scope,
    }


A_PARAMS: dict[str, Any] = {
    "document": {
        "code": "A",
        "title": "关于促进电子信息产业加快发展的若干措施",
        "number": "驻政办〔2024〕15号",
        "issued_on": "2024-06-11",
        "fiscal_review_unit": "czj",
        "fields": ["光电子器件", "智能传感器", "半导体", "新能源电池", "电子专用材料", "软件", "人工智能"],
        "stacking": "企业在享受本措施奖励的同时可享受国家及省的其他政策；市及以下政策遵循从优且不重复原则。",
        "paid_by": "以上资金奖励均由受益财政兑现。",
    },
    # Reading: "从优且不重复" applied to this measure's own city-level project rewards: E1b (0.5 % of
    # the project's fixed-asset investment) and E4a (5 % of its equipment, part of that same
    # investment) reward the same investment of the same project, so the project keeps the larger.
    "exclusivity_groups": [
        {
            "code": "A-project-investment",
            "title": "同一项目的市级投资类奖补从优且不重复",
            "scope": "project",
            "clauses": ["E1b", "E4a"],
        }
    ],
    "clauses": {
        "E1a": _clause(
            "一",
            "重大项目“一事一议、一企一策”",
            CASE_BY_CASE,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "项目备案（核准）文件", "用地面积及投资强度测算"],
            {"min_total_investment": "2000000000.00", "min_investment_intensity": "6000000.00"},
            condition="总投资不低于 20 亿元且投资强度不低于 600 万元/亩的重大项目和重点企业",
        ),
        "E1b": _clause(
            "一",
            "新投资亿元以上电子信息项目投产奖励",
            FORMULA,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "项目备案（核准）文件", "竣工投产证明", "固定资产投资审计报告", "亩均税收完税证明"],
            {"min_total_investment": "100000000.00", "min_tax_per_mu": "150000.00", "rate": "0.005"},
            cap="1000000.00",
            cap_scope="project",
            condition="新投资亿元以上电子信息项目，竣工投产后亩均税收达到 15 万元以上",
        ),
        "E1c": _clause(
            "一",
            "获工信部、省工信厅扶持项目配套支持",
            CASE_BY_CASE,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "工业和信息化部或省工业和信息化厅扶持、奖励文件"],
            {},
            condition="获得工业和信息化部、省工业和信息化厅产业发展扶持和奖励的电子信息类项目",
        ),
        "E2": _clause(
            "二",
            "招商引资中介贡献奖励",
            FORMULA,
            "one_time",
            "受益财政",
            ["gxj"],
            [
                *_common_a,
                "招商引资合同（含建设周期）",
                "项目投产纳税证明",
                "固定资产投资额证明",
                "全程跟踪服务说明",
            ],
            {"rate_domestic": "0.001", "rate_foreign": "0.002"},
            cap="1000000.00",
            cap_scope="project",
            condition="引资中介成功引进市外企业，项目在合同约定建设周期内正式投产纳税；同一项目只认定一个奖励对象",
        ),
        "E3a": _clause(
            "三",
            "财政贡献骨干企业奖励",
            CASE_BY_CASE,
            "yearly",
            "受益财政",
            ["gxj"],
            [*_common_a, "年度纳税（财政贡献）证明"],
            {"top_n": 10, "min_contribution": "10000000.00", "growth_top_n": 10},
            cap="3000000.00",
            cap_scope="enterprise_year",
            condition="当年财政贡献全市前 10 位，或当年财政贡献 1000 万元以上且贡献增速全市前 10 位的电子信息类企业",
        ),
        "E3b": _clause(
            "三",
            "高成长性企业事后奖励",
            CASE_BY_CASE,
            "yearly",
            "受益财政",
            ["gxj"],
            [*_common_a, "年度财务审计报告（综合增长率测算）"],
            {"min_growth_rate": "0.26"},
            cap="500000.00",
            cap_scope="enterprise_year",
            condition="年综合增长率不低于 26%",
        ),
        "E3c": _clause(
            "三",
            "制造业单项冠军奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "单项冠军示范企业或单项冠军产品认定文件"],
            {"amount_enterprise": "2000000.00", "amount_product": "2000000.00"},
            condition="新认定的全国制造业单项冠军示范企业和单项冠军产品（分别奖励）",
        ),
        "E3d": _clause(
            "三",
            "专精特新奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "专精特新认定文件"],
            {"amount_national": "1000000.00", "amount_provincial": "100000.00"},
            condition="新认定的国家专精特新“小巨人”企业（100 万元）和省级“专精特新”中小企业（10 万元）",
        ),
        "E4a": _clause(
            "四",
            "设备投资补贴",
            FORMULA,
            "per_event",
            "受益财政",
            ["gxj"],
            [
                *_common_a,
                "项目备案（核准）文件",
                "生产设备购置完税发票（不含税金额）",
                "未获省专项资金支持的承诺",
            ],
            {"min_total_investment": "50000000.00", "rate": "0.05"},
            cap="10000000.00",
            cap_scope="enterprise",
            condition="总投资 5000 万元以上的新建项目（含技改），在项目建设有效期内；获得省专项资金支持的项目不再重复补贴",
        ),
        "E4b": _clause(
            "四",
            "设备中长期贷款贴息",
            FORMULA,
            "yearly",
            "受益财政",
            ["gxj"],
            [
                *_common_a,
                "固定资产投资统计库入库证明",
                "设备购置中长期贷款合同",
                "银行出具的贷款余额及付息证明",
            ],
            {"lpr_share": "0.35", "max_years": 3, "min_loan_term_months": 13},
            cap="3000000.00",
            cap_scope="project",
            condition="列入固定资产投资统计库的工业投资项目，购买设备的中长期贷款；贴息期限不超过 3 年",
        ),
        "E5a": _clause(
            "五",
            "技术创新中心、制造业创新中心奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "批复文件"],
            {"amount_national": "5000000.00", "amount_provincial": "3000000.00"},
            condition="新获批的国家级和省级技术创新中心、制造业创新中心",
        ),
        "E5b": _clause(
            "五",
            "工业设计中心奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "认定文件"],
            {"amount_national": "3000000.00", "amount_provincial": "500000.00"},
            condition="通过认定的国家级和省级工业设计中心",
        ),
        "E5c": _clause(
            "五",
            "工程（技术）研究中心、企业技术中心、工程实验室奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "批复文件"],
            {"amount_national": "1000000.00", "amount_provincial": "200000.00"},
            condition="新获批的国家级和省级工程（技术）研究中心、企业技术中心、工程实验室",
        ),
        "E5d": _clause(
            "五",
            "中原学者工作站奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "首次认定文件"],
            {"amount": "300000.00"},
            condition="首次认定的中原学者工作站",
        ),
        "E5e": _clause(
            "五",
            "中国质量奖奖励",
            FIXED,
            "one_time",
            "受益财政",
            ["gxj"],
            [*_common_a, "获奖证书"],
            {"amount": "2000000.00"},
            condition="新获得“中国质量奖”的企业",
        ),
        "E5f": _clause(
            "五",
            "首版次软件产品奖励",
            FORMULA,
            "per_event",
            "受益财政",
            ["gxj"],
            [*_common_a, "首版次软件产品认定文件", "期限内销售合同及发票汇总"],
            {"rate": "0.10"},
            cap="1000000.00",
            cap_scope="enterprise",
            condition="软件首版次产品，按一定期限内产品实际销售总额奖励研制单位",
        ),
        "E6": _clause(
            "六",
            "参展展位费补助",
            FORMULA,
            "per_event",
            "受益财政",
            ["gxj"],
            [*_common_a, "展会邀请函或组织文件（市级及以上政府部门）", "展位费发票及付款凭证"],
            {"rate": "0.5"},
            cap="100000.00",
            cap_scope="enterprise_year",
            condition="规上电子信息企业参加市级及以上政府部门组织的展会（不含市内）",
        ),
        "E7": _clause(
            "七",
            "软件产业园租金补贴",
            CASE_BY_CASE,
            "yearly",
            "所在地财政",
            ["gxj"],
            [*_common_a, "软件产业园入驻协议", "租赁合同及租金票据"],
            {},
            condition="新入驻软件产业园区的软件企业，鼓励所在地财政给予办公场地租金补贴",
        ),
        "E9": _clause(
            "九",
            "用地价格及基础设施配套费支持",
            CASE_BY_CASE,
            "one_time",
            "所在地财政",
            ["gxj"],
            [*_common_a, "项目用地规划及投资强度说明", "所在地政府确认文件"],
            {"min_land_price_ratio": "0.70"},
            condition="符合产业发展规划、用地集约且投资强度达标的电子信息产业项目",
        ),
    },
}

B_PARAMS: dict[str, Any] = {
    "document": {
        "code": "B",
        "title": "驻马店市支持文化旅游产业高质量发展的若干政策措施",
        "number": "驻政办〔2024〕21号",
        "issued_on": "2024-07-30",
        "fiscal_review_unit": "czj",
        "fields": ["文化旅游"],
        "stacking": "本政策措施自印发之日起施行，未规定有效期。",
        "paid_by": "各条款分别规定兑现财政（见条款）。",
    },
    "exclusivity_groups": [],
    "clauses": {
        "T1": _clause(
            "1",
            "新业态文旅文创项目补助",
            FORMULA,
            "one_time",
            "属地政府（县区财政）",
            ["wgly"],
            [*_common_b, "项目投资总额审计报告", "建成运营证明"],
            {"min_total_investment": "20000000.00", "rate": "0.05"},
            cap="1500000.00",
            cap_scope="project",
            condition="投资金额 2000 万元以上的文化旅游体验性场馆、演艺、夜游等新业态文旅文创项目，建成运营后",
        ),
        "T5": _clause(
            "5",
            "原创微短剧奖励",
            CASE_BY_CASE,
            "one_time",
            "受益财政",
            ["wgly"],
            [*_common_b, "微短剧播放量证明（平台出具）", "财政贡献证明"],
            {
                "min_views": 5000000,
                "min_fiscal_contribution": "1000000.00",
                "band_min": "50000.00",
                "band_max": "100000.00",
            },
            cap="100000.00",
            cap_scope="project",
            condition="驻马店历史文化旅游资源原创微短剧，传播量 500 万人次以上或为市、县财政贡献 100 万元及以上",
        ),
        "T10": _clause(
            "10",
            "省级夜经济集聚区奖励",
            FIXED,
            "one_time",
            "所在县（区）财政",
            ["fgw", "wgly"],
            [*_common_b, "省级夜经济集聚区认定文件"],
            {"amount": "500000.00"},
            condition="当年认定为河南省省级夜经济集聚区的，除省级奖励外由所在县（区）对创建主体一次性奖励",
        ),
        "T12": _clause(
            "12",
            "旅游专列组团奖励",
            FORMULA,
            "yearly",
            "市级财政",
            ["wgly"],
            [*_common_b, "铁路部门出具的有效票据", "景区门票及住宿凭证（两个以上收费景区、2 天含 1 晚以上）"],
            {
                "high_speed_min_passengers": 200,
                "high_speed_per_passenger": "100.00",
                "ordinary_min_passengers": 600,
                "ordinary_per_train": "30000.00",
                "min_paid_scenic_spots": 2,
                "min_days": 2,
                "min_nights": 1,
                "bonus_tiers": [{"trains": 3, "amount": "20000.00"}, {"trains": 5, "amount": "30000.00"}],
                "bonus_linear_after": 5,
                "bonus_per_extra_train": "10000.00",
            },
            cap="250000.00",
            cap_scope="agency_year",
            condition="市外组团社组织高铁专列 200 人以上或普通专列 600 人以上，游览两个以上收费景区、停留 2 天（含 1 晚以上）",
        ),
    },
}

WORKFLOW_PARAMS: dict[str, Any] = {
    # Working days per step (no limit is written in the documents; 驻政〔2024〕10号 asks for
    # "限时办结" — these are the shipped defaults, admin-editable).
    "materials_check_days": 5,
    "resubmit_days": 15,
    "dept_review_days": 10,
    "fiscal_review_days": 10,
    "approval_days": 5,
    "payment_days": 15,
    "proposal_confirm_days": 10,
    "expiry_warning_days": [180, 30],
}

# One-year loan prime rate (LPR) history as published by the National Interbank Funding Center;
# E4b uses "银行最新一期的一年期LPR" — the latest publication on or before the evaluation date.
LPR_PARAMS: dict[str, Any] = {
    "history": [
        {"from": "2023-08-21", "rate": "0.0345"},
        {"from": "2024-07-22", "rate": "0.0335"},
        {"from": "2024-10-21", "rate": "0.0310"},
        {"from": "2025-05-20", "rate": "0.0300"},
    ]
}

_money = {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}
_ratio = {"type": "string", "pattern": r"^0(\.\d+)?$|^1(\.0+)?$"}
_clause_schema = {
    "type": "object",
    "required": [
        "article",
        "title",
        "mode",
        "periodicity",
        "fiscal_level",
        "lead_units",
        "materials",
        "params",
    ],
    "properties": {
        "article": {"type": "string"},
        "title": {"type": "string", "minLength": 1},
        "condition": {"type": "string"},
        "mode": {"enum": [CASE_BY_CASE, FORMULA, FIXED]},
        "periodicity": {"enum": ["one_time", "yearly", "per_event"]},
        "fiscal_level": {"type": "string"},
        "lead_units": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "materials": {"type": "array", "items": {"type": "string"}},
        "params": {"type": "object"},
        "cap": {"oneOf": [_money, {"type": "null"}]},
        "cap_scope": {"enum": [None, "project", "enterprise", "enterprise_year", "agency_year"]},
    },
}
DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["document", "clauses", "exclusivity_groups"],
    "properties": {
        "document": {
            "type": "object",
            "required": ["code", "title", "number", "issued_on", "fiscal_review_unit"],
        },
        "exclusivity_groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "title", "scope", "clauses"],
                "properties": {
                    "scope": {"enum": ["project"]},
                    "clauses": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                },
            },
        },
        "clauses": {"type": "object", "additionalProperties": _clause_schema, "minProperties": 1},
    },
}
WORKFLOW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": list(WORKFLOW_PARAMS),
    "properties": {
        **{
            k: {"type": "integer", "minimum": 1, "maximum": 120}
            for k in WORKFLOW_PARAMS
            if k.endswith("_days")
        },
        "expiry_warning_days": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1},
    },
}
LPR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["history"],
    "properties": {
        "history": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["from", "rate"],
                "properties": {"from": {"type": "string", "format": "date"}, "rate": _ratio},
            },
        }
    },
}

READINGS = [
    "“以上”含本数、“以下”不含本数（全市统一口径）：门槛一律按 ≥ 比较。",
    "《若干措施》（驻政办〔2024〕15号）有效期 3 年：2024-06-11 至 2027-06-10（含）；文旅政策（驻政办〔2024〕21号）自 2024-07-30 起施行，未定期限。",
    "“市及以下政策从优且不重复”：同一项目的 E1b 与 E4a 属同一投资的奖补，列为一个排他组，只保留较大者（已兑现较小者时补足差额）。",
    "T12 5 趟以上每增加一趟递增 1 万元按线性理解：7 趟 = 30,000 + 2 × 10,000；3–4 趟另奖 2 万元。",
    "T12 每家组团社 25 万元上限按自然年计算（与趟数累计同一口径）；不符合条件的专列不计趟数。",
    "E4a 单一企业 1000 万元、E5f 单个企业 100 万元上限按政策有效期累计；E6 每企业每自然年 10 万元。",
    "E4b 中长期贷款指期限一年以上（13 个月及以上）的设备购置贷款；LPR 取评估日前最新一期一年期 LPR。",
    "“新认定/新获批”指认定日期在政策有效期内。",
]

# How each parameter reads in the catalogue: key → (Chinese label, kind).
PARAM_LABELS: dict[str, tuple[str, str]] = {
    "min_total_investment": ("总投资不低于", "money"),
    "min_investment_intensity": ("投资强度不低于（元/亩）", "money"),
    "min_tax_per_mu": ("亩均税收不低于（元/亩）", "money"),
    "rate": ("比例", "rate"),
    "rate_domestic": ("内资比例", "permille"),
    "rate_foreign": ("外资比例", "permille"),
    "top_n": ("财政贡献排名前", "int"),
    "min_contribution": ("财政贡献不低于", "money"),
    "growth_top_n": ("贡献增速排名前", "int"),
    "min_growth_rate": ("年综合增长率不低于", "rate"),
    "amount_enterprise": ("单项冠军示范企业", "money"),
    "amount_product": ("单项冠军产品", "money"),
    "amount_national": ("国家级", "money"),
    "amount_provincial": ("省级", "money"),
    "amount": ("奖励", "money"),
    "lpr_share": ("贴息为一年期 LPR 的", "rate"),
    "max_years": ("贴息期限（年）不超过", "int"),
    "min_loan_term_months": ("贷款期限（月）不少于", "int"),
    "min_land_price_ratio": ("土地出让价不低于最低价标准的", "rate"),
    "min_views": ("传播量（人次）不低于", "int"),
    "min_fiscal_contribution": ("财政贡献不低于", "money"),
    "band_min": ("奖励下限", "money"),
    "band_max": ("奖励上限", "money"),
    "high_speed_min_passengers": ("高铁专列人数不少于", "int"),
    "high_speed_per_passenger": ("高铁专列每人", "money"),
    "ordinary_min_passengers": ("普通专列人数不少于", "int"),
    "ordinary_per_train": ("普通专列每列", "money"),
    "min_paid_scenic_spots": ("游览收费景区不少于", "int"),
    "min_days": ("停留天数不少于", "int"),
    "min_nights": ("其中晚数不少于", "int"),
    "bonus_linear_after": ("超过该趟数后逐趟递增", "int"),
    "bonus_per_extra_train": ("每增加一趟", "money"),
}
