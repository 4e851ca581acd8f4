#!/usr/bin/env python3
"""Write the demo's multi-level part into lists/: a guiding catalogue (lists/catalogue/) made from
five of the city's real department lists, and the four districts of 克拉玛依市
(lists/jurisdictions/) claiming it.

What is real and what is invented (every invented file says `sample = true`):
- the catalogue items' names, categories, bases, duties, responsibilities and accountability are
  the city's published items, word for word; their county-level entries (行使主体, 权限) are
  invented, as is the choice of which items a district exercises at all;
- the districts' names and 区划代码 are real; their departments, claims, not-applicable reasons,
  local items and service-guide details are invented;
- the delegation of 住建局's 宣传品审批 to the four districts is the demo edition 2025's
  (docs/demo-edition-2025.md); its receivers and batch, and the districts' receiving items, are
  invented.

Run from the repository root: `python3 scripts/demo-tree.py`. It rewrites lists/catalogue/ and
lists/jurisdictions/ whole, deterministically (python3 ≥ 3.11, standard library only).
"""
import hashlib
import json
import shutil
import tomllib
from pathlib import Path

LISTS = Path(__file__).resolve().parent.parent / "lists"
DEPARTMENTS = ["daj", "tjj", "kxjsj", "ylbzj", "swj"]
DISTRICTS = [
    # folder, name, code
    ("klmyq", "克拉玛依区", "650203"),
    ("dszq", "独山子区", "650202"),
    ("bjtq", "白碱滩区", "650204"),
    ("wehq", "乌尔禾区", "650205"),
]
ABBREV = {
    "行政许可": "XK", "行政处罚": "CF", "行政强制": "QZ", "行政征收": "ZS", "行政给付": "JF",
    "行政检查": "JC", "行政确认": "QR", "行政奖励": "JL", "行政裁决": "CJ", "其他行政权力": "QT",
    "公共服务": "GG",
}
NOT_APPLICABLE = [
    "本区未设独立的业务机构，此项由市级部门统一实施（示例）",
    "本区辖区内没有该事项涉及的对象，近三年没有发生（示例）",
    "该事项按规定由市级集中办理，本区只负责受理咨询（示例）",
]


def h(*parts):
    """A stable number from text: which items a district exercises, and so on."""
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


def value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(type(v))


def dump(d, prefix=""):
    """TOML for a dict: scalars and plain arrays first, then tables, then arrays of tables."""
    out = []
    tables = []
    for k, v in d.items():
        if isinstance(v, dict):
            tables.append((k, v, False))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            tables.append((k, v, True))
        elif v not in ("", [], None):
            out.append(f"{k} = {value(v)}")
    for k, v, many in tables:
        name = f"{prefix}{k}"
        for t in (v if many else [v]):
            body = dump(t, name + ".")
            out.append("")
            out.append(f"[[{name}]]" if many else f"[{name}]")
            out.extend(body)
    return out


def write(path, d):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(dump(d)).strip() + "\n", encoding="utf-8")


def short(name):
    """克拉玛依市统计局 → 统计局."""
    return name.removeprefix("克拉玛依市")


