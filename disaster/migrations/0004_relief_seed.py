"""Relief (issue 4): the catalogue of living supplies (8.1.5), version 1 of the relief rule sets,
and the database guards of the relief ledgers:

* insert-only: fund decisions, fund entries, county spends, stock movements, shelter counts, aid
  assessments, plans, payments and evaluations (PostgreSQL refuses UPDATE and DELETE; SQLite
  refuses UPDATE — its test flush deletes rows);
* PostgreSQL only: a deferred constraint trigger refuses, at commit, a stock level or fund
  account whose balance differs from the balance after its latest movement/entry — so no balance
  can change without a ledger row (CHECK constraints already refuse negative balances).
"""

from django.db import migrations

from disaster.rules import relief_defaults as rd
from portal.dbguards import insert_only
from portal.rulesets import ruleset_seed

ITEMS = [
    ("tent", "救灾帐篷", "顶", "12 平方米单帐篷", "shelter"),
    ("folding-bed", "折叠床", "张", "", "shelter"),
    ("moisture-pad", "防潮垫", "张", "", "shelter"),
    ("quilt", "棉被", "床", "", "bedding"),
    ("cotton-coat", "棉大衣", "件", "", "bedding"),
    ("blanket", "毛毯", "条", "", "bedding"),
    ("sleeping-bag", "睡袋", "个", "", "bedding"),
    ("towel-quilt", "毛巾被", "条", "", "daily"),
    ("family-kit", "家庭应急包", "个", "", "daily"),
    ("instant-food", "方便食品", "箱", "", "food"),
    ("water", "瓶装饮用水", "箱", "24 瓶/箱", "food"),
    ("toilet", "简易厕所", "套", "", "sanitation"),
    ("lamp", "场地照明灯", "台", "", "lighting"),
]


def seed(apps, schema_editor):
    SupplyItem = apps.get_model("disaster", "SupplyItem")
    for i, (code, name, unit, spec, category) in enumerate(ITEMS):
        SupplyItem.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "spec": spec, "category": category, "sort": i}
        )
    source = "驻政办〔2024〕17号 驻马店市自然灾害救助应急预案"
    ruleset_seed(
        apps,
        key=rd.RELIEF_SUPPLIES_KEY,
        params=rd.RELIEF_SUPPLIES_V1,
        valid_from=rd.VALID_FROM,
        reason="默认值：7.2.5 调用后补充或补偿（原文无期限，按 30 日）；调拨物资 48 小时内确认接收",
        source=f"{source} 7.2.5",
    )
    ruleset_seed(
        apps,
        key=rd.WINTER_SPRING_KEY,
        params=rd.WINTER_SPRING_V1,
        valid_from=rd.VALID_FROM,
        reason="默认值，来自驻政办〔2024〕17号 6.3.1（9 月开始调查）、6.3.2（10 月中旬上报）",
        source=f"{source} 6.3",
    )
    ruleset_seed(
        apps,
        key=rd.RELIEF_AID_KEY,
        params=rd.RELIEF_AID_V1,
        valid_from=rd.VALID_FROM,
        reason="默认值，来自驻政办〔2024〕17号 6.1–6.3、4.3.3（救助台账是救助和重建的依据）",
        source=f"{source} 6.1–6.3",
    )


INSERT_ONLY = [
    "disaster_funddecision",
    "disaster_fundentry",
    "disaster_fundspend",
    "disaster_stockmovement",
    "disaster_sheltercount",
    "disaster_aidassessment",
    "disaster_aidplan",
    "disaster_aidpayment",
    "disaster_aidevaluation",
]

PG_CREATE = """
CREATE OR REPLACE FUNCTION disaster_stock_level_matches() RETURNS trigger AS $$
DECLARE
  latest bigint;
  current_qty bigint;
BEGIN
  SELECT quantity INTO current_qty FROM disaster_stocklevel WHERE id = NEW.id;
  IF current_qty IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT balance_after INTO latest FROM disaster_stockmovement
    WHERE warehouse_id = NEW.warehouse_id AND item_id = NEW.item_id ORDER BY id DESC LIMIT 1;
  IF COALESCE(latest, 0) <> current_qty THEN
    RAISE EXCEPTION 'stock level % (warehouse %, item %) is % but its movements give %',
      NEW.id, NEW.warehouse_id, NEW.item_id, current_qty, COALESCE(latest, 0);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS disaster_stocklevel_matches ON disaster_stocklevel;
CREATE CONSTRAINT TRIGGER disaster_stocklevel_matches AFTER INSERT OR UPDATE ON disaster_stocklevel
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION disaster_stock_level_matches();

CREATE OR REPLACE FUNCTION disaster_fund_account_matches() RETURNS trigger AS $$
DECLARE
  latest numeric;
  current_balance numeric;
BEGIN
  SELECT balance INTO current_balance FROM disaster_fundaccount WHERE id = NEW.id;
  IF current_balance IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT balance_after INTO latest FROM disaster_fundentry
    WHERE account_id = NEW.id ORDER BY id DESC LIMIT 1;
  IF latest IS NULL OR latest <> current_balance THEN
    RAISE EXCEPTION 'fund account % has balance % but its entries give %', NEW.id, current_balance, latest;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS disaster_fundaccount_matches ON disaster_fundaccount;
CREATE CONSTRAINT TRIGGER disaster_fundaccount_matches AFTER INSERT OR UPDATE ON disaster_fundaccount
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION disaster_fund_account_matches();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS disaster_stocklevel_matches ON disaster_stocklevel;
DROP FUNCTION IF EXISTS disaster_stock_level_matches();
DROP TRIGGER IF EXISTS disaster_fundaccount_matches ON disaster_fundaccount;
DROP FUNCTION IF EXISTS disaster_fund_account_matches();
"""


def balances_match(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)  # the literal % belong to PL/pgSQL


def balances_unmatch(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("disaster", "0003_relief"), ("portal", "0002_seed_roles_and_org")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        # The relief ledgers are insert-only (SQLite: updates refused) …
        insert_only(*INSERT_ONLY, sqlite_refuses_update=True),
        # … and no balance changes without its ledger row (PostgreSQL, checked at commit).
        migrations.RunPython(balances_match, balances_unmatch),
    ]
