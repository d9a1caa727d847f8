"""Fake residents for the demo's petitioners, parties and key persons: plausible, never real.

Names are drawn from common surnames of 舟山 and ordinary given names; ID numbers are valid under
GB 11643-1999 (address code valid in the year of birth — 332622 普陀县 for islanders born before
1987, 330903 普陀区 after — a birth date, a sequence odd for men and even for women, the check
character of `identifiers.make_ric`); phones are 11-digit mobiles of ordinary prefixes. Every number
and phone is unique within one `People`. Deterministic: everything comes from the `random.Random`
passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from zhizhi.core.identifiers import make_ric

SURNAMES = "王张李陈刘林周吴徐胡贺乐应孙虞邬沈竺丁金叶朱杨黄郑何蒋钱俞邵方洪毛夏傅史翁包柴袁邱"
GIVEN_MEN = "国明建伟军海波华平强勇杰峰涛斌磊东辉海江龙祥福根财荣德兴宝忠良永林志刚文才"
GIVEN_WOMEN = "秀英兰芳娟玲红燕萍丽霞琴珍凤娣云菊素月美玉亚莉静敏雅惠娜彩琼"
# Islanders (六横 / 普陀) and the usual home counties of migrant workers on the island's shipyards.
LOCAL_OLD, LOCAL_NEW = "332622", "330903"  # 舟山地区普陀县 (to 1989) / 舟山市普陀区 (from 1987)
MIGRANT_COUNTIES = ("522426", "522422", "362329", "432524", "513030", "342622", "412726")
PHONE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "187",
                  "188", "189", "199")  # fmt: skip
HAMLETS = ("大岙", "小岙", "前山", "后岙", "东岙", "西岙", "上庄", "下庄", "外湾", "里湾", "塘头", "岭脚")


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str
    address: str
    male: bool
    local: bool


@dataclass
class People:
    rng: random.Random
    _ids: set[str] = field(default_factory=set)
    _phones: set[str] = field(default_factory=set)

    def name(self, male: bool) -> str:
        given = GIVEN_MEN if male else GIVEN_WOMEN
        n = 2 if self.rng.random() < 0.8 else 1
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(given) for _ in range(n))

    def id_number(self, *, local: bool, born: int, male: bool) -> str:
        county = (LOCAL_OLD if born < 1987 else LOCAL_NEW) if local else self.rng.choice(MIGRANT_COUNTIES)
        while True:
            month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
            seq = self.rng.randrange(0, 499) * 2 + (1 if male else 0)
            number = make_ric(f"{county}{born:04d}{month:02d}{day:02d}{seq:03d}")
            if number not in self._ids:
                self._ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def address(self, village: str) -> str:
        if village.endswith("社区"):
            return f"舟山市普陀区六横镇{village}{self.rng.choice(('兴港', '岭港', '台中', '峧中'))}路{self.rng.randint(1, 220)}号"
        return f"舟山市普陀区六横镇{village}{self.rng.choice(HAMLETS)}{self.rng.randint(1, 160)}号"

    def person(
        self,
        village: str,
        *,
        local: bool = True,
        born: tuple[int, int] = (1950, 1995),
        male: bool | None = None,
    ) -> Person:
        male = self.rng.random() < 0.6 if male is None else male
        if not local:
            born = (max(born[0], 1966), min(born[1], 1999))
        year = self.rng.randint(*born)
        return Person(
            name=self.name(male),
            id_number=self.id_number(local=local, born=year, male=male),
            phone=self.phone(),
            address=self.address(village),
            male=male,
            local=local,
        )
