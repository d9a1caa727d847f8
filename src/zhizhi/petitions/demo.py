"""The petitions part of `zhizhi demo`: the year's petitions (信访), the backlog cases resolved in it
and a few key-person plans, calibrated to the seed's 2023 figures (all × scale, at least one each):

- 受理群众来信来访、网上信访95件, 全部按时答复办结 → 95 petitions registered in the year (`received`);
  each is accepted within the 15 days and answered within the 60 (or within an approved
  extension), so `on_time_rate` is 1.0. A few are not accepted (the matter is before a court or an
  arbitration body) or referred to the district body that may decide them: they count in `received`
  and are decided within the 15 days, but are not `answered`. Some answers are followed by a
  request for review (复查); one backlog petition goes on to re-review (复核). Some petitions repeat
  an earlier one of the same petitioner (`repeat_of`); a few are supervised (督办).
- 群体性信访事项7批次 → 7 group petitions (`group`: visits of 6–40 people with 2–5 representatives),
  all closed in the year with the petitioners settled (多部门联合化解).
- 化解信访积案4件 → 4 backlog petitions (`backlog_resolved`): three registered in the two years
  before and listed as backlog there, one registered in January and listed after its re-review;
  all closed in the year with the petitioner settled (息诉罢访, `Petition.settled`).
- 签订息访承诺书两份 → the model has no field for a written pledge: `settled` (息诉罢访) is broader and
  every resolved backlog case needs it. The two pledges are the closing notes of two of those
  backlog petitions ("……签订息访承诺书"), counted in the build's result as `pledges`.
- The backlog petitioners and some group representatives are key persons (一人一策) with their
  cadres' contact logs; a backlog petitioner is delisted a few weeks after the case is closed.

Everything is written through the services (`register_petition`, `petition_action`,
`save_key_person`, `log_contact`, `delist_key_person`) with `now=` the generated moment, so the
clocks, opinions and events are the real ones. Unlike the rest of the demo, the earlier backlog
petitions have timestamps in the two years before the demo year (they were registered then).
Deterministic from the seed: random.Random(f"{seed}:petitions"), no clock read for generated data.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q

from zhizhi.accounts.models import Role, User
from zhizhi.cases import services as case_services
from zhizhi.cases.models import Case
from zhizhi.core import calendar
from zhizhi.demo.people import People, Person
from zhizhi.demo.timeline import later, office, spread, workday
from zhizhi.petitions import services
from zhizhi.petitions.models import ContactMethod, KeyPerson, Petition, RiskLevel
from zhizhi.territory.models import Level, Region

Out = Callable[[str], None]

# The seed's figures (2023).
RECEIVED = 95
GROUP = 7
BACKLOG_RESOLVED = 4
PLEDGES = 2
# Assumptions (the seed does not say).
BACKLOG_IN_YEAR = 1  # of the backlog cases, registered in the demo year (the others before it)
NOT_ACCEPTED = 2
REFERRED = 3
EXTENDED = 4
REVIEWS = 4  # requests for review of ordinary petitions (the in-year backlog one comes on top)
REPEATS = 6
SUPERVISED = 4
KEY_PERSONS = 6  # the backlog petitioners first, then group representatives
EARLY = 0.6  # reviews and extensions among the first 60 % of the year's petitions (time to finish)


@dataclass(frozen=True)
class Plan:
    received: int
    group: int
    backlog: int  # backlog petitions closed, settled, in the year
    backlog_in_year: int  # of those, registered in the year (in `received`)
    pledges: int
    not_accepted: int
    referred: int
    extended: int
    reviews: int  # review requests in the year (ordinary ones and the in-year backlog ones)
    re_reviews: int  # re-review requests in the year (the in-year backlog ones)
    repeats: int
    supervised: int
    key_persons: int

    @property
    def earlier(self) -> int:
        return self.backlog - self.backlog_in_year

    @property
    def ordinary(self) -> int:
        """Accepted in-year petitions that are neither group nor backlog ones."""
        return self.received - self.group - self.backlog_in_year - self.not_accepted - self.referred


def plan(scale: float) -> Plan:
    def one(x: int) -> int:
        return max(1, round(x * scale))

    received = one(RECEIVED)
    group = min(one(GROUP), received)
    backlog = one(BACKLOG_RESOLVED)
    backlog_in_year = min(round(backlog * BACKLOG_IN_YEAR / BACKLOG_RESOLVED), received - group)
    free = received - group - backlog_in_year
    not_accepted = min(round(NOT_ACCEPTED * scale), free)
    referred = min(round(REFERRED * scale), free - not_accepted)
    ordinary = free - not_accepted - referred
    early = int(ordinary * EARLY * 0.8)  # ordinary ones among the first 60 %, with a margin
    reviews = min(round(REVIEWS * scale), early // 2)
    extended = min(round(EXTENDED * scale), early - reviews)
    return Plan(
        received=received,
        group=group,
        backlog=backlog,
        backlog_in_year=backlog_in_year,
        pledges=min(one(PLEDGES), backlog),
        not_accepted=not_accepted,
        referred=referred,
        extended=extended,
        reviews=reviews + backlog_in_year,
        re_reviews=backlog_in_year,
        repeats=min(round(REPEATS * scale), ordinary // 3),
        supervised=min(round(SUPERVISED * scale), ordinary + group),
        key_persons=min(one(KEY_PERSONS), backlog + group),
    )


# --- Texts -------------------------------------------------------------------------------------------

# (category, request, facts and reasons, decision, opinion, basis). {v} village, {y} year, {p} the
# year before, {n} a number, {m} a month, {amt} an amount.
SUBJECTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("rural_house_violation", "要求尽快审批本户危旧房翻建的建房申请",
     "本户老屋建于上世纪七十年代，墙体开裂、屋面漏雨，{p}年向村里提出翻建申请，至今未获审批。",
     "explain", "经核查，申请地块涉及村庄规划调整，镇村镇建设办已将其列入本年度第二批农房审批计划，规划公示结束后即予办理；"
     "审批期间由村委会协助落实临时安全措施。", "《中华人民共和国土地管理法》、《浙江省土地管理条例》"),
    ("minimum_living", "申请将本户纳入最低生活保障",
     "丈夫因病去世，本人患慢性病不能从事体力劳动，儿子在读高中，家庭没有固定收入。",
     "support", "经入户调查和家庭经济状况核对，你户符合最低生活保障条件，已报区民政局审核确认，自次月起按月发放低保金。",
     "《社会救助暂行办法》、《浙江省最低生活保障办法》"),
    ("wage_dispute", "要求船厂分包老板支付拖欠的工资{amt}元",
     "{p}年下半年在镇内一家修造船企业的分包班组做电焊工，老板以工程款未结为由一直拖欠工资。",
     "support", "经镇人力社保所约谈企业和分包负责人，企业已承诺在15日内代为支付拖欠工资；逾期不付的，依法移送劳动保障监察处理。",
     "《保障农民工工资支付条例》"),
    ("village_affairs", "要求村里公开近三年的集体收支账目",
     "村集体的海涂租赁收入和道路工程支出从未公开，村民对账目有疑问，向村委会反映后没有答复。",
     "support", "已责成村委会在村务公开栏公开近三年集体财务收支明细，镇农经站对上述收支进行专项审计，审计结果向村民公布。",
     "《中华人民共和国村民委员会组织法》"),
    ("noise", "要求解决船厂夜间施工噪声扰民问题",
     "住处附近船厂经常夜间打磨、敲击船体到凌晨，周边居民无法正常休息，多次打电话反映未见改善。",
     "support", "经生态环境所夜间现场监测，厂界噪声超标，已责令企业调整作业时间、增设隔声屏障，并纳入日常巡查。",
     "《中华人民共和国噪声污染防治法》"),
    ("road_damage", "要求修复通往码头的村道破损路面",
     "{v}通往渔港码头的道路因重车碾压多处塌陷，雨天积水，已有电瓶车在此摔倒。",
     "support", "镇城建办已将该路段列入年度农村公路养护计划，由施工单位在一个月内完成修复，修复前设置警示标志。",
     "《农村公路养护管理办法》"),
    ("land_homestead_dispute", "要求处理邻居翻建房屋占用本户宅基地的问题",
     "邻居翻建房屋时占用了本户约{n}平方米宅基地，经村里调解多次未果。",
     "explain", "经镇、村两级现场踏勘并调取原审批资料，已明确两户宅基地界址，邻居同意按原批准范围退让；对界址仍有异议的，可依法申请确权。",
     "《中华人民共和国土地管理法》"),
    ("crew_admin", "要求补发本人渔船{p}年度的燃油补贴",
     "本人渔船因船检证书到期延误年审，{p}年度燃油补贴没有发放，认为延误原因在检验机构。",
     "explain", "经核实，该船在补贴核定时点未持有有效的船舶检验证书，不符合当年补贴发放条件；已告知办理年审后可申请下一年度补贴。",
     "国家渔业油价补贴政策的相关规定"),
    ("employment_insurance", "要求办理被征地农民养老保障参保",
     "村里土地早年被征收，本人当时外出务工没有登记，至今未参加被征地农民养老保障。",
     "support", "经查阅征地档案，你属于该批次被征地人员，镇社会事务办已协助办理参保登记，按政策缴费后享受相应待遇。",
     "浙江省被征地农民社会保障的相关政策"),
    ("dangerous_house", "要求对邻近的危旧房屋采取安全措施",
     "隔壁无人居住的老屋屋顶已经塌陷，台风季节随时可能倒塌，危及本户安全。",
     "support", "经房屋安全鉴定为D级危房，已通知房屋所有人限期拆除；拆除前由村委会设置警戒，台风期间落实人员转移措施。",
     "《浙江省房屋使用安全管理条例》"),
    ("dust", "反映码头砂石堆场扬尘污染",
     "{v}附近码头的砂石堆场露天堆放、未加覆盖，大风天粉尘飘进居民家中。",
     "support", "已责令堆场经营者落实覆盖、喷淋和围挡措施，生态环境所和综合执法中队每周检查，整改不到位的依法处罚。",
     "《中华人民共和国大气污染防治法》"),
    ("water_supply", "要求解决居民家中自来水水压不足的问题",
     "{v}地势较高的十余户居民家中自来水水压不足，用水高峰时段经常停水。",
     "support", "经协调供水公司，已对该片区管网实施加压改造，改造完成前由供水公司在高峰时段加压供水。",
     "《城市供水条例》"),
    ("ferry_bus", "要求增加六横至沈家门的轮渡班次",
     "节假日和早晚高峰轮渡一票难求，车辆排队时间长，岛上群众出行不便。",
     "explain", "已将意见转交区交通运输部门和轮渡公司研究，节假日高峰期已加开临时班次，常态化班次调整待运力评估后确定。",
     "《浙江省水路运输管理条例》"),
    ("aquaculture", "要求赔偿海塘工程施工造成的养殖损失",
     "海塘加固工程施工期间泥浆排入附近海域，本户养殖的贝类大量死亡，要求施工单位赔偿。",
     "explain", "已委托第三方机构对养殖损失进行评估，施工单位同意按评估结论予以补偿；对评估结论有异议的，可以申请复核。",
     "《中华人民共和国民法典》"),
)  # fmt: skip

GROUP_SUBJECTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("wage_dispute", "要求船厂分包老板支付拖欠的工资共计{amt}元",
     "{n}名外来务工人员在镇内一家船厂的分包单位从事舾装作业，分包老板拖欠工资数月后失联。",
     "support", "经镇人力社保所、司法所、派出所联合协调，总包企业先行垫付全部拖欠工资，已足额发放到每名工人，"
     "再由总包企业向分包老板追偿。", "《保障农民工工资支付条例》"),
    ("land_homestead_dispute", "要求提高佛渡岛征迁安置的房屋评估价格",
     "佛渡岛开发征迁涉及本村{n}户，村民认为房屋评估价格偏低、附属设施漏评，安置房源位置也不理想。",
     "explain", "补偿标准依据已公布的征收补偿方案执行；已组织评估机构逐户复核，对附属设施漏评部分予以补评，"
     "安置房源按签约顺序公开选房。", "《中华人民共和国土地管理法》、《浙江省土地管理条例》"),
    ("aquaculture", "要求补偿港口建设征用海域造成的养殖损失",
     "{n}户养殖户在{v}外侧海域从事紫菜养殖，港口建设征用海域后养殖无法继续，补偿至今没有落实。",
     "support", "经镇政府协调，建设单位按海域使用补偿标准对养殖设施和收益损失予以补偿，补偿款在两个月内发放到户。",
     "《中华人民共和国海域使用管理法》"),
    ("village_affairs", "反对村集体海涂承包合同以低价续签",
     "村委会拟将村集体海涂以较低租金续包给原承包人，未经村民代表会议讨论，{n}名村民联名反对。",
     "support", "已责成村委会暂停续签，依法召开村民代表会议表决，海涂承包通过农村产权交易平台公开竞价。",
     "《中华人民共和国村民委员会组织法》"),
    ("dust", "要求解决小区旁混凝土搅拌站的粉尘和噪声污染",
     "{v}居民小区旁的混凝土搅拌站夜间生产，粉尘和噪声严重影响{n}户居民生活。",
     "support", "经联合执法检查，搅拌站已被责令停止夜间生产并限期完成封闭改造，改造完成经验收后方可恢复生产。",
     "《中华人民共和国大气污染防治法》、《中华人民共和国噪声污染防治法》"),
    ("fishery_marine", "要求落实渔船减船转产补助",
     "{n}名渔民按政策报废了渔船，承诺的减船转产补助至今只发放了一半。",
     "support", "经核实，剩余补助因资金分批下达未发放，镇农业农村办已向上级申请，余款在本季度内发放到位。",
     "渔船减船转产的相关政策"),
    ("construction", "要求开发商按期交付安置房",
     "{v}{n}户被征迁户的安置房约定去年底交付，至今未完工，过渡费也停发了。",
     "support", "经镇政府约谈开发企业，明确了竣工交付时间表，过渡费自停发之月起补发，并按月发放至交付为止。",
     "《中华人民共和国民法典》"),
)  # fmt: skip

NOT_ACCEPTED_SUBJECTS = (
    (
        "wage_dispute",
        "要求原用工单位支付解除劳动合同的经济补偿",
        "在镇内企业工作五年，企业单方解除劳动合同没有支付经济补偿。",
        "信访人反映的劳动争议已向劳动人事争议仲裁院申请仲裁并已受理，属于依法应当通过仲裁途径解决的事项，不予受理；"
        "已告知信访人按仲裁程序维护权益。",
    ),
    (
        "land_homestead_dispute",
        "要求撤销邻居的宅基地使用权登记",
        "认为邻居的宅基地登记侵占了本户祖屋的宅基地。",
        "信访人反映的事项已由人民法院作出生效判决，属于已经通过诉讼途径处理的事项，不予受理；已告知信访人可依法申请再审。",
    ),
)
REFERRED_SUBJECTS = (
    (
        "employment_insurance",
        "要求报销在外地住院的医疗费用",
        "在外地住院治疗，回来后医疗费用报销被退回。",
        "普陀区医疗保障局",
    ),
    (
        "employment_insurance",
        "要求认定工伤",
        "在渔船上作业时受伤，用人单位不为其申请工伤认定。",
        "普陀区人力资源和社会保障局",
    ),
    ("ferry_bus", "要求调整岛际客运票价", "认为六横至宁波的客运票价上涨过快。", "普陀区交通运输局"),
)
REVIEW_REQUESTS = (
    "认为处理意见没有解决实际问题，请求复查",
    "对处理意见中认定的事实有异议，请求复查",
    "处理意见答复后问题至今没有落实，请求复查",
)
REVIEW_OPINION = "经复查，原处理意见认定事实清楚，适用政策正确，予以维持；相关问题由镇、村继续跟踪落实。"
RE_REVIEW_REQUEST = "对复查意见不服，请求复核"
RE_REVIEW_OPINION = "经复核，复查意见认定事实清楚，处理适当，予以维持。"
EXTENSION_REASONS = (
    "需调取历年档案并会同区级部门核实，申请延长办理期限",
    "涉及多个部门职责，需联合调查核实，申请延长办理期限",
)
SUPERVISE_NOTES = ("请加快办理，按期答复", "群众反映强烈，请包案领导跟踪督办", "请于本周内报告办理进展")
CLOSE_NOTES = ("回访确认信访人对处理意见满意，息诉罢访", "处理意见已落实，信访人表示不再信访")
GROUP_CLOSE_NOTE = "经镇领导包案、多部门联合化解，诉求已落实，信访群众表示息诉罢访"

# Backlog petitions: (category, request, facts, reply opinion, listing note, resolution).
BACKLOG_SUBJECTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("land_homestead_dispute", "要求归还祖屋被占用的宅基地",
     "上世纪九十年代宅基地调整时，本户祖屋的部分宅基地被划给邻户，多年来一直要求归还。",
     "经查阅宅基地调整档案，当年调整经村民代表会议通过并已登记，对本户的调整有书面确认，要求归还的诉求不予支持。",
     "经处理、复查仍未息诉，信访人多次到区、市上访，列为信访积案，实行镇领导包案化解",
     "镇包案领导多次上门，会同司法所、村委会在原址附近为信访人调剂宅基地一处"),
    ("construction", "要求补偿道路拓宽占用的房屋附属设施",
     "道路拓宽工程拆除了本户院墙和杂物间，认为补偿标准过低，至今未领取补偿款。",
     "补偿标准依据公布的补偿方案执行，评估程序合法，对提高补偿的诉求不予支持。",
     "信访人对复查意见仍不满意，反复到镇、区信访，列为信访积案，由镇领导包案",
     "经重新核实附属设施面积，补评漏项，信访人领取补偿款"),
    ("wage_dispute", "要求赔偿在渔船作业时受伤的损失",
     "在渔船上作业时被缆绳打伤，船东只支付了部分医疗费，后续误工费和伤残赔偿没有着落。",
     "已督促船东协商赔偿，并告知信访人可依法通过诉讼途径主张赔偿。",
     "信访人对赔偿数额分歧大，长期信访，列为信访积案，由镇领导包案化解",
     "经司法所和共享法庭联合调解，船东与信访人达成赔偿协议并一次性履行"),
    ("employment_insurance", "要求补办被征地农民养老保障",
     "早年土地被征收时户口不在本村，被认定为不符合参保条件，多年来一直要求纳入。",
     "经查阅征地档案，征地时信访人户籍不在被征地村，不符合参保条件，不予支持。",
     "复核后信访人仍未息诉，多次到区、市上访，列为信访积案，实行镇领导包案",
     "经上级部门政策研判，按历史遗留问题处理办法为信访人办理参保"),
)  # fmt: skip
PLEDGE = "，信访人签订息访承诺书"
SETTLED = "，信访人表示息诉罢访"

KEY_PERSON_PLAN = (
    "一人一策：由镇包案领导牵头，村干部和镇综治干部包保，每月至少上门走访一次，及时掌握思想动态；"
    "会同司法所做好政策解释和法律释明，重要节点落实“一日三见面”，发现赴区进京动向立即报告。"
)
CONTACTS = (
    (ContactMethod.VISIT, "上门走访，信访人情绪稳定，表示等待处理结果", "继续跟踪，每月走访"),
    (ContactMethod.PHONE, "电话联系，了解近期生产生活情况，无异常", "保持联系"),
    (ContactMethod.VISIT, "上门走访，向信访人解释相关政策，信访人表示理解", "下周再次上门"),
    (ContactMethod.MEETING, "约谈信访人及其家属，释明法律规定和办理进展", "协调相关部门加快落实"),
    (ContactMethod.VISIT, "重要节点前上门见面，信访人在家，无外出上访动向", "节点期间每日见面"),
    (ContactMethod.PHONE, "电话回访，信访人对镇里的工作表示认可", "继续关注"),
)
DELIST_REASON = "信访积案已化解，信访人息诉罢访，经研判撤销列管"


def _fill(text: str, rng: random.Random, village: str, year: int, people: int = 0) -> str:
    # a group's arrears or losses grow with the number of people; one person's are 8,000–90,000 yuan
    amount = people * rng.randint(12, 30) * 1000 if people else rng.randint(8, 90) * 1000
    return text.format(
        v=village, y=year, p=year - 1, n=people or rng.randint(6, 15), m=rng.randint(1, 12), amt=f"{amount:,}"
    )


# --- The town and its staff --------------------------------------------------------------------------


@dataclass
class Cast:
    town: Region
    villages: list[Region]
    dispatchers: list[User]
    leaders: list[User]
    office: list[User]  # handlers of the petition department (信访办)
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
            office=list(
                users.filter(role=Role.HANDLER, departments__code=services._department().code).distinct()
            ),
            cadres=cadres,
            micro_grids=micro_grids,
        )
        if not (villages and all(micro_grids.values()) and cast.dispatchers and cast.leaders and cast.office):
            raise RuntimeError(
                "the petitions demo needs villages, dispatchers, leaders and petition handlers"
            )
        return cast


# --- The builder -------------------------------------------------------------------------------------


@dataclass
class Written:
    petitions: list[int] = field(default_factory=list)
    pledges: int = 0
    key_persons: int = 0
    contacts: int = 0
    delisted: int = 0


class _Builder:
    def __init__(self, cast: Cast, rng: random.Random, people: People, year: int) -> None:
        self.cast, self.rng, self.people, self.year = cast, rng, people, year
        self.year_end = date(year, 12, 31)
        self.written = Written()
        self.persons: dict[int, list[Person]] = {}  # case id → its petitioners
        self.village: dict[int, Region] = {}  # case id → village

    # helpers
    def pick(self, users: list[User]) -> User:
        return self.rng.choice(users)

    def act(self, case: Case, action: str, actor: User, now: datetime, **payload: Any) -> Case:
        # The engine's transition (what `services.petition_action` calls once it has checked that the case
        # is one of its kind, which it is here): the same checks, effects and events.
        return case_services.transition(case.pk, action, actor=actor, payload=payload, now=now)

    def register(
        self,
        now: datetime,
        village: Region,
        subject: tuple[str, str, str],
        petitioners: list[Person],
        *,
        form: str,
        people: int | None = None,
        representatives: int = 0,
        repeat_of: int | None = None,
    ) -> Case:
        category, request, facts = subject
        data = services.PetitionInput(
            form=form,
            request=request,
            facts_and_reasons=facts,
            category=category,
            region=self.rng.choice(self.cast.micro_grids[village.pk]).code,
            address=f"舟山市普陀区六横镇{village.name}",
            petitioners=[
                services.PetitionerInput(
                    name=p.name,
                    id_number=p.id_number,
                    phone=p.phone,
                    address=p.address,
                    is_representative=i < representatives,
                )
                for i, p in enumerate(petitioners)
            ],
            people_count=people,
            repeat_of=repeat_of,
        )
        case = services.register_petition(actor=self.pick(self.cast.dispatchers), data=data, now=now).case
        self.persons[case.pk] = petitioners
        self.village[case.pk] = village
        self.written.petitions.append(case.pk)
        return case

    def answer(self, decision: str, opinion: str, basis: str, now: datetime) -> dict[str, Any]:
        return {
            "decision": decision,
            "opinion": opinion,
            "basis": basis,
            "served_on": calendar.local_date(now).isoformat(),
        }

    def reply_window(self, accepted: datetime, extended: bool) -> tuple[int, int, date]:
        """Days after acceptance for the reply: within the 60 days, or the 90 with an extension;
        never after 29 December."""
        acc = calendar.local_date(accepted)
        lo, hi = (62, 85) if extended else (10, 45)
        return lo, hi, min(acc + timedelta(days=88 if extended else 58), date(self.year, 12, 29))

    # one ordinary or group petition of the year
    def ordinary(
        self, day: date, subject: tuple[str, ...], persons: list[Person], village: Region, *,
        group: bool = False, people: int | None = None, reps: int = 0, extended: bool = False,
        review: bool = False, supervised: bool = False, repeat_of: int | None = None,
    ) -> tuple[Case, datetime]:  # fmt: skip
        rng = self.rng
        category, request, facts, decision, opinion, basis = subject
        form = "visit" if group else rng.choices(["visit", "letter", "online"], [50, 15, 35])[0]
        t = office(day, rng)
        case = self.register(
            t, village, (category, request, facts), persons, form=form, people=people,
            representatives=reps, repeat_of=repeat_of,
        )  # fmt: skip
        handler = self.pick(self.cast.office)
        t = later(t, rng, 1, 7, cap=day + timedelta(days=13))
        case = self.act(case, "accept", handler, t)
        accepted = t
        if supervised:
            t = later(t, rng, 2, 6)
            case = self.act(
                case, "supervise", self.pick(self.cast.leaders), t, note=rng.choice(SUPERVISE_NOTES)
            )
        if extended:
            t = later(accepted, rng, 45, 52)
            case = self.act(
                case, "extend", self.pick(self.cast.leaders), t, days=30, reason=rng.choice(EXTENSION_REASONS)
            )
        lo, hi, cap = self.reply_window(accepted, extended)
        reply_at = later(accepted, rng, lo, hi, cap=cap)
        t = reply_at = reply_at if reply_at > t else t + timedelta(minutes=rng.randint(30, 120))
        case = self.act(case, "reply", handler, t, **self.answer(decision, opinion, basis, t))
        if review:
            t = later(t, rng, 5, 20)
            case = self.act(
                case,
                "request_review",
                self.pick(self.cast.dispatchers),
                t,
                request=rng.choice(REVIEW_REQUESTS),
            )
            t = later(t, rng, 10, 25)
            case = self.act(
                case, "answer_review", handler, t, **self.answer("explain", REVIEW_OPINION, basis, t)
            )
        # 结案: a group petition as soon as the petitioners settle; others mostly after the 30 days to ask
        # for review, some earlier when a return visit finds the petitioner settled.
        if group:
            close_at, note, settled = (
                later(t, rng, 3, 15, cap=date(self.year, 12, 30)),
                GROUP_CLOSE_NOTE,
                True,
            )
        elif rng.random() < 0.7:
            close_at, note, settled = later(t, rng, 31, 45), "", rng.random() < 0.85
        else:
            close_at, note, settled = later(t, rng, 3, 20), rng.choice(CLOSE_NOTES), True
        if calendar.local_date(close_at) <= self.year_end:
            payload: dict[str, Any] = {"note": note} if note else {}
            if settled or note:
                payload["settled"] = True
            case = self.act(case, "close", self.pick(self.cast.dispatchers), close_at, **payload)
        return case, reply_at

    def backlog(
        self,
        k: int,
        subject: tuple[str, ...],
        registered: date,
        closed: date,
        pledge: bool,
        *,
        rereview: bool,
    ) -> Case:
        """A backlog petition: answered, reviewed (and re-reviewed), listed as backlog, closed settled."""
        rng = self.rng
        category, request, facts, opinion, listing, resolution = subject
        village = self.cast.villages[(k * 11 + 5) % len(self.cast.villages)]
        person = self.people.person(village.name, born=(1950, 1975))
        t = office(registered, rng)
        case = self.register(t, village, (category, request, facts), [person], form="visit")
        handler = self.pick(self.cast.office)
        t = later(t, rng, 2, 8)
        case = self.act(case, "accept", handler, t)
        t = later(t, rng, 25, 50)
        case = self.act(
            case, "reply", handler, t, **self.answer("not_support", opinion, "相关法律法规和政策", t)
        )
        t = later(t, rng, 8, 20)
        case = self.act(
            case, "request_review", self.pick(self.cast.dispatchers), t, request=REVIEW_REQUESTS[0]
        )
        t = later(t, rng, 15, 25)
        case = self.act(
            case, "answer_review", handler, t, **self.answer("not_support", REVIEW_OPINION, "同上", t)
        )
        if rereview:
            t = later(t, rng, 8, 20)
            case = self.act(
                case, "request_re_review", self.pick(self.cast.dispatchers), t, request=RE_REVIEW_REQUEST
            )
            t = later(t, rng, 15, 25)
            case = self.act(
                case,
                "answer_re_review",
                handler,
                t,
                **self.answer("not_support", RE_REVIEW_OPINION, "同上", t),
            )
        t = later(t, rng, 20, 40)
        listed = t
        case = self.act(case, "flag_backlog", self.pick(self.cast.leaders), t, note=listing)
        close_at = max(office(closed, rng), later(listed, rng, 30, 60))
        self.key_person(case, listed, closed_on=calendar.local_date(close_at), backlog=True)
        note = f"{resolution}{PLEDGE if pledge else SETTLED}"
        self.written.pledges += pledge
        return self.act(case, "close", self.pick(self.cast.leaders), close_at, settled=True, note=note)

    def key_person(self, case: Case, listed: datetime, *, closed_on: date | None, backlog: bool) -> None:
        rng = self.rng
        person, village = self.persons[case.pk][0], self.village[case.pk]
        cadre = self.cast.cadres.get(village.pk)
        handler = self.pick(self.cast.office)
        cadres = [u for u in (cadre, handler) if u is not None]
        registrar = self.pick(self.cast.dispatchers)
        reason = Petition.objects.only("request").get(pk=case.pk).request
        kp = services.save_key_person(
            actor=registrar,
            data=services.KeyPersonInput(
                name=person.name,
                region=village.code,
                risk_level=RiskLevel.HIGH if backlog else RiskLevel.MEDIUM,
                reason=f"{'信访积案当事人' if backlog else '群体性信访代表'}，主要诉求：{reason}",
                plan=KEY_PERSON_PLAN,
                cadres=[u.username for u in cadres],
                id_number=person.id_number,
                phone=person.phone,
                address=person.address,
                petitions=[case.pk],
            ),
            now=listed,
        )
        self.written.key_persons += 1
        # Contacts: about monthly, from the listing (or the year's start) to the closing or the year's end.
        start = max(calendar.local_date(listed) + timedelta(days=3), date(self.year, 1, 4))
        end = min(closed_on + timedelta(days=20) if closed_on else self.year_end, self.year_end)
        day = start
        while day <= end:
            who = rng.choice(cadres)
            when = office(workday(day, end), rng)
            method, content, follow = rng.choice(CONTACTS)
            services.log_contact(
                actor=who, person_id=kp.pk, contacted_at=when, method=method, content=content, follow_up=follow,
                now=when + timedelta(minutes=rng.randint(20, 240)),
            )  # fmt: skip
            self.written.contacts += 1
            day += timedelta(days=rng.randint(24, 38))
        if closed_on is not None:
            delist_on = workday(closed_on + timedelta(days=rng.randint(21, 35)))
            if delist_on <= self.year_end:
                services.delist_key_person(
                    actor=self.pick(self.cast.leaders), person_id=kp.pk, reason=DELIST_REASON,
                    now=office(delist_on, rng),
                )  # fmt: skip
                self.written.delisted += 1


def build_petitions(
    *, town: Region, seed: int, year: int, scale: float, stdout: Out = print
) -> dict[str, int]:
    """Write the petitions of `year` in `town` through the services (inside the caller's transaction)."""
    started = time.monotonic()
    rng = random.Random(f"{seed}:petitions")  # noqa: S311  (demo data, not secrets)
    p = plan(scale)
    cast = Cast.load(town)
    b = _Builder(cast, rng, People(random.Random(f"{seed}:petitions:people")), year)  # noqa: S311

    # Backlog petitions registered in the two years before, closed in this one.
    closing = spread(rng, p.backlog, date(year, 3, 1), date(year, 11, 20))
    for k in range(p.earlier):
        registered = workday(date(year - 2 + k % 2, 3 + 2 * (k % 3), 6 + k % 20))
        b.backlog(
            k,
            BACKLOG_SUBJECTS[k % len(BACKLOG_SUBJECTS)],
            registered,
            closing[k],
            k < p.pledges,
            rereview=k % 2 == 0,
        )

    # The year's petitions, in order of registration.
    days = spread(rng, p.received, date(year, 1, 4), date(year, 12, 15))
    n = p.received
    idx = list(range(n))
    backlog_idx = idx[: p.backlog_in_year]
    rest = idx[p.backlog_in_year :]
    spaced = rest[: max(p.group, int(len(rest) * 0.9))]  # time to settle them before the year's end
    group_idx = {spaced[int((k + 0.5) * len(spaced) / p.group)] for k in range(p.group)}
    ordinary = [i for i in rest if i not in group_idx]
    early = [i for i in ordinary if i < n * EARLY]
    review_idx = set(rng.sample(early, p.reviews - p.backlog_in_year))
    extended_idx = set(rng.sample([i for i in early if i not in review_idx], p.extended))
    others = [i for i in ordinary if i not in review_idx | extended_idx]
    decided = rng.sample(others, p.not_accepted + p.referred)
    not_accepted_idx, referred_idx = set(decided[: p.not_accepted]), set(decided[p.not_accepted :])
    accepted = [i for i in ordinary if i not in not_accepted_idx | referred_idx]
    late = [i for i in accepted if i >= n // 2 and i not in review_idx | extended_idx]
    repeat_idx = set(rng.sample(late, p.repeats))
    supervised_idx = set(
        rng.sample(sorted(i for i in set(accepted) | group_idx if i < n * 0.9), p.supervised)
    )

    done: list[tuple[int, date, Case, tuple[str, ...], list[Person], Region]] = []  # repeat candidates
    used: set[int] = set()
    group_k = 0
    for i, day in enumerate(days):
        village = cast.villages[rng.randrange(len(cast.villages))]
        if i in backlog_idx:
            k = p.earlier + backlog_idx.index(i)
            b.backlog(
                k, BACKLOG_SUBJECTS[k % len(BACKLOG_SUBJECTS)], day, closing[k], k < p.pledges, rereview=True
            )
            continue
        if i in group_idx:
            g = GROUP_SUBJECTS[group_k % len(GROUP_SUBJECTS)]
            group_k += 1
            people = rng.randint(6, 40)
            reps = rng.randint(2, 5)
            local = g[0] != "wage_dispute"
            persons = [b.people.person(village.name, local=local) for _ in range(reps + rng.randint(0, 2))]
            filled = tuple(_fill(s, rng, village.name, year, people) for s in g)
            case, _ = b.ordinary(
                day, filled, persons, village, group=True, people=people, reps=reps,
                supervised=i in supervised_idx,
            )  # fmt: skip
            if b.written.key_persons < p.key_persons:
                b.key_person(case, office(day, rng) + timedelta(days=2), closed_on=None, backlog=False)
            continue
        if i in not_accepted_idx or i in referred_idx:
            _decline(b, i in referred_idx, day, village)
            continue
        repeat_of = None
        subject: tuple[str, ...]
        if i in repeat_idx:
            earlier = [d for d in done if d[0] not in used and d[1] <= day - timedelta(days=15)]
            if not earlier:
                raise RuntimeError("the petitions demo found no earlier petition to repeat")
            pk, _, _, subject, persons, village = earlier[-1]
            used.add(pk)
            repeat_of = pk
            category, request, facts, decision, opinion, basis = subject
            subject = (category, f"再次反映：{request}", f"{facts}前次信访答复后，问题仍未得到彻底解决。", decision,
                       opinion, basis)  # fmt: skip
        else:
            subject = tuple(_fill(s, rng, village.name, year) for s in rng.choice(SUBJECTS))
            persons = [b.people.person(village.name, local=subject[0] != "wage_dispute")]
        case, reply_at = b.ordinary(
            day, subject, persons, village, extended=i in extended_idx, review=i in review_idx,
            supervised=i in supervised_idx, repeat_of=repeat_of,
        )  # fmt: skip
        if repeat_of is None:
            done.append((case.pk, calendar.local_date(reply_at), case, subject, persons, village))

    w = b.written
    result = {
        "petitions": len(w.petitions),
        "petitions_in_year": p.received,
        "petitions_earlier": p.earlier,
        "petition_group": p.group,
        "petition_backlog_resolved": p.backlog,
        "petition_pledges": w.pledges,
        "key_persons": w.key_persons,
        "key_person_contacts": w.contacts,
        "key_persons_delisted": w.delisted,
    }
    stdout(
        f"petitions: {p.received} in {year} ({p.group} group, {p.backlog_in_year} backlog), {p.earlier} backlog "
        f"from earlier years, {p.backlog} backlog resolved ({w.pledges} pledges), {w.key_persons} key persons, "
        f"{w.contacts} contacts ({time.monotonic() - started:.1f} s)"
    )
    return result


def _decline(b: _Builder, refer: bool, day: date, village: Region) -> None:
    """不予受理 or 转送, decided and told within the 15 days."""
    rng = b.rng
    t = office(day, rng)
    person = b.people.person(village.name)
    if refer:
        category, request, facts, authority = rng.choice(REFERRED_SUBJECTS)
    else:
        category, request, facts, reason = rng.choice(NOT_ACCEPTED_SUBJECTS)
    form = rng.choice(["visit", "letter", "online"])
    case = b.register(t, village, (category, request, facts), [person], form=form)
    t = later(t, rng, 1, 8, cap=day + timedelta(days=13))
    if refer:
        b.act(case, "refer", b.pick(b.cast.office), t, authority=authority, note="已书面告知信访人转送情况")
    else:
        b.act(case, "not_accept", b.pick(b.cast.office), t, reason=reason)


def reset_petitions(paths: list[str]) -> dict[str, int]:
    """Delete the petition records of the towns under `paths` (before their cases, staff and regions)."""
    cases = Q(pk__in=[])
    under = Q(pk__in=[])
    for p in paths:
        cases |= Q(case__region_path__startswith=p)
        under |= Q(region_path__startswith=p)
    petitions = Petition.objects.filter(cases)
    petitions.update(repeat_of=None)  # PROTECT between petitions of the same town
    persons = KeyPerson.objects.filter(under)
    return {
        "key_persons": persons.delete()[1].get(KeyPerson._meta.label, 0),
        "petitions": petitions.delete()[1].get(Petition._meta.label, 0),
    }
