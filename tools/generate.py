"""Generate realistic synthetic submissions (docs/submission-format.md, version 1) for benches and tests.

Exports and imports presented 2017-2025 in date order, with KP participants as counterparties,
realistic origins, carats and US$/ct per HS code, consistent totals, an act of state control
matching the certificate, customs declarations citing the KP certificate (01241) and the act
(01143), completed coupons on imports, and the EXAMPLE registers' signers, customs points and
BINs valid on the dates. A share of the submissions carries one or more realistic defects, named
in ``extensions.defects`` (ignored by the rules) so that a bench knows what to expect:

    erasures COND-01 · stains COND-02 · missing_seal COND-05 · unregistered_signer COND-06 (export)
    totals_off FORM-14 · act_amounts_off CTRL-03 · missing_coupon COUP-01/02 (and COUP-03)
    wrong_tnved EAEU-03 · expired FORM-07 · duplicate_late DUP-01 (a duplicate request, export)
    reused_number XREF-01 · extreme_price XREF-03 (audit only: the batch median)

XREF-01 reports each submission carrying the number, so the earlier holder of a reused number,
whose ``id`` the reuser names in ``extensions.reuses_number_of``, is reported too. Intra-EAEU
shipments (RU, BY, AM) carry no customs declaration.
About 4 % of exports are duplicate requests (returned on time unless ``duplicate_late``) naming
a recent export of the batch (one without an extreme line, whose lines it repeats).

The example signer register starts on 2018-01-01, so exports are issued from that day on and
2017 holds imports only; an import's act names a controller, which no rule checks on import,
and the 2017 ones name KZ-SC-021, the first signer to be registered.

Usage::

    python tools/generate.py --count 1000 --violations 0.2 --seed 1 --out batch.jsonl
    python tools/generate.py --count 50 --seed 7 --out folder/ --split   # one .json per submission

Library use: ``generate(count, violation_share, seed)`` yields the submissions as dicts.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

# --- reference material (names and addresses invented; registers as rulebook.md's EXAMPLE lists) ---

TITLE = "Kimberley Process Certificate"
KP_STATEMENT = (
    "The rough diamonds in this shipment have been handled in accordance with the provisions "
    "of the Kimberley Process Certification Scheme for rough diamonds"
)
HS = {  # HS code -> EAEU TN VED code, carats per line, US$/ct (log-uniform ranges)
    "7102.10": {"tnved": "7102100000", "carats": (80, 12000), "usd_ct": (50, 400)},
    "7102.21": {"tnved": "7102210000", "carats": (300, 40000), "usd_ct": (20, 200)},
    "7102.31": {"tnved": "7102310000", "carats": (15, 6000), "usd_ct": (100, 2000)},
}
HS_CODES = list(HS)
WRONG_TNVED = {"7102100000": "7102290000", "7102210000": "7102290000", "7102310000": "7102390000"}
SIGNERS = [
    ("KZ-SC-014", "A. Nurlanov", date(2020, 1, 1), None),
    ("KZ-SC-021", "D. Seitkali", date(2018, 1, 1), date(2023, 12, 31)),
    ("KZ-SC-030", "M. Omarova", date(2022, 6, 1), None),
]
KZ_PARTIES = [
    {"name": "Altyn Almas LLP", "address": "12 Dostyk Ave, Almaty", "bin": "140240012345", "since": date(2016, 1, 1)},
    {"name": "Qazaq Rough JSC", "address": "8 Kabanbay Batyr Ave, Astana", "bin": "180540067896", "since": date(2018, 5, 1)},
]
DEPARTMENTS = [{"code": "ALA", "name": "Almaty", "customs": "ALA-CP-01"}, {"code": "NQZ", "name": "Astana", "customs": "NQZ-CP-01"}]
KZ_AUTHORITIES = [  # (from, name) of the authorised body, by reorganisation
    (
        date(2014, 8, 6),
        "Committee of Industrial Development and Industrial Safety of the Ministry for "
        "Investments and Development of the Republic of Kazakhstan",
    ),
    (
        date(2019, 2, 18),
        "Committee of Industrial Development of the Ministry of Industry and Infrastructural Development of the Republic of Kazakhstan",
    ),
    (date(2023, 9, 1), "Industry Committee of the Ministry of Industry and Construction of the Republic of Kazakhstan"),
]
EAEU = {"RU", "BY", "AM", "KG"}
PRODUCERS = ["RU", "BW", "ZA", "CA", "AO", "NA", "CD", "SL", "LS", "ZW", "AU"]
MIXED_POOL = ["RU", "BW", "ZA", "CA", "AO", "NA", "CD", "SL", "LS", "ZW", "AU", "GN", "TZ"]
EXPORT_PARTNERS = {"AE": 34, "BE": 18, "IN": 12, "HK": 9, "IL": 6, "CN": 5, "CH": 4, "RU": 4, "AM": 3, "BY": 1, "US": 4}
IMPORT_PARTNERS = {"RU": 22, "AE": 20, "BE": 12, "IN": 8, "HK": 5, "IL": 5, "CN": 4, "CH": 4, "AM": 3, "BY": 3, "US": 3, "ZA": 6, "BW": 5}

PARTNER_DRAW = {
    direction: (list(table), list(accumulate(table.values())))
    for direction, table in (("export", EXPORT_PARTNERS), ("import", IMPORT_PARTNERS))
}


def _country(authority: str, seal: str, languages: tuple[str, ...], signers: tuple[str, ...], *parties: tuple[str, str]) -> dict[str, Any]:
    return {"authority": authority, "seal": seal, "languages": languages, "signers": signers, "parties": parties}


FOREIGN = {
    "AE": _country(
        "Kimberley Process Office, Ministry of Economy of the United Arab Emirates",
        "UAE Kimberley Process Office",
        ("ar", "en"),
        ("K. Al Mansoori", "S. Al Hashimi"),
        ("Gulf Rough DMCC", "Almas Tower, Dubai"),
        ("Emirates Rough Trading DMCC", "JLT Cluster I, Dubai"),
    ),
    "BE": _country(
        "Federal Public Service Economy, Licences Division, Diamond Office",
        "FPS Economy Diamond Office",
        ("nl", "fr", "de", "en"),
        ("J. Peeters", "M. Janssens"),
        ("Antwerp Rough NV", "Hoveniersstraat 30, Antwerp"),
        ("Schupstraat Diamonds BV", "Schupstraat 9, Antwerp"),
    ),
    "IN": _country(
        "Gem and Jewellery Export Promotion Council, KP Authority of India",
        "GJEPC KP Authority",
        ("hi", "en"),
        ("R. Mehta", "S. Shah"),
        ("Surat Rough Pvt Ltd", "Varachha Road, Surat"),
        ("Opera House Diamonds Ltd", "Bharat Diamond Bourse, Mumbai"),
    ),
    "IL": _country(
        "Diamond Controller, Ministry of Economy and Industry of Israel",
        "Israel Diamond Controller",
        ("he", "en"),
        ("Y. Cohen",),
        ("Ramat Gan Rough Ltd", "1 Jabotinsky St, Ramat Gan"),
    ),
    "CN": _country(
        "General Administration of Customs of the People's Republic of China",
        "GACC Shanghai",
        ("zh", "en"),
        ("L. Wei", "Z. Hong"),
        ("Shanghai Rough Diamond Trading Co", "Pudong, Shanghai"),
    ),
    "HK": _country(
        "Trade and Industry Department, Hong Kong SAR",
        "TID Hong Kong",
        ("zh", "en"),
        ("C. Wong",),
        ("Kowloon Rough Ltd", "Nathan Road, Kowloon, Hong Kong"),
    ),
    "CH": _country(
        "State Secretariat for Economic Affairs SECO",
        "SECO Bern",
        ("de", "fr", "it", "en"),
        ("P. Muller",),
        ("Geneva Rough SA", "Rue du Rhone 10, Geneva"),
    ),
    "RU": _country(
        "Gokhran of Russia, Ministry of Finance of the Russian Federation",
        "Gokhran of Russia",
        ("ru", "en"),
        ("I. Petrov", "O. Smirnova"),
        ("Yakutsk Almaz LLC", "5 Lenina Ave, Yakutsk"),
        ("Moskovsky Rough JSC", "14 Tverskaya St, Moscow"),
    ),
    "AM": _country(
        "Ministry of Economy of the Republic of Armenia",
        "Ministry of Economy of Armenia",
        ("hy", "en"),
        ("A. Hakobyan",),
        ("Yerevan Diamond CJSC", "7 Tigran Mets Ave, Yerevan"),
    ),
    "BY": _country(
        "Ministry of Finance of the Republic of Belarus",
        "Ministry of Finance of Belarus",
        ("be", "ru", "en"),
        ("N. Kovalenko",),
        ("Gomel Rough OJSC", "3 Sovetskaya St, Gomel"),
    ),
    "US": _country(
        "U.S. Kimberley Process Authority", "USKPA", ("en",), ("D. Miller",), ("Forty-Seventh Rough Inc", "580 Fifth Ave, New York")
    ),
    "ZA": _country(
        "South African Diamond and Precious Metals Regulator",
        "SADPMR",
        ("en",),
        ("T. Nkosi",),
        ("Johannesburg Rough (Pty) Ltd", "Main Street, Johannesburg"),
    ),
    "BW": _country(
        "Ministry of Minerals and Energy, Diamond Hub",
        "Botswana Diamond Hub",
        ("en",),
        ("K. Molefe",),
        ("Gaborone Rough Trading (Pty) Ltd", "Plot 63, Gaborone"),
    ),
}


def kz_authority(on: date) -> str:
    return [name for start, name in KZ_AUTHORITIES if start <= on][-1]


FIRST_DAY, LAST_DAY = date(2017, 1, 1), date(2025, 12, 31)
FIRST_EXPORT = date(2018, 1, 1)  # the example signer register's first entry
VALIDITY = timedelta(days=60)
DAY = timedelta(days=1)
DEFECTS = {  # name -> (weight, directions it can apply to)
    "erasures": (10, "ei"),
    "stains": (8, "ei"),
    "missing_seal": (8, "ei"),
    "unregistered_signer": (10, "e"),
    "totals_off": (10, "ei"),
    "act_amounts_off": (10, "ei"),
    "missing_coupon": (9, "ei"),
    "wrong_tnved": (9, "ei"),
    "expired": (8, "ei"),
    "duplicate_late": (6, "e"),
    "reused_number": (6, "ei"),
    "extreme_price": (6, "ei"),
}
ORDER = ["expired", "duplicate_late", "reused_number", "extreme_price", *DEFECTS]  # restating lines comes first
DUPLICATE_SHARE = 0.04  # share of exports that are duplicate requests


def _iso(d: date) -> str:
    return d.isoformat()


def _money(cents: int) -> float:
    """Cents as a JSON number with at most two decimals (exact through ``repr``)."""
    return cents / 100


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


class Generator:
    """The state of one generation run: counters, recent certificates, the random stream."""

    def __init__(self, count: int, violation_share: float, seed: int):
        self.rng = random.Random(seed)
        self.count, self.share = count, violation_share
        self.span = (LAST_DAY - FIRST_DAY).days
        self.kz_number = 100 + self.rng.randrange(900)
        self.foreign_numbers = {c: self.rng.randrange(10_000, 900_000) for c in FOREIGN}
        self.seq: dict[tuple[str, int, str], int] = {}
        self.exports: deque[dict[str, Any]] = deque(maxlen=64)
        self.imports: deque[dict[str, Any]] = deque(maxlen=64)

    # --- the day and the plan --------------------------------------------------------------

    def day(self, index: int) -> date:
        """Presentation days spread evenly over the years, in order, Monday to Friday."""
        offset = int((index + self.rng.random()) * (self.span + 1) / self.count)
        d = FIRST_DAY + timedelta(days=min(offset, self.span))
        while d.weekday() >= 5:
            d += DAY if d + DAY <= LAST_DAY else -DAY
        return d

    def plan(self, day: date) -> tuple[str, list[str]]:
        """The direction and the defects of the next submission."""
        rng = self.rng
        direction = "export" if day >= FIRST_EXPORT + 3 * DAY and rng.random() < 0.55 else "import"
        if rng.random() >= self.share:
            return direction, []
        wanted = 1 if rng.random() < 0.8 else (2 if rng.random() < 0.75 else 3)
        names = [n for n, (_, dirs) in DEFECTS.items() if direction[0] in dirs]
        weights = [DEFECTS[n][0] for n in names]
        chosen: list[str] = []
        while len(chosen) < wanted:
            pick = rng.choices(names, weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        return direction, chosen

    def next_number(self, key: tuple[str, int, str]) -> int:
        self.seq[key] = self.seq.get(key, 0) + 1
        return self.seq[key]

    # --- building blocks -------------------------------------------------------------------

    def lines(self) -> list[dict[str, Any]]:
        rng = self.rng
        draw = rng.random()
        codes = rng.sample(HS_CODES, 1 if draw < 0.7 else (2 if draw < 0.92 else 3))
        out = []
        for code in sorted(codes):
            spec = HS[code]
            carat_cents = max(1, round(_log_uniform(rng, *spec["carats"]) * 100))
            price = _log_uniform(rng, *spec["usd_ct"])
            out.append({"hs_code": code, "carats": carat_cents, "value_usd": max(1, round(carat_cents * price))})
        return out

    def origin(self, counterparty: str, direction: str) -> dict[str, Any]:
        rng = self.rng
        if direction == "import" and counterparty in PRODUCERS and rng.random() < 0.85:
            return {"mixed": False, "countries": [counterparty]}
        mixed_share = 0.3 if direction == "export" else 0.5
        if rng.random() < mixed_share:
            return {"mixed": True, "countries": sorted(rng.sample(MIXED_POOL, rng.randint(2, 4)))}
        single = "RU" if direction == "export" and rng.random() < 0.6 else rng.choice(PRODUCERS)
        return {"mixed": False, "countries": [single]}

    def kz_party(self, on: date) -> dict[str, Any]:
        valid = [p for p in KZ_PARTIES if p["since"] <= on]
        party = self.rng.choice(valid)
        return {"name": party["name"], "address": party["address"], "country": "KZ", "bin": party["bin"]}

    def foreign_party(self, country: str) -> dict[str, Any]:
        name, address = self.rng.choice(FOREIGN[country]["parties"])
        return {"name": name, "address": address, "country": country, "bin": None}

    def signer(self, on: date) -> tuple[str, str]:
        valid = [(sid, name) for sid, name, start, end in SIGNERS if start <= on and (end is None or on <= end)]
        return self.rng.choice(valid) if valid else (SIGNERS[1][0], SIGNERS[1][1])

    def counterparty(self, direction: str, need_customs: bool) -> str:
        countries, cumulative = PARTNER_DRAW[direction]
        while True:
            country = self.rng.choices(countries, cum_weights=cumulative)[0]
            if not (need_customs and country in EAEU):
                return country

    def act(self, dept: dict[str, Any], on: date, controller: str, lines: list[dict[str, Any]], parcels: int) -> dict[str, Any]:
        number = f"ASC-{dept['code']}-{on.year}-{self.next_number((dept['code'], on.year, 'act')):04d}"
        return {
            "number": number,
            "issued_on": _iso(on),
            "controller_id": controller,
            "carats": sum(ln["carats"] for ln in lines),
            "value_usd": sum(ln["value_usd"] for ln in lines),
            "parcels": parcels,
        }

    def customs(
        self, dept: dict[str, Any], declared: date, cert_number: str, cert_date: date, act: dict[str, Any], lines: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "office": dept["customs"],
            "declared_on": _iso(declared),
            "tnved_codes": [HS[ln["hs_code"]]["tnved"] for ln in lines],
            "documents": [
                {"code": "01241", "number": cert_number, "date": _iso(cert_date)},
                {"code": "01143", "number": act["number"], "date": act["issued_on"]},
            ],
        }

    # --- whole submissions -----------------------------------------------------------------

    def certificate(
        self,
        number: str,
        country: str,
        issued: date,
        origin: dict[str, Any],
        exporter: dict[str, Any],
        importer: dict[str, Any],
        lines: list[dict[str, Any]],
        parcels: int,
    ) -> dict[str, Any]:
        info = FOREIGN.get(country)
        return {
            "number": number,
            "issuing_country": country,
            "issuing_authority": kz_authority(issued) if country == "KZ" else info["authority"],
            "title": TITLE,
            "kp_statement": KP_STATEMENT,
            "languages": ["kk", "ru", "en"] if country == "KZ" else list(info["languages"]),
            "issued_on": _iso(issued),
            "expires_on": _iso(issued + VALIDITY),
            "origin": origin,
            "exporter": exporter,
            "importer": importer,
            "parcels": parcels,
            "lines": lines,
            "total_carats": sum(ln["carats"] for ln in lines),
            "total_value_usd": sum(ln["value_usd"] for ln in lines),
            "signatures": [],
            "seals": [],
            "condition": {"erasures": False, "stains": False, "damaged": False},
            "corrections": [],
            "tamper_resistant": True,
            "coupon": None,
        }

    def export(self, day: date, defects: list[str]) -> dict[str, Any]:
        rng = self.rng
        issued = day - rng.choice((0, 0, 0, 1, 2)) * DAY
        if "expired" in defects:
            issued = day - VALIDITY - rng.randint(1, 30) * DAY
        issued = max(issued, FIRST_EXPORT)
        dept = DEPARTMENTS[0 if rng.random() < 0.65 else 1]
        country = self.counterparty("export", "wrong_tnved" in defects)
        self.kz_number += 1
        number = f"KZ{self.kz_number:06d}"
        lines = self.lines()
        parcels = len(lines) + rng.choice((0, 0, 1, 2, 3))
        cert = self.certificate(
            number, "KZ", issued, self.origin(country, "export"), self.kz_party(issued), self.foreign_party(country), lines, parcels
        )
        signer_id, signer_name = self.signer(issued)
        cert["signatures"] = [{"role": "state_controller", "name": signer_name, "signer_id": signer_id}]
        cert["seals"] = [{"authority": f"Industry Committee, {dept['name']} territorial department"}]
        cert["coupon"] = {"attached": True, "received_on": None, "authenticated": False, "handwritten": False, "sent_to_exporter_on": None}
        act = self.act(dept, issued, signer_id, lines, parcels)
        sub = self.envelope(dept, "export", day, cert, act)
        if country not in EAEU:
            sub["customs"] = self.customs(dept, issued + rng.randint(0, 3) * DAY, number, issued, act, lines)
        return sub

    def import_(self, day: date, defects: list[str]) -> dict[str, Any]:
        rng = self.rng
        dept = DEPARTMENTS[0 if rng.random() < 0.45 else 1]
        country = self.counterparty("import", "wrong_tnved" in defects)
        issued = day - rng.randint(2, 30) * DAY
        if "expired" in defects:
            issued = day - VALIDITY - rng.randint(1, 45) * DAY
        self.foreign_numbers[country] += rng.randint(1, 40)
        number = f"{country}{self.foreign_numbers[country]:07d}"
        lines = self.lines()
        parcels = len(lines) + rng.choice((0, 0, 1, 2))
        info = FOREIGN[country]
        cert = self.certificate(
            number, country, issued, self.origin(country, "import"), self.foreign_party(country), self.kz_party(day), lines, parcels
        )
        cert["signatures"] = [
            {"role": "exporting_authority", "name": rng.choice(info["signers"]), "signer_id": f"{country}-KPO-{rng.randint(1, 12):03d}"}
        ]
        cert["seals"] = [{"authority": info["seal"]}]
        cert["coupon"] = {
            "attached": True,
            "received_on": _iso(day),
            "authenticated": True,
            "handwritten": rng.random() < 0.15,
            "sent_to_exporter_on": _iso(day + rng.randint(0, 3) * DAY),
        }
        act = self.act(dept, day, self.signer(day)[0], lines, parcels)
        sub = self.envelope(dept, "import", day, cert, act)
        if country not in EAEU:
            sub["customs"] = self.customs(dept, day + rng.randint(0, 3) * DAY, number, issued, act, lines)
        return sub

    def envelope(self, dept: dict[str, Any], direction: str, day: date, cert: dict[str, Any], act: dict[str, Any]) -> dict[str, Any]:
        ident = f"{dept['code']}-{day.year}-{self.next_number((dept['code'], day.year, 'id')):04d}"
        return {
            "schema_version": 1,
            "id": ident,
            "direction": direction,
            "presented_on": _iso(day),
            "territorial_department": dept["name"],
            "certificate": cert,
            "state_control_act": act,
            "customs": None,
        }

    def duplicate(self, day: date, late: bool) -> dict[str, Any] | None:
        """A request for a duplicate of a recent export damaged after issue."""
        rng = self.rng
        returned = day - rng.randint(0, 2) * DAY
        damaged = returned - (rng.randint(14, 40) if late else rng.randint(0, 4)) * DAY
        originals = [
            s
            for s in self.exports
            if s["certificate"]["issued_on"] <= _iso(damaged)
            and s.get("duplicate") is None
            and "extreme_price" not in s["extensions"]["defects"]
        ]
        if not originals:
            return None
        original = rng.choice(originals)
        sub = self.export(day, [])
        cert, old = sub["certificate"], original["certificate"]
        for key in ("origin", "exporter", "importer", "parcels"):
            cert[key] = json.loads(json.dumps(old[key]))
        self.restate(
            sub,
            [
                {"hs_code": ln["hs_code"], "carats": round(ln["carats"] * 100), "value_usd": round(ln["value_usd"] * 100)}
                for ln in old["lines"]
            ],
        )
        sub["state_control_act"]["parcels"] = cert["parcels"]
        sub["duplicate"] = {"original_number": old["number"], "damaged_on": _iso(damaged), "returned_on": _iso(returned)}
        return sub

    @staticmethod
    def restate(sub: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        """New lines, with the totals, the act and the customs codes following them."""
        cert, act = sub["certificate"], sub["state_control_act"]
        cert["lines"] = lines
        cert["total_carats"] = act["carats"] = sum(ln["carats"] for ln in lines)
        cert["total_value_usd"] = act["value_usd"] = sum(ln["value_usd"] for ln in lines)
        if sub.get("customs"):
            sub["customs"]["tnved_codes"] = [HS[ln["hs_code"]]["tnved"] for ln in lines]

    def build(self, day: date, direction: str, defects: list[str]) -> dict[str, Any]:
        sub = None
        if direction == "export" and ("duplicate_late" in defects or self.rng.random() < DUPLICATE_SHARE):
            sub = self.duplicate(day, late="duplicate_late" in defects)
        if sub is None:
            sub = self.export(day, defects) if direction == "export" else self.import_(day, defects)
        return sub

    def submission(self, index: int) -> dict[str, Any]:
        day = self.day(index)
        direction, defects = self.plan(day)
        sub = self.build(day, direction, defects)
        applied = [d for d in sorted(defects, key=ORDER.index) if apply_defect(self, sub, d)]
        if defects and not applied:
            apply_defect(self, sub, "erasures")
            applied = ["erasures"]
        (self.exports if direction == "export" else self.imports).append(sub)
        finish(sub, applied)
        return sub


# --- defects: each spoils a built submission (amounts still in cents), False when it cannot ---


def _off(rng: random.Random, cents: int) -> int:
    """An amount that differs by more than the 0.01 tolerance: a slip of 0.2 % to 5 %."""
    delta = max(2, round(cents * rng.uniform(0.002, 0.05)))
    return cents + delta if rng.random() < 0.5 or cents - delta <= 0 else cents - delta


def _condition(key: str) -> Any:
    def spoil(gen: Generator, sub: dict[str, Any]) -> bool:
        sub["certificate"]["condition"][key] = True
        return True

    return spoil


def _missing_seal(gen: Generator, sub: dict[str, Any]) -> bool:
    sub["certificate"]["seals"] = []
    return True


def _unregistered_signer(gen: Generator, sub: dict[str, Any]) -> bool:
    cert = sub["certificate"]
    if cert["issuing_country"] != "KZ":
        return False
    on = date.fromisoformat(cert["issued_on"])
    pool = [(sid, name) for sid, name, start, end in SIGNERS if on < start or (end is not None and on > end)]
    pool.append((f"KZ-SC-{gen.rng.choice((7, 9, 17, 25, 33, 41)):03d}", gen.rng.choice(("B. Tulegenov", "G. Abenova"))))
    sid, name = gen.rng.choice(pool)
    cert["signatures"] = [{"role": "state_controller", "name": name, "signer_id": sid}]
    sub["state_control_act"]["controller_id"] = sid
    return True


def _totals_off(gen: Generator, sub: dict[str, Any]) -> bool:
    cert = sub["certificate"]
    key = gen.rng.choice(("total_carats", "total_value_usd"))
    if len(cert["lines"]) > 1 and gen.rng.random() < 0.4:  # the total leaves out a line
        cert[key] -= cert["lines"][-1]["carats" if key == "total_carats" else "value_usd"]
    else:
        cert[key] = _off(gen.rng, cert[key])
    return True


def _act_amounts_off(gen: Generator, sub: dict[str, Any]) -> bool:
    act = sub["state_control_act"]
    key = gen.rng.choice(("carats", "value_usd", "carats", "value_usd", "parcels"))
    if key == "parcels":
        act["parcels"] += 1 if act["parcels"] == 1 or gen.rng.random() < 0.5 else -1
    else:
        act[key] = _off(gen.rng, act[key])
    return True


def _missing_coupon(gen: Generator, sub: dict[str, Any]) -> bool:
    if gen.rng.random() < 0.5:
        sub["certificate"]["coupon"] = None
    else:
        sub["certificate"]["coupon"] = {
            "attached": False,
            "received_on": None,
            "authenticated": False,
            "handwritten": False,
            "sent_to_exporter_on": None,
        }
    return True


def _wrong_tnved(gen: Generator, sub: dict[str, Any]) -> bool:
    customs = sub.get("customs")
    if not customs:
        return False
    codes = customs["tnved_codes"]
    i = gen.rng.randrange(len(codes))
    others = [HS[c]["tnved"] for c in HS if HS[c]["tnved"] not in codes]
    codes[i] = gen.rng.choice(others) if others and gen.rng.random() < 0.5 else WRONG_TNVED[codes[i]]
    return True


def _expired(gen: Generator, sub: dict[str, Any]) -> bool:  # made when built: issued over 60 days before
    return sub["presented_on"] > sub["certificate"]["expires_on"]


def _duplicate_late(gen: Generator, sub: dict[str, Any]) -> bool:  # made when built
    dup = sub.get("duplicate")
    return bool(dup) and date.fromisoformat(dup["returned_on"]) - date.fromisoformat(dup["damaged_on"]) > 12 * DAY


def _reused_number(gen: Generator, sub: dict[str, Any]) -> bool:
    cert = sub["certificate"]
    recent = gen.exports if sub["direction"] == "export" else gen.imports
    same = [
        s for s in recent if s["certificate"]["issuing_country"] == cert["issuing_country"] and s["certificate"]["number"] != cert["number"]
    ]
    if not same:
        return False
    victim = gen.rng.choice(same)
    cert["number"] = victim["certificate"]["number"]
    sub["extensions"] = {"reuses_number_of": victim["id"]}
    for doc in (sub.get("customs") or {}).get("documents", []):
        if doc["code"] == "01241":
            doc["number"] = cert["number"]
    return True


def _extreme_price(gen: Generator, sub: dict[str, Any]) -> bool:
    lines = [dict(ln) for ln in sub["certificate"]["lines"]]
    line = gen.rng.choice(lines)
    low, high = HS[line["hs_code"]]["usd_ct"]
    factor = gen.rng.uniform(15, 40)
    price = math.sqrt(low * high) * (factor if gen.rng.random() < 0.5 else 1 / factor)
    line["value_usd"] = max(1, round(line["carats"] * price))
    Generator.restate(sub, lines)
    return True


APPLY = {
    "erasures": _condition("erasures"),
    "stains": _condition("stains"),
    "missing_seal": _missing_seal,
    "unregistered_signer": _unregistered_signer,
    "totals_off": _totals_off,
    "act_amounts_off": _act_amounts_off,
    "missing_coupon": _missing_coupon,
    "wrong_tnved": _wrong_tnved,
    "expired": _expired,
    "duplicate_late": _duplicate_late,
    "reused_number": _reused_number,
    "extreme_price": _extreme_price,
}


def apply_defect(gen: Generator, sub: dict[str, Any], name: str) -> bool:
    """Spoil a built submission with one defect; False when it cannot apply to this one."""
    return APPLY[name](gen, sub)


def finish(sub: dict[str, Any], defects: list[str]) -> None:
    """Amounts from cents to JSON numbers; absent blocks dropped; the defects recorded."""
    cert, act = sub["certificate"], sub["state_control_act"]
    for ln in cert["lines"]:
        ln["carats"], ln["value_usd"] = _money(ln["carats"]), _money(ln["value_usd"])
    cert["total_carats"], cert["total_value_usd"] = _money(cert["total_carats"]), _money(cert["total_value_usd"])
    act["carats"], act["value_usd"] = _money(act["carats"]), _money(act["value_usd"])
    if sub["customs"] is None:
        del sub["customs"]
    sub["extensions"] = {"synthetic": True, "defects": defects, **sub.get("extensions", {})}


def generate(count: int, violation_share: float = 0.0, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` submissions in presentation order, a ``violation_share`` of them with defects."""
    if count < 0 or not 0.0 <= violation_share <= 1.0:
        raise ValueError("count must be >= 0 and the violation share between 0 and 1")
    gen = Generator(max(count, 1), violation_share, seed)
    for index in range(count):
        yield gen.submission(index)


def write_jsonl(items: Iterable[dict[str, Any]], path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for n, item in enumerate(items, start=1):  # noqa: B007 - n is the count written, read after the loop
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
    return n


def write_split(items: Iterable[dict[str, Any]], folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for n, item in enumerate(items, start=1):
        text = json.dumps(item, ensure_ascii=False, indent=2) + "\n"
        (folder / f"{n:06d}-{item['id']}.json").write_text(text, encoding="utf-8")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of submissions")
    parser.add_argument("--violations", type=float, default=0.0, help="share with defects, 0 to 1 (default 0)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", required=True, help="a .jsonl file, or a folder with --split")
    parser.add_argument("--split", action="store_true", help="write one .json file per submission into --out")
    args = parser.parse_args(argv)
    if args.count < 0 or not 0.0 <= args.violations <= 1.0:
        parser.error("--count must be >= 0 and --violations between 0 and 1")
    items = generate(args.count, args.violations, args.seed)
    out = Path(args.out)
    written = write_split(items, out) if args.split else write_jsonl(items, out)
    print(f"wrote {written} submissions to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
