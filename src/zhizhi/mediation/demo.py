"""The mediation part of `zhizhi demo`: the year's disputes mediated by 六横镇人民调解委员会, calibrated
to the seed's 2023 figures (all × scale, at least one each):

- 调解各类矛盾纠纷392起 → 392 disputes accepted for mediation in the year: the figure `mediated`
  (受理 in the period), whatever the outcome. Their kinds are spread as on a fishing island (邻里
  90, 婚姻家庭 55, 劳动/劳务 60, 损害赔偿 50, 债权债务 40, 土地/宅基地/山林 35, 海域/养殖/渔事 30,
  合同 25, 其他 7). A few more disputes are registered but not accepted (a party refuses mediation,
  人民调解法第十七条; the matter is before a court) or referred before acceptance (to the police or
  an arbitration body): they are `registered`, not `mediated`.
- 重大疑难纠纷16起 → 16 of them major (`major`): half registered as such, half flagged by a leader
  after acceptance; they take more sessions and most take an extension.
- 依托共享法庭化解案件15件 / 依托“浙江解纷码”化解案件3件 → 化解 means resolved, so these are
  agreements: 15 disputes mediated through the shared court and 3 through the online dispute code,
  every one ending in a written agreement. Both `mediated_shared_court` / `agreed_shared_court` are
  15 and `mediated_online` / `agreed_online` are 3 (the `agreed_*` figures are the seed's wording;
  the `mediated_*` ones equal them because none of those failed). The rest are mediated on site.
- Outcomes (the seed does not say): a few fail (终止调解 with the notice of the parties' other ways,
  第二十六条), a few are referred to a court or an arbitration body during mediation, a few accepted
  in the last days of December are still being mediated at the year's end; the rest end in an
  agreement, written (调解协议书, always for the shared court, the online code and major disputes)
  or oral. Every mediation has its sessions (调解记录); the shared-court agreements and a few others
  are confirmed by the court (司法确认); agreements are followed up (回访) and then closed.

Everything is written through the services (`register_dispute`, `dispute_action`) with `now=` the
generated moment, so the clocks, agreements and events are the real ones. Deterministic from the seed:
random.Random(f"{seed}:mediation"), no clock read for generated data.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q

from zhizhi.accounts.models import Role, User
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Case
from zhizhi.core import calendar
from zhizhi.demo.people import People, Person
from zhizhi.demo.timeline import at, later, office, spread, workday
from zhizhi.mediation import services
from zhizhi.mediation.models import Dispute, DisputeKind, MediationChannel
from zhizhi.territory.models import Level, Region

Out = Callable[[str], None]
K = DisputeKind

# The seed's figures (2023).
MEDIATED = 392
MAJOR = 16
SHARED_COURT = 15
ONLINE = 3
# Assumptions (the seed does not say).
KINDS = {
    K.NEIGHBOUR: 90, K.FAMILY: 55, K.LABOUR: 60, K.DAMAGES: 50, K.DEBT: 40, K.LAND: 35, K.FISHERY: 30,
    K.CONTRACT: 25, K.OTHER: 7,
}  # fmt: skip
FAILED = 10
REFERRED = 5  # during mediation
OPEN_AT_YEAR_END = 4
NOT_ACCEPTED = 4
REFERRED_BEFORE = 3
WRITTEN_SHARE = 0.6
JUDICIAL_ON_SITE = 8  # on-site written agreements confirmed by a court (besides the shared court's)
COURT_KINDS = (K.DEBT, K.CONTRACT, K.DAMAGES, K.LABOUR, K.FAMILY)
ONLINE_KINDS = (K.DEBT, K.CONTRACT, K.DAMAGES)
MAJOR_KINDS = (K.LAND, K.LABOUR, K.FISHERY, K.DAMAGES)
ORAL_KINDS = (K.NEIGHBOUR, K.FAMILY)
COURT = "舟山市普陀区人民法院"


@dataclass(frozen=True)
class Plan:
    mediated: int
    major: int
    shared_court: int
    online: int
    failed: int
    referred: int
    open: int  # still being mediated at the year's end
    agreements: int
    written: int
    judicial: int  # written agreements confirmed by a court in the year
    not_accepted: int
    referred_before: int
    kinds: dict[str, int]

    @property
    def registered(self) -> int:
        return self.mediated + self.not_accepted + self.referred_before


def allocate(total: int, weights: dict[Any, int]) -> dict[Any, int]:
    """`total` split by `weights` (largest remainder; ties in the order of `weights`)."""
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    order = sorted(weights, key=lambda k: -(exact[k] - out[k]))
    for k in order[: total - sum(out.values())]:
        out[k] += 1
    return out


def plan(scale: float) -> Plan:
    def one(x: int) -> int:
        return max(1, round(x * scale))

    mediated = one(MEDIATED)
    shared = min(one(SHARED_COURT), mediated)
    online = min(one(ONLINE), mediated - shared)
    free = mediated - shared - online
    failed = min(round(FAILED * scale), free)
    referred = min(round(REFERRED * scale), free - failed)
    open_ = min(round(OPEN_AT_YEAR_END * scale), free - failed - referred)
    agreements = mediated - failed - referred - open_
    written = min(agreements, max(shared + online + one(MAJOR), round(agreements * WRITTEN_SHARE)))
    return Plan(
        mediated=mediated,
        major=min(one(MAJOR), mediated),
        shared_court=shared,
        online=online,
        failed=failed,
        referred=referred,
        open=open_,
        agreements=agreements,
        written=written,
        judicial=shared + min(round(JUDICIAL_ON_SITE * scale), written - shared - online),
        not_accepted=round(NOT_ACCEPTED * scale),
        referred_before=round(REFERRED_BEFORE * scale),
        kinds={str(k): v for k, v in allocate(mediated, KINDS).items()},
    )


# --- Texts -------------------------------------------------------------------------------------------

# Per kind: (facts, the agreement's facts, responsibilities, terms, performance manner, oral terms,
# failure reason). {a} applicant, {b} respondent, {amt} an amount, {due} the performance date, {n} a
# number, {v} the village.
TEXTS: dict[str, tuple[tuple[str, str, str, str, str, str, str], ...]] = {
    K.NEIGHBOUR: (
        ("{b}家在两户共用通道上堆放渔网和泡沫浮球，{a}家进出受阻，双方多次争吵。",
         "{b}在两户共用通道堆放渔网、浮球，妨碍{a}通行；争议事项为通道的使用和杂物的清理。",
         "{b}堆放杂物妨碍通行，负主要责任；{a}言语过激，负次要责任。",
         "一、{b}于{due}前清理共用通道上的渔网、浮球，今后不在通道堆放杂物；二、{a}不再追究。",
         "{b}自行清理，人民调解员现场查看。",
         "{b}当场同意搬走渔网和浮球，{a}不再追究。",
         "{b}坚持通道属于自家宅基地，拒绝清理，双方分歧较大"),
        ("{b}家新建房屋的雨水管直接排向{a}家院墙，雨天院内积水，墙脚受损。",
         "{b}新建房屋的雨水管朝向{a}家院墙排水，致{a}家院内积水、墙脚受损；争议事项为排水改造和损失补偿。",
         "{b}排水设施设置不当，对{a}的损失负全部责任。",
         "一、{b}于{due}前将雨水管改接至村排水沟；二、{b}一次性补偿{a}墙脚修缮费{amt}元。",
         "{b}自行改接雨水管，补偿款以现金当面支付。",
         "{b}同意近日将雨水管改接到排水沟，{a}自行修补墙脚。",
         "双方对墙脚受损的原因各执一词，{b}拒绝补偿"),
        ("{b}在楼顶搭建鸽棚，鸽子的噪声和异味影响楼下{a}家的生活。",
         "{b}在楼顶搭建鸽棚饲养鸽子，噪声和异味影响{a}家生活；争议事项为鸽棚的拆除。",
         "{b}搭建鸽棚影响相邻住户生活，负全部责任。",
         "一、{b}于{due}前拆除楼顶鸽棚，不再在楼顶饲养鸽子；二、{a}不再就此向有关部门投诉。",
         "{b}自行拆除，村调委会现场查看。",
         "{b}同意减少饲养数量并每日清扫鸽棚，{a}表示认可。",
         "{b}认为鸽棚不影响他人，拒绝拆除"),
        ("{a}与{b}因院墙边树木遮挡采光、落叶堵塞水沟发生争执。",
         "{b}种植在院墙边的树木遮挡{a}家采光，落叶堵塞水沟；争议事项为树木的修剪。",
         "{b}对树木疏于管理，负主要责任。",
         "一、{b}于{due}前修剪越过院墙的树枝；二、今后由{b}定期修剪、清理落叶。",
         "{b}请人修剪，费用自理。",
         "{b}同意请人修剪树枝，{a}表示满意。",
         "{b}不同意修剪，双方关系紧张"),
    ),
    K.FAMILY: (
        ("{a}年过七旬，子女{b}等对赡养费的分担有分歧，老人生活费没有着落。",
         "{a}年老体弱，无固定收入，子女对赡养费的分担存在分歧；争议事项为赡养费的数额和支付方式。",
         "子女对父母有赡养扶助的义务，{b}应当按约定承担赡养费。",
         "一、{b}自{due}起每月支付{a}赡养费{amt}元；二、{a}的医疗费凭票据由子女平均分担。",
         "每月5日前转账至{a}本人的银行账户。",
         "{b}同意每月给父亲生活费，医疗费由兄弟姐妹平均分担。",
         "子女之间对父母财产的分配意见不一，{b}拒绝承担赡养费"),
        ("{a}与丈夫{b}因{b}长年出海、家庭开支问题频繁争吵，{a}提出离婚。",
         "{a}与{b}系夫妻，因家庭开支和照顾子女问题长期争吵；争议事项为是否离婚及家庭收入的管理。",
         "双方均有不冷静之处，应当互相体谅。",
         "一、双方同意和好，不再提出离婚；二、{b}的工资收入每月交由双方共同管理，大额支出共同商量。",
         "双方自觉履行，村妇联主任定期回访。",
         "双方表示和好，{b}保证每月按时把工资交家用。",
         "{a}坚持离婚，双方对财产分割分歧较大"),
        ("{a}与{b}（兄弟）因父母遗留老屋的继承和分割发生争议。",
         "{a}与{b}系兄弟，对父母遗留的老屋如何继承分割存在争议。",
         "双方均为第一顺序继承人，应当协商分割遗产。",
         "一、老屋由{b}继承；二、{b}于{due}前一次性补偿{a}{amt}元。",
         "补偿款转账至{a}的银行账户。",
         "兄弟二人同意老屋归{b}，{b}给{a}一笔补偿款。",
         "双方对老屋的价值分歧过大，经多次调解无法达成一致"),
    ),
    K.LAND: (
        ("{a}与{b}两户宅基地相邻，{b}翻建房屋时地基越过原界址约{n}平方米。",
         "{b}翻建房屋时地基越过两户原审批界址约{n}平方米；争议事项为宅基地界址。",
         "{b}翻建时未按审批范围施工，负主要责任。",
         "一、以原审批图纸为准重新定界，{b}于{due}前拆除越界部分围墙；二、{b}补偿{a}围墙重建费{amt}元。",
         "由村委会和镇城建办现场放样，{b}自行拆除，补偿款当面支付。",
         "{b}同意按原界址后退，双方现场确认界桩。",
         "{b}坚持按现状确权，双方无法达成一致"),
        ("{a}与{b}因山林承包地界不清，对山上{n}株杨梅树的归属发生争议。",
         "{a}与{b}承包的山林相邻，四至记载不清，对{n}株杨梅树的归属存在争议。",
         "双方承包合同四至记载不清，双方均有责任。",
         "一、争议杨梅树按现场确认的界线分别归双方所有；二、今后双方以埋设的界桩为界。",
         "村委会埋设界桩，双方签字确认。",
         "双方同意按老辈确认的界线分割杨梅树。",
         "双方各执承包合同，对界线的认定分歧较大"),
        ("{a}将承包地流转给{b}种植，{b}拖欠两年流转费{amt}元。",
         "{a}与{b}签订土地流转合同，{b}拖欠两年流转费；争议事项为流转费的支付。",
         "{b}未按合同支付流转费，负全部责任。",
         "一、{b}于{due}前支付拖欠的流转费{amt}元；二、合同继续履行，今后流转费每年年底前付清。",
         "转账至{a}的银行账户。",
         "{b}同意年底前付清流转费。",
         "{b}以收成不好为由拒绝支付"),
    ),
    K.LABOUR: (
        ("{a}等{n}人在{b}承包的船厂分段班组从事电焊工作，{b}拖欠工资共计{amt}元。",
         "{a}等人受雇于{b}，在船厂分段班组从事电焊作业，{b}拖欠工资；争议事项为工资的数额和支付时间。",
         "{b}作为用工负责人应当按时足额支付劳动报酬，负全部责任。",
         "一、{b}于{due}前支付拖欠的工资共计{amt}元；二、船厂总包单位对上述款项的支付承担监督责任。",
         "转账至每名工人的银行账户，镇人力社保所现场见证。",
         "{b}同意在月底前把工资结清。",
         "{b}以总包单位未付工程款为由拒绝支付"),
        ("{a}受雇于{b}的渔船出海捕捞，因渔获分成和工资结算发生争议。",
         "{a}受雇在{b}的渔船上工作，双方对渔获分成和工资结算存在争议。",
         "双方口头约定不明确，{b}应当按行业惯例结算工资。",
         "一、{b}于{due}前支付{a}工资{amt}元；二、双方劳务关系自协议签订之日终止。",
         "现金当面支付。",
         "{b}同意按航次结算补发工资。",
         "双方对工资结算标准分歧较大"),
        ("{a}在{b}处做木工时从脚手架摔下受伤，双方就医疗费和误工费赔偿发生争议。",
         "{a}为{b}提供劳务时受伤，双方对医疗费、误工费的赔偿存在争议。",
         "{b}作为接受劳务一方未尽安全保障义务，承担主要责任；{a}自身疏忽，承担次要责任。",
         "一、{b}于{due}前一次性赔偿{a}医疗费、误工费等共计{amt}元；二、此后双方再无其他纠纷。",
         "转账至{a}的银行账户。",
         "{b}同意承担大部分医疗费。",
         "双方对伤情和赔偿数额分歧较大，{a}要求伤残鉴定后再议"),
    ),
    K.DEBT: (
        ("{b}于前年向{a}借款{amt}元用于购买渔网，约定一年归还，至今未还。",
         "{b}向{a}借款，约定一年内归还，到期未还；争议事项为借款的归还。",
         "{b}未按约定还款，负全部责任。",
         "一、{b}于{due}前归还{a}借款{amt}元；二、{a}放弃利息。",
         "转账至{a}的银行账户。",
         "{b}同意分两次还清借款。",
         "{b}表示无力偿还，双方无法就还款计划达成一致"),
        ("{b}在{a}的冰厂赊购冰块和柴油，欠货款{amt}元未付。",
         "{b}在{a}处赊购冰块和柴油，欠付货款；争议事项为货款的支付。",
         "{b}拖欠货款，负全部责任。",
         "一、{b}于{due}前支付{a}货款{amt}元；二、双方以后交易现款结算。",
         "现金当面支付。",
         "{b}同意鱼汛结束后付清货款。",
         "{b}对货款数额有异议，双方账目对不上"),
    ),
    K.DAMAGES: (
        ("{b}驾驶电动三轮车与{a}骑行的电瓶车相撞，{a}受伤住院。",
         "{b}驾驶电动三轮车与{a}的电瓶车相撞致{a}受伤；争议事项为医疗费、误工费等损失的赔偿。",
         "经交警部门认定，{b}负事故主要责任，{a}负次要责任。",
         "一、{b}于{due}前一次性赔偿{a}医疗费、误工费、护理费等共计{amt}元；二、此后双方就本次事故再无纠纷。",
         "转账至{a}的银行账户。",
         "{b}同意承担全部医疗费并赔偿误工损失。",
         "双方对误工天数和赔偿数额分歧较大"),
        ("{b}饲养的狗将{a}咬伤，{a}支出疫苗和医疗费用。",
         "{b}饲养的狗咬伤{a}；争议事项为医疗费的赔偿。",
         "{b}作为饲养人应当承担侵权责任。",
         "一、{b}于{due}前赔偿{a}疫苗费、医疗费和误工费共计{amt}元；二、{b}今后拴养犬只。",
         "现金当面支付。",
         "{b}当场支付医药费，并保证今后拴养。",
         "{b}否认是自家的狗咬人"),
        ("{b}家装修时水管破裂，楼下{a}家的天花板和家具被水浸泡受损。",
         "{b}装修时水管破裂，致楼下{a}家天花板和家具受损；争议事项为维修和赔偿。",
         "{b}装修不当造成损失，负全部责任。",
         "一、{b}于{due}前负责修复{a}家天花板；二、{b}赔偿{a}家具损失{amt}元。",
         "{b}请装修队修复，赔偿款当面支付。",
         "{b}同意请人修好天花板并赔偿家具损失。",
         "双方对家具损失的数额分歧较大"),
    ),
    K.CONTRACT: (
        ("{a}将房屋出租给{b}经营小吃店，{b}拖欠房租{amt}元并提前退租。",
         "{a}与{b}签订房屋租赁合同，{b}拖欠房租并提前退租；争议事项为房租和押金的结算。",
         "{b}违约提前退租并拖欠房租，负主要责任。",
         "一、{b}于{due}前支付拖欠的房租{amt}元；二、{a}退还押金，双方租赁合同解除。",
         "双方当面结算。",
         "{b}同意补交房租，{a}退还押金。",
         "双方对押金的扣除分歧较大"),
        ("{a}请{b}装修房屋，完工后卫生间漏水，双方对返工和尾款支付发生争议。",
         "{b}承包{a}房屋的装修，完工后卫生间漏水；争议事项为返工和尾款支付。",
         "{b}施工质量存在问题，负主要责任。",
         "一、{b}于{due}前对卫生间防水返工；二、返工验收合格后{a}支付尾款{amt}元。",
         "返工后双方共同验收，尾款转账支付。",
         "{b}同意返工，{a}返工后付清尾款。",
         "{b}认为漏水系使用不当所致，拒绝返工"),
    ),
    K.FISHERY: (
        ("{a}与{b}相邻的紫菜养殖区界址不清，{b}的养殖筏架伸入{a}的养殖区。",
         "{a}与{b}的紫菜养殖区相邻，{b}的养殖筏架伸入{a}的养殖区；争议事项为养殖区界址。",
         "{b}超出养殖区设置筏架，负主要责任。",
         "一、{b}于{due}前将伸入{a}养殖区的筏架移回；二、双方以渔业部门确认的坐标为界。",
         "{b}自行移回筏架，镇农业农村办现场确认。",
         "{b}同意移回筏架。",
         "双方对养殖区坐标的认定分歧较大"),
        ("{b}的渔船作业时割断{a}设置的定置网具，造成网具和渔获损失。",
         "{b}的渔船作业时损坏{a}的定置网具；争议事项为网具和渔获损失的赔偿。",
         "{b}作业时未注意避让，负全部责任。",
         "一、{b}于{due}前赔偿{a}网具和渔获损失{amt}元；二、今后双方作业时相互避让。",
         "现金当面支付。",
         "{b}同意赔偿网具损失。",
         "{b}否认损坏网具"),
        ("{a}将渔船租给{b}使用，{b}退租时船体和设备有损坏，双方就维修费用发生争议。",
         "{a}将渔船出租给{b}，退租时船体和设备受损；争议事项为维修费用。",
         "{b}使用不当造成损坏，负主要责任。",
         "一、{b}于{due}前支付{a}维修费用{amt}元；二、双方租船合同终止。",
         "转账至{a}的银行账户。",
         "{b}同意承担维修费用。",
         "双方对损坏原因和维修费用分歧较大"),
    ),
    K.OTHER: (
        ("{a}与{b}合伙经营海鲜排档，散伙后对合伙财产的分割发生争议。",
         "{a}与{b}合伙经营海鲜排档，散伙后对设备和债权债务的分割存在争议。",
         "双方对合伙财产的分割均有责任。",
         "一、排档设备归{b}所有；二、{b}于{due}前补偿{a}{amt}元，合伙期间的债务由{b}承担。",
         "转账至{a}的银行账户。",
         "双方同意设备归{b}，{b}给{a}一笔补偿。",
         "双方对合伙账目分歧较大"),
    ),
}  # fmt: skip

MAJOR_NOTES = (
    "涉及人数多、金额大，矛盾易激化，列为重大疑难纠纷，由镇领导牵头调处",
    "双方矛盾尖锐，存在民转刑风险，列为重大疑难纠纷，严格执行两个“24小时”原则",
    "涉及历史遗留问题，调处难度大，列为重大疑难纠纷",
)
EXTENSION_REASONS = (
    "双方分歧较大，需进一步调查取证",
    "当事人申请延期，待补充证据材料",
    "需协调相关部门共同调处",
)
PLACES = ("镇人民调解委员会调解室", "{v}调解室", "纠纷现场", "{v}文化礼堂")
NOT_ACCEPTED_REASONS = (
    "被申请人明确拒绝调解（《中华人民共和国人民调解法》第十七条），已告知当事人依法通过诉讼途径解决",
    "该纠纷已由人民法院立案受理，不再受理调解申请",
)
REFERRALS_BEFORE = (
    ("other", "六横派出所", "纠纷中一方有殴打他人行为，涉嫌治安违法，移交公安机关处理"),
    ("arbitration", "舟山市普陀区劳动人事争议仲裁院", "申请人要求通过劳动仲裁解决，引导其申请仲裁"),
)
REFERRALS_DURING = (
    ("court", COURT, "调解中当事人坚持诉讼，引导至诉讼服务中心立案"),
    ("arbitration", "舟山市普陀区劳动人事争议仲裁院", "双方对劳动关系认定分歧较大，引导通过劳动仲裁解决"),
)
FOLLOW_UP_NOTES = {
    "performed": ("协议已全部履行，双方关系和睦", "回访当事人，协议已履行完毕，无反复"),
    "partly": ("已履行部分内容，余下部分督促按期履行",),
}


@dataclass
class Cast:
    town: Region
    villages: list[Region]
    dispatchers: list[User]
    leaders: list[User]
    mediators: list[User]  # handlers of the mediation department
    cadres: dict[int, User]  # village id → cadre
    micro_grids: dict[int, list[Region]]  # village id → its micro-grids (where a case sits)

    @classmethod
    def load(cls, town: Region) -> Cast:
        villages = list(
            Region.objects.defer("boundary")
            .filter(path__startswith=town.path, level=Level.VILLAGE, is_active=True)
            .order_by("code")
        )
        users = User.objects.filter(is_active=True).order_by("username")
        cadres: dict[int, User] = {}
        links = User.regions.through.objects.filter(
            region__in=villages, user__role=Role.VILLAGE_CADRE, user__is_active=True
        ).select_related("user")
        for link in links.order_by("user__username"):
            cadres.setdefault(link.region_id, link.user)
        micro_grids: dict[int, list[Region]] = {v.pk: [] for v in villages}
        by_path = {v.path: v.pk for v in villages}
        micro = Region.objects.defer("boundary").filter(path__startswith=town.path, level=Level.MICRO_GRID)
        for m in micro.order_by("code"):
            village = next((pk for path, pk in by_path.items() if m.path.startswith(path)), None)
            if village is not None:
                micro_grids[village].append(m)
        cast = cls(
            town=town,
            villages=villages,
            dispatchers=list(users.filter(role=Role.DISPATCHER, regions=town)),
            leaders=list(users.filter(role=Role.LEADER, regions=town)),
            mediators=list(
                users.filter(role=Role.HANDLER, departments__code=services._department().code).distinct()
            ),
            cadres=cadres,
            micro_grids=micro_grids,
        )
        if not (
            villages and all(micro_grids.values()) and cast.dispatchers and cast.leaders and cast.mediators
        ):
            raise RuntimeError("the mediation demo needs villages, dispatchers, leaders and mediators")
        return cast


@dataclass
class Spec:
    """One dispute of the plan: what happens to it."""

    day: date
    kind: str
    channel: str = MediationChannel.ON_SITE
    outcome: str = "agreement"  # agreement | failed | referred | open | not_accepted | referred_before
    major: bool = False
    major_at_registration: bool = False
    written: bool = False
    judicial: bool = False


@dataclass
class Written:
    disputes: int = 0
    sessions: int = 0
    extended: int = 0
    follow_ups: int = 0
    closed: int = 0
    judicial_applied: int = 0
    judicial_confirmed: int = 0


def _specs(p: Plan, rng: random.Random, year: int) -> list[Spec]:
    """Who gets what: deterministic from the plan and the rng; the counts are the plan's exactly."""
    kinds = [k for k, n in p.kinds.items() for _ in range(n)]
    rng.shuffle(kinds)
    closed_n = p.mediated - p.open
    days = spread(rng, closed_n, date(year, 1, 3), date(year, 12, 15))
    days += spread(rng, p.open, date(year, 12, 20), date(year, 12, 27))
    specs = [Spec(day=d, kind=k) for d, k in zip(days, kinds, strict=True)]
    for s in specs[closed_n:]:
        s.outcome = "open"
    pool = list(range(closed_n))

    def take(n: int, candidates: list[int], preferred: tuple[str, ...]) -> list[int]:
        ranked = sorted(candidates, key=lambda i: (specs[i].kind not in preferred, rng.random()))
        chosen = ranked[:n]
        if len(chosen) < n:
            raise RuntimeError("the mediation demo's plan does not fit its year")
        return chosen

    cutoff = date(year, 10, 15)  # time for the court's confirmation before the year's end
    shared = take(p.shared_court, [i for i in pool if specs[i].day <= cutoff], COURT_KINDS)
    for i in shared:
        specs[i].channel, specs[i].written, specs[i].judicial = MediationChannel.SHARED_COURT, True, True
    online = take(p.online, [i for i in pool if i not in shared], ONLINE_KINDS)
    for i in online:
        specs[i].channel, specs[i].written = MediationChannel.ONLINE, True
    on_site = [i for i in pool if i not in shared and i not in online]
    failed = take(p.failed, on_site, (K.FAMILY, K.LAND, K.NEIGHBOUR, K.DEBT))
    for i in failed:
        specs[i].outcome = "failed"
    referred = take(p.referred, [i for i in on_site if i not in failed], (K.LABOUR, K.DEBT, K.CONTRACT))
    for i in referred:
        specs[i].outcome = "referred"
    majors = sorted(
        range(p.mediated),
        key=lambda i: (specs[i].kind not in MAJOR_KINDS, specs[i].outcome != "agreement", rng.random()),
    )[: p.major]
    for n, i in enumerate(sorted(majors)):
        specs[i].major, specs[i].major_at_registration = True, n % 2 == 0
        if specs[i].outcome == "agreement":
            specs[i].written = True
    agreed_on_site = [i for i in on_site if specs[i].outcome == "agreement" and not specs[i].written]
    more = p.written - sum(1 for s in specs if s.written)
    for i in take(max(more, 0), agreed_on_site, tuple(k for k in DisputeKind.values if k not in ORAL_KINDS)):
        specs[i].written = True
    confirmable = [
        i for i in on_site if specs[i].written and specs[i].outcome == "agreement" and specs[i].day <= cutoff
    ]
    for i in take(p.judicial - p.shared_court, confirmable, COURT_KINDS):
        specs[i].judicial = True
    extra = [Spec(day=d, kind=rng.choice(list(p.kinds))) for d in spread(rng, p.not_accepted, date(year, 1, 10),
                                                                           date(year, 12, 10))]  # fmt: skip
    for s in extra:
        s.outcome = "not_accepted"
    before = [
        Spec(day=d, kind=K.LABOUR)
        for d in spread(rng, p.referred_before, date(year, 2, 1), date(year, 11, 30))
    ]
    for s in before:
        s.outcome = "referred_before"
    return sorted(specs + extra + before, key=lambda s: s.day)