def main():
    for sub in ("catalogue", "jurisdictions"):
        shutil.rmtree(LISTS / sub, ignore_errors=True)
    catalogue = []  # (code, dept folder, dept name, item, county?)
    for dept in DEPARTMENTS:
        folder = LISTS / "departments" / dept
        dname = tomllib.loads((folder / "department.toml").read_text())["name"]
        items = sorted(
            (tomllib.loads(p.read_text()) for p in (folder / "items").glob("*.toml")),
            key=lambda i: i["id"],
        )
        for n, item in enumerate(items, start=1):
            code = f"{dept.upper()}-{ABBREV.get(item['category'], 'QT')}-{n:03}"
            # Three items in four are exercised by the districts too (invented).
            county = h(code) % 4 != 0
            levels = [{
                "level": "地州市级",
                "body": item.get("body", ""),
                "unit": item.get("unit", ""),
                "scope": item.get("scope", ""),
            }]
            if county:
                levels.append({
                    "level": "县（市、区）级",
                    "body": f"区{short(dname)}",
                    "scope": "负责本区行政区域内的" + item["name"].removeprefix("对"),
                })
            guide = item.get("guide") or {}
            for lv in levels:
                for key in ("statutory_limit", "promised_limit"):
                    if guide.get(key):
                        lv[key] = guide[key]
            entry = {
                "code": code,
                "name": item["name"],
                "category": item["category"],
                "sector": short(dname).removesuffix("局").removesuffix("委员会"),
                "duty": item.get("duty", ""),
                "remarks": item.get("remarks", ""),
                "sample": True,
                "sub_items": item.get("sub_items", []),
                "basis": item.get("basis", {}),
                "responsibilities": item.get("responsibilities", {}),
                "accountability": item.get("accountability", {}),
                "levels": levels,
            }
            write(LISTS / "catalogue" / f"{code}.toml", entry)
            catalogue.append((code, dept, dname, item, county))

    for folder, name, code in DISTRICTS:
        root = LISTS / "jurisdictions" / folder
        write(root / "jurisdiction.toml", {
            "name": name,
            "code": code,
            "level": "县级",
            "edition": "2025",
            "publisher": f"{name}人民政府",
            "description": (
                f"{name}权责清单（演示数据）：认领克拉玛依市指导目录（lists/catalogue/）中的县级事项，"
                "不适用的写明理由，另有本区自设的事项。区划名称和代码是真实的，认领的取舍、承办机构、"
                "办事指南和自设事项是为演示 qingdan 编写的，不是官方公布的内容。"
            ),
            "sample": True,
        })
        depts = {}
        for ccode, dept, dname, item, county in catalogue:
            if not county:
                continue
            depts[dept] = dname
            claim = {"catalogue": ccode}
            if h(folder, ccode) % 12 == 0:
                claim["not_applicable"] = NOT_APPLICABLE[h(ccode, folder) % len(NOT_APPLICABLE)]
            else:
                claim["unit"] = f"{name}{short(dname)}综合业务股"
                if h(ccode, "scope", folder) % 8 == 0:
                    # A narrower local scope: what `qingdan claims` reports as a local difference.
                    claim["scope"] = (
                        f"负责{name}行政区域内的" + item["name"].removeprefix("对")
                        + "（园区内的由园区管理机构实施，示例）"
                    )
                if h(ccode, "guide", folder) % 3 == 0:
                    claim["guide"] = {
                        "place": f"{name}政务服务中心综合窗口",
                        "hours": "工作日 10:00—13:30、16:00—19:30（示例）",
                        "consult_phone": "0990-12345",
                    }
                if folder == "wehq" and (item.get("guide") or {}).get("promised_limit") and h(ccode, "fast") % 2 == 0:
                    # A shorter promise than the catalogue's: what the catalogue item's page
                    # shows as unlike most (同一事项同标准).
                    claim.setdefault("guide", {})["promised_limit"] = "10个工作日（示例）"
            claim["sample"] = True
            write(root / "departments" / dept / "claims" / f"{ccode}.toml", claim)
        for dept, dname in depts.items():
            write(root / "departments" / dept / "department.toml", {
                "id": dept,
                "name": f"{name}{short(dname)}",
                "short_name": f"区{short(dname)}",
                "sample": True,
            })
        # A local item, with its basis (invented, on a real article).
        write(root / "departments" / "daj" / "items" / f"{code}-daj-001.toml", {
            "id": f"{code}-daj-001",
            "name": f"对{name}属国有企业档案工作的监督检查",
            "category": "行政检查",
            "department": "daj",
            "body": f"{name}档案局",
            "level": "县级",
            "remarks": "本区自设事项（示例）",
            "basis": {
                "text": "【法律】《中华人民共和国档案法》第八条：县级以上地方档案主管部门主管本行政区域内的档案工作，"
                "对本行政区域内机关、团体、企业事业单位和其他组织的档案工作实行监督和指导。",
            },
            "sample": True,
        })
        # Receiving the city's delegated approval (承接).
        write(root / "departments" / "zfhcxjsj" / "department.toml", {
            "id": "zfhcxjsj",
            "name": f"{name}住房和城乡建设局",
            "short_name": "区住房和城乡建设局",
            "sample": True,
        })
        write(root / "departments" / "zfhcxjsj" / "items" / f"{code}-zfhcxjsj-001.toml", {
            "id": f"{code}-zfhcxjsj-001",
            "name": "在城市建筑物、设施上悬挂、张贴宣传品审批",
            "category": "行政许可",
            "department": "zfhcxjsj",
            "body": f"{name}住房和城乡建设局",
            "level": "县级",
            "basis": {
                "text": "【行政法规】《城市市容和环境卫生管理条例》第十七条第二款；"
                "受克拉玛依市住房和城乡建设局委托实施（示例）",
            },
            "receives": {"from": "650200", "item": "zfhcxjsj-XK-f9e0c0", "batch": "第一批"},
            "sample": True,
        })


if __name__ == "__main__":
    main()
