"""The spreadsheet shape shared by the provincial upload export and the household import: one
row per person, with the household's fields repeated on each of its members' rows (the shape
of the provincial low-income monitoring platform's bulk upload as counties keep it). The same
file can be exported, corrected and imported again. Documented in docs/assistance.md."""

from __future__ import annotations

from assistance import rules
from assistance.models import Member

# (header, key, used on import)
COLUMNS: list[tuple[str, str, bool]] = [
    ("户编号", "code", True),
    ("县（区）", "county", True),
    ("乡镇（街道）", "township", True),
    ("村（社区）", "village", True),
    ("详细地址", "address", True),
    ("城乡属性", "area", True),
    ("联系电话", "phone", True),
    ("家庭人口数", "members_count", False),
    ("与户主关系", "relation", True),
    ("姓名", "name", True),
    ("公民身份号码", "id_number", True),
    ("性别", "sex", False),
    ("出生日期", "birth_date", False),
    ("劳动能力", "labour_capacity", True),
    ("残疾类别", "disability_category", True),
    ("残疾等级", "disability_grade", True),
    ("是否重病", "serious_illness", True),
    ("是否就业", "employed", True),
    ("个人年收入（元）", "own_income", True),
    ("有履行能力的法定义务人", "has_able_supporter", True),
    ("工资性收入（元/年）", "income_wage", True),
    ("经营净收入（元/年）", "income_operating", True),
    ("财产净收入（元/年）", "income_property", True),
    ("转移性收入（元/年）", "income_transfer", True),
    ("家庭年收入（元）", "income_total", False),
    ("家庭人均年收入（元）", "per_capita", False),
    ("存款及有价证券（元）", "savings", True),
    ("房屋（套）", "houses", True),
    ("机动车（辆）", "vehicles", True),
    ("家庭财产是否符合规定", "property_within_limits", True),
    ("医疗支出（元/年）", "exp_medical", True),
    ("教育支出（元/年）", "exp_education", True),
    ("受灾支出（元/年）", "exp_disaster", True),
    ("意外事故支出（元/年）", "exp_accident", True),
    ("刚性支出合计（元/年）", "rigid_total", False),
    ("低收入人口类别", "tier", True),
    ("是否单人保", "single_person", True),
    ("认定日期", "tier_since", True),
    ("防止返贫监测对象类型", "monitoring", True),
    ("数据更新时间", "updated_at", False),
]
HEADERS = [c[0] for c in COLUMNS]
KEY_OF = {c[0]: c[1] for c in COLUMNS}
REQUIRED_HEADERS = [
    "户编号",
    "县（区）",
    "乡镇（街道）",
    "村（社区）",
    "城乡属性",
    "与户主关系",
    "姓名",
    "公民身份号码",
]
# Household-level keys: must agree on every row of one household.
HOUSEHOLD_KEYS = [
    "county",
    "township",
    "village",
    "address",
    "area",
    "phone",
    "income_wage",
    "income_operating",
    "income_property",
    "income_transfer",
    "savings",
    "houses",
    "vehicles",
    "property_within_limits",
    "exp_medical",
    "exp_education",
    "exp_disaster",
    "exp_accident",
    "tier",
    "tier_since",
    "monitoring",
]

AREA_BY_LABEL = {v: k for k, v in rules.AREA_LABELS.items()}
RELATION_BY_LABEL = {str(label): value for value, label in Member.Relation.choices}
RELATION_BY_LABEL.update(
    {"祖父母": "grandparent", "外祖父母": "grandparent", "孙子女": "grandchild", "外孙子女": "grandchild"}
)
LABOUR_BY_LABEL = {v: k for k, v in rules.LABOUR_LABELS.items()}
DISABILITY_BY_LABEL = {v: k for k, v in rules.DISABILITY_LABELS.items()}
DISABILITY_BY_LABEL.update({f"{v}残疾": k for k, v in rules.DISABILITY_LABELS.items()})
GRADE_BY_LABEL = {v: k for k, v in rules.GRADE_LABELS.items()}
GRADE_BY_LABEL.update({str(k): k for k in rules.GRADE_LABELS})
TIER_BY_LABEL = {v: k for k, v in rules.TIER_LABELS.items()}
TIER_BY_LABEL.update({v: k for k, v in rules.TIER_SHORT.items()})
TIER_BY_LABEL.update(
    {"低保对象": rules.DIBAO, "最低生活保障对象": rules.DIBAO, "特困供养人员": rules.EXTREME_POVERTY}
)
MONITORING_BY_LABEL = {v: k for k, v in rules.MONITORING_LABELS.items()}
YES = {"是", "有", "Y", "y", "yes", "true", "True", "1"}
NO = {"否", "无", "N", "n", "no", "false", "False", "0", ""}
