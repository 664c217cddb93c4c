"""The two task documents as data: load the YAML in `supervision/data/`, and parse each item's
responsibility clause into lead units, co-responsible units, collective phrases and the county
clause. Pure Python (no database): the seed migration and the tests both use it.

Readings (docs/supervision.md):
* 驻政办〔2024〕22号 names units in the closing parentheses "（市科技局、市发改委按职责分工负责）":
  the first named unit leads (牵头), the others are co-responsible — the usual order of a
  Chinese 责任分工 list.
* 驻政〔2024〕10号 says it: "X、Y牵头，A、B等市直有关部门按职责分工负责" — every unit before
  "牵头" leads, the units after it are co-responsible.
* "以下均需各县区政府〈管委会〉落实，不再列出" (22号 measure 1) and "以下任务均需各县区政府和…管委会落实"
  (10号 task 1) put all 13 county-level governments on that item and every following one.
* Collective phrases that name no single unit ("市直有关部门", "各产业链链长责任单位",
  "市“两重”工作专班成员单位") are kept as text, not linked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
DOCUMENT_FILES = ("measures_2024_22.yaml", "one_thing_2024_10.yaml")

# The units the documents name → organisation unit codes (portal/orgdata.py and this app's
# migration 0002). Abbreviations as the gazette writes them.
ALIASES: dict[str, str] = {
    # 驻政办〔2024〕22号 (abbreviated names)
    "市科技局": "kjj",
    "市卫健委": "wjw",
    "市农业农村局": "nyncj",
    "市农业局": "nyncj",  # measure 41 uses the bureau's former short name
    "市发改委": "fgw",
    "市农科院": "nky",
    "市工信局": "gxj",
    "市财政局": "czj",
    "人行驻马店分行": "pbc",
    "市人才办": "rcb",
    "市人社局": "rsj",
    "市市场监管局": "scjgj",
    "市商务局": "swj",
    "市教育局": "jyj",
    "市通管办": "txb",
    "国家金融监管总局驻马店分局": "jrjg",
    "市自然资源和规划局": "zrzyj",
    "市生态环境局": "sthjj",
    "市住建局": "zjj",
    "市文广旅局": "wgly",
    "驻马店海关": "hg",
    "市交通局": "jtj",
    "市水利局": "slj",
    "市公安局": "gaj",
    "市城管局": "cgj",
    "市信访局": "xfj",
    "市司法局": "sfj",
    "市供电公司": "power",
    "市防灾减灾救灾委员会": "jzw",
    "安全生产委员会成员单位": "aqw",  # "市防灾减灾救灾委员会、安全生产委员会成员单位": both committees
    "市委宣传部": "xcb",
    # 驻政〔2024〕10号 (full names)
    "市行政审批和政务信息管理局": "zwfw",  # the portal's unit zwfw (市政务服务和大数据管理局)
    "市政府办公室": "zfb",
    "市发展改革委员会": "fgw",
    "市人力资源和社会保障局": "rsj",
    "市城市管理局": "cgj",
    "市交通运输局": "jtj",
    "市卫生健康委员会": "wjw",
    "市市场监督管理局": "scjgj",
    "市残疾人联合会": "cl",
    "市工业和信息化局": "gxj",
    "市科学技术局": "kjj",
    "市民政局": "mzj",
    "市住房和城乡建设局": "zjj",
    "市医疗保障局": "ybj",
    "市税务局": "swuj",
    "市委组织部": "zzb",
}

# Units this app adds (migration 0002): (code, name, kind). Looked up by code, then by name, so
# another app adding the same department first does not create a duplicate.
NEW_UNITS: list[tuple[str, str, str]] = [
    ("nky", "市农业科学院", "department"),
    ("pbc", "中国人民银行驻马店市分行", "department"),
    ("rcb", "市委人才工作领导小组办公室", "department"),
    ("hg", "驻马店海关", "department"),
    ("xfj", "市信访局", "department"),
    ("cl", "市残疾人联合会", "department"),
    ("zzb", "市委组织部", "department"),
    ("aqw", "市安全生产委员会", "committee"),
]

COUNTY_CODES = [
    "yicheng",
    "xiping",
    "shangcai",
    "pingyu",
    "zhengyang",
    "queshan",
    "biyang",
    "runan",
    "suiping",
    "xincai",
    "zone-chengxiang",
    "zone-kaifa",
    "zone-gaoxin",
]

COLLECTIVE_SUFFIXES = ("有关部门", "成员单位", "责任单位")
A_COUNTIES = "各县区政府〈管委会〉"
B_COUNTIES = "各县区政府和市城乡一体化示范区、驻马店经济开发区、市高新技术产业开发区管委会"


@dataclass
class Responsibility:
    clause: str
    leads: list[str] = field(default_factory=list)
    co: list[str] = field(default_factory=list)
    collectives: list[str] = field(default_factory=list)
    counties: bool = False  # this item names every county government
    counties_from_here: bool = False  # "以下均需…落实，不再列出": this and every following item


class ParseError(ValueError):
    pass


def _closing_parenthetical(text: str) -> str:
    """The content of the last top-level （…） of the text (the measure's responsibility list)."""
    end = text.rstrip("。").rfind("）")
    if end < 0:
        raise ParseError(f"没有找到责任单位括号：{text[-40:]}")
    depth = 0
    for i in range(end, -1, -1):
        if text[i] == "）":
            depth += 1
        elif text[i] == "（":
            depth -= 1
            if depth == 0:
                return text[i + 1 : end]
    raise ParseError(f"括号不配对：{text[-40:]}")


def _split_names(part: str) -> tuple[list[str], list[str]]:
    """'市工信局、市市场监管局及各产业链链长责任单位' → (units, collectives)."""
    names: list[str] = []
    collectives: list[str] = []
    for chunk in re.split(r"[、，,]", part):
        pieces = chunk.split("及") if "及" in chunk else [chunk]
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            if piece in ALIASES:
                names.append(piece)
            elif piece.endswith(COLLECTIVE_SUFFIXES):
                collectives.append(piece)
            else:
                names.append(piece)  # resolved (or reported as unknown) by resolve()
    return names, collectives


def parse_measure(text: str) -> Responsibility:
    """驻政办〔2024〕22号 style: '（市科技局、市发改委按职责分工负责）' at the end of the text."""
    clause = _closing_parenthetical(text)
    result = Responsibility(clause=clause)
    first, _, rest = clause.partition("。")
    if "以下均需" in rest:
        result.counties_from_here = True
    body = re.sub(r"(按职责分工)?负责$", "", first)
    if A_COUNTIES in body:
        result.counties = True
        body = body.replace(A_COUNTIES, "")
    names, result.collectives = _split_names(body)
    if not names:
        raise ParseError(f"没有解析出责任单位：{clause}")
    result.leads, result.co = names[:1], names[1:]
    return result


def parse_one_thing(text: str) -> Responsibility:
    """驻政〔2024〕10号 style: '责任单位：X、Y牵头，A、B等市直有关部门按职责分工负责'."""
    if "责任单位：" not in text:
        raise ParseError(f"没有找到“责任单位：”：{text[:40]}")
    clause = text.rsplit("责任单位：", 1)[1].strip()
    result = Responsibility(clause=clause)
    first, _, rest = clause.partition("。")
    if "以下任务均需" in rest:
        result.counties_from_here = True
    body = first
    county_phrase = f"，{B_COUNTIES}负责落实"
    if county_phrase in body:
        result.counties = True
        body = body.replace(county_phrase, "")
    collectives: list[str] = []
    if m := re.fullmatch(r"(.+?)等市直牵头部门及市直有关部门按职责分工负责", body):
        lead_part, co_part = m.group(1), ""
        collectives.append("市直有关部门")
    elif m := re.fullmatch(r"(.+?)和市直有关部门按职责分工牵头负责", body):
        lead_part, co_part = m.group(1), ""
        collectives.append("市直有关部门")
    elif m := re.fullmatch(r"(.+?)(?:等部门)?牵头，(.+?)按职责分工负责", body):
        lead_part, co_part = m.group(1), m.group(2)
    elif "牵头" not in body and "负责" not in body:
        lead_part, co_part = body, ""
    else:
        raise ParseError(f"无法解析责任单位：{clause}")
    leads, lead_collectives = _split_names(lead_part)
    if co_part.endswith("等市直有关部门"):
        co_part = co_part.removesuffix("等市直有关部门")
        collectives.append("市直有关部门")
    co, co_collectives = _split_names(co_part)
    result.leads, result.co = leads, co
    result.collectives = collectives + lead_collectives + co_collectives
    if not leads:
        raise ParseError(f"没有解析出牵头单位：{clause}")
    return result


PARSERS = {"A": parse_measure, "B": parse_one_thing}


def resolve(name: str) -> str:
    """The organisation unit code for a unit name in the documents."""
    try:
        return ALIASES[name]
    except KeyError:
        raise ParseError(f"文件中的单位“{name}”没有对应的组织单位代码（在 ALIASES 中补充）") from None


@dataclass
class ItemSeed:
    """One task, ready to be written: the YAML fields plus its parsed responsibility."""

    document: dict[str, Any]
    section: dict[str, Any]
    item: dict[str, Any]
    responsibility: Responsibility
    all_counties: bool
    lead_codes: list[str]
    co_codes: list[str]


def load_document(filename: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA_DIR / filename).read_text(encoding="utf-8"))
    return data


def iter_seeds() -> list[ItemSeed]:
    """Every item of both documents in order, with units resolved to codes."""
    seeds: list[ItemSeed] = []
    for filename in DOCUMENT_FILES:
        doc = load_document(filename)
        parse = PARSERS[doc["document"]["letter"]]
        counties_on = False
        for section in doc["sections"]:
            for item in section["items"]:
                resp = parse(item["text"])
                counties_on = counties_on or resp.counties_from_here
                lead_codes = [resolve(n) for n in resp.leads]
                co_codes = [c for c in (resolve(n) for n in resp.co) if c not in lead_codes]
                seeds.append(
                    ItemSeed(
                        document=doc["document"],
                        section=section,
                        item=item,
                        responsibility=resp,
                        all_counties=resp.counties or counties_on,
                        lead_codes=list(dict.fromkeys(lead_codes)),
                        co_codes=list(dict.fromkeys(co_codes)),
                    )
                )
    return seeds


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