class _Builder:
    def __init__(self, cast: Cast, rng: random.Random, people: People, year: int) -> None:
        self.cast, self.rng, self.people, self.year = cast, rng, people, year
        self.last = date(year, 12, 31)
        self.written = Written()
        self.names = {
            u.username: u.display_name or u.username for u in [*cast.mediators, *cast.cadres.values()]
        }

    def act(self, case: Case, action: str, actor: User, now: datetime, **payload: Any) -> Case:
        # The engine's transition (what `services.dispute_action` calls once it has checked that the case
        # is one of its kind, which it is here): the same checks, effects and events.
        return case_services.transition(case.pk, action, actor=actor, payload=payload, now=now)

    def parties(self, s: Spec, village: Region) -> tuple[list[Person], list[Person]]:
        rng, v = self.rng, village.name
        if s.kind == K.LABOUR:
            many = rng.randint(3, 8) if s.major else 1
            return [self.people.person(v, local=False) for _ in range(many)], [
                self.people.person(v, born=(1965, 1990))
            ]
        if s.kind == K.LAND and s.major:
            return [self.people.person(v, born=(1945, 1975)) for _ in range(rng.randint(2, 4))], [
                self.people.person(v)
            ]
        if s.kind == K.FAMILY:
            return [self.people.person(v, born=(1945, 1960))], [self.people.person(v, born=(1968, 1990))]
        return [self.people.person(v)], [self.people.person(v)]

    def text(
        self, template: str, a: Person, b: Person, due: date | None, village: Region, amount: int, n: int
    ) -> str:
        return template.format(
            a=a.name, b=b.name, amt=f"{amount:,}", n=n, v=village.name,
            due=f"{due.year}年{due.month}月{due.day}日" if due else "",
        )  # fmt: skip

    def dispute(self, s: Spec) -> None:
        rng, cast = self.rng, self.cast
        village = cast.villages[rng.randrange(len(cast.villages))]
        cadre = cast.cadres.get(village.pk)
        applicants, respondents = self.parties(s, village)
        a, b = applicants[0], respondents[0]
        # The first labour text is the group one (several workers' wages): major labour disputes only.
        choices = TEXTS[s.kind]
        if s.kind == K.LABOUR:
            choices = choices[:1] if s.major else choices[1:]
        texts = rng.choice(choices)
        n = len(applicants) + rng.randint(0, 6) if len(applicants) > 1 else rng.randint(5, 30)
        if len(applicants) > 1:
            amount = n * rng.randint(8, 20) * 1000
        else:
            amount = rng.randint(40, 400) * 1000 if s.major else rng.randint(2, 60) * 500
        t = office(s.day, rng)
        registrar = (
            cadre
            if (cadre is not None and s.channel == MediationChannel.ON_SITE and rng.random() < 0.4)
            else rng.choice(cast.dispatchers)
        )
        external = ""
        if s.channel == MediationChannel.SHARED_COURT:
            external = f"（{self.year}）浙0903民诉前调{rng.randint(300, 4000)}号"
        elif s.channel == MediationChannel.ONLINE:
            external = f"解纷码{self.year}{rng.randrange(10**8):08d}"
        data = services.DisputeInput(
            kind=s.kind,
            facts=self.text(texts[0], a, b, None, village, amount, n),
            region=rng.choice(cast.micro_grids[village.pk]).code,
            address=f"舟山市普陀区六横镇{village.name}",
            channel=s.channel,
            parties=[
                *(services.PartyInput(name=p.name, role="applicant", id_number=p.id_number, phone=p.phone,
                                      address=p.address) for p in applicants),
                *(services.PartyInput(name=p.name, role="respondent", id_number=p.id_number, phone=p.phone,
                                      address=p.address) for p in respondents),
            ],
            external_ref=external,
            major=s.major_at_registration,
            major_note=rng.choice(MAJOR_NOTES) if s.major_at_registration else "",
        )  # fmt: skip
        case = services.register_dispute(actor=registrar, data=data, now=t).case
        self.written.disputes += 1
        mediator = rng.choice(cast.mediators)
        t = later(t, rng, 0, 2)
        if s.outcome == "not_accepted":
            self.act(case, "not_accept", mediator, t, reason=rng.choice(NOT_ACCEPTED_REASONS))
            return
        if s.outcome == "referred_before":
            kind, authority, note = rng.choice(REFERRALS_BEFORE)
            self.act(case, "refer", mediator, t, refer_to=kind, authority=authority, note=note)
            return
        mediators = [mediator.username]
        if cadre is not None and s.channel == MediationChannel.ON_SITE and rng.random() < 0.4:
            mediators.append(cadre.username)
        case = self.act(case, "accept", mediator, t, mediators=mediators)
        accepted = t
        acc_day = calendar.local_date(accepted)
        steps: list[tuple[datetime, str, User, dict[str, Any]]] = []
        if s.major and not s.major_at_registration:
            note = rng.choice(MAJOR_NOTES)
            steps.append(
                (later(t, rng, 1, 3, cap=self.last), "flag_major", rng.choice(cast.leaders), {"note": note})
            )
        # When the mediation ends (None: still being mediated at the year's end).
        end: datetime | None = None
        sessions_end = min(acc_day + timedelta(days=3), self.last)
        if s.outcome != "open":
            if s.major:
                lo, hi = 25, 55
            elif s.channel != MediationChannel.ON_SITE:
                lo, hi = 7, 25
            elif not s.written and s.outcome == "agreement":
                lo, hi = 0, 6
            else:
                lo, hi = 3, 25
            end = later(accepted, rng, lo, hi, cap=min(acc_day + timedelta(days=58), date(self.year, 12, 30)))
            sessions_end = calendar.local_date(end)
            if sessions_end > acc_day + timedelta(days=28):
                # An extension before the 30 days run out, long enough for the planned end.
                ext_day = workday(acc_day + timedelta(days=rng.randint(20, 26)), acc_day + timedelta(days=29))
                days = min(30, max(10, (sessions_end - acc_day).days - 30 + rng.randint(3, 8)))
                reason = rng.choice(EXTENSION_REASONS)
                when = max(at(ext_day, 16, rng.randrange(60)), accepted + timedelta(minutes=10))
                steps.append((when, "extend", mediator, {"days": days, "reason": reason}))
                self.written.extended += 1
        # Sessions (调解记录), the last one on the day the mediation ends.
        if s.outcome == "open" or (not s.written and s.outcome == "agreement"):
            n = 1
        else:
            n = rng.randint(3, 5) if s.major else rng.randint(1, 3)
        span = (sessions_end - acc_day).days
        days_held = sorted({acc_day + timedelta(days=round(span * (k + 1) / n)) for k in range(n)})
        names = [p.name for p in applicants + respondents][:6]
        who = "、".join(self.names[u] for u in mediators)
        attendees = f"当事人{'、'.join(names)}；人民调解员{who}"
        if s.channel == MediationChannel.SHARED_COURT:
            place = "六横镇共享法庭"
        elif s.channel == MediationChannel.ONLINE:
            place = "“浙江解纷码”线上调解"
        else:
            place = rng.choice(PLACES).format(v=village.name)
        for k, d in enumerate(days_held):
            last = k == len(days_held) - 1
            if end is not None and last:
                when = end - timedelta(minutes=40)
            else:
                when = at(d, rng.randint(9, 15), rng.randrange(60))
            when = max(when, accepted + timedelta(minutes=5 + k))
            if last and end is None:
                notes = "双方分歧较大，约定年后再次调解"
            elif k == 0:
                notes = "听取双方陈述，核实纠纷事实，释明相关法律规定"
            elif not last:
                notes = "分别做双方工作，缩小分歧"
            else:
                notes = "双方意见趋于一致，形成调解方案" if s.outcome == "agreement" else "双方分歧仍然较大"
            payload = {"held_on": d.isoformat(), "place": place, "attendees": attendees, "notes": notes}
            steps.append((when, "record_session", mediator, payload))
            self.written.sessions += 1
        for when, action, actor, payload in sorted(steps, key=lambda step: step[0]):
            case = self.act(case, action, actor, when, **payload)
            t = when
        if end is None:
            return
        end = max(end, t + timedelta(minutes=10))
        if s.outcome == "failed":
            self.act(case, "fail", mediator, end, reason=self.text(texts[6], a, b, None, village, amount, n))
            return
        if s.outcome == "referred":
            kind, authority, note = rng.choice(REFERRALS_DURING)
            self.act(case, "refer", mediator, end, refer_to=kind, authority=authority, note=note)
            return
        effective = calendar.local_date(end)
        due = effective + timedelta(days=rng.randint(5, 45))
        if s.written:
            payload = {
                "form": "written",
                "facts": self.text(texts[1], a, b, due, village, amount, n),
                "responsibilities": self.text(texts[2], a, b, due, village, amount, n),
                "terms": self.text(texts[3], a, b, due, village, amount, n),
                "performance_manner": self.text(texts[4], a, b, due, village, amount, n),
                "performance_due": due.isoformat(),
                "effective_on": effective.isoformat(),
            }
        else:
            due = effective + timedelta(days=rng.randint(1, 10))
            payload = {"form": "oral", "terms": self.text(texts[5], a, b, due, village, amount, n),
                       "effective_on": effective.isoformat()}  # fmt: skip
        case = self.act(case, "agree", mediator, end, **payload)
        t = end
        if s.judicial:
            t = later(t, rng, 1, 8, cap=date(self.year, 12, 29))
            court = f"{COURT}（六横共享法庭）" if s.channel == MediationChannel.SHARED_COURT else COURT
            case = self.act(case, "judicial_apply", mediator, t, applied_on=calendar.local_date(t).isoformat(),
                            court=court)  # fmt: skip
            self.written.judicial_applied += 1
            t = later(t, rng, 3, 12, cap=self.last)
            case = self.act(case, "judicial_decision", mediator, t, confirmed=True,
                            decided_on=calendar.local_date(t).isoformat())  # fmt: skip
            self.written.judicial_confirmed += 1
        # 回访 after the performance date; then 结案.
        visit = later(max(t, at(due, 9)), rng, 1, 10)
        if calendar.local_date(visit) > self.last:
            return
        performance = "performed" if rng.random() < 0.92 else "partly"
        case = self.act(case, "follow_up", mediator, visit, performance=performance,
                        visited_on=calendar.local_date(visit).isoformat(),
                        note=rng.choice(FOLLOW_UP_NOTES[performance]))  # fmt: skip
        self.written.follow_ups += 1
        if performance == "partly":
            visit = later(visit, rng, 10, 25)
            if calendar.local_date(visit) > self.last:
                return
            case = self.act(case, "follow_up", mediator, visit, performance="performed",
                            visited_on=calendar.local_date(visit).isoformat(), note=FOLLOW_UP_NOTES["performed"][1])  # fmt: skip
            self.written.follow_ups += 1
        close = visit + timedelta(minutes=rng.randint(30, 240))
        if calendar.local_date(close) > self.last:
            return
        self.act(case, "close", rng.choice([mediator, *cast.dispatchers]), close, note="协议已履行，结案归档")
        self.written.closed += 1


def build_disputes(
    *, town: Region, seed: int, year: int, scale: float, stdout: Out = print
) -> dict[str, int]:
    """Write the disputes of `year` in `town` through the services (inside the caller's transaction)."""
    started = time.monotonic()
    rng = random.Random(f"{seed}:mediation")  # noqa: S311  (demo data, not secrets)
    p = plan(scale)
    b = _Builder(Cast.load(town), rng, People(random.Random(f"{seed}:mediation:people")), year)  # noqa: S311
    for s in _specs(p, rng, year):
        b.dispute(s)
    w = b.written
    stdout(
        f"mediation: {w.disputes} disputes, {p.mediated} mediated ({p.major} major, {p.shared_court} shared court, "
        f"{p.online} online), {p.agreements} agreements, {w.sessions} sessions, {w.judicial_confirmed} judicial "
        f"confirmations, {w.closed} closed ({time.monotonic() - started:.1f} s)"
    )
    return {
        "disputes": w.disputes,
        "disputes_mediated": p.mediated,
        "dispute_sessions": w.sessions,
        "dispute_extensions": w.extended,
        "dispute_follow_ups": w.follow_ups,
        "disputes_closed": w.closed,
        "judicial_confirmations": w.judicial_confirmed,
    }


def reset_disputes(paths: list[str]) -> dict[str, int]:
    """Delete the mediation records of the towns under `paths` (before their cases, staff and regions)."""
    under = Q(pk__in=[])
    for p in paths:
        under |= Q(case__region_path__startswith=p)
    disputes = Dispute.objects.filter(under)
    return {"disputes": disputes.delete()[1].get(Dispute._meta.label, 0)}
