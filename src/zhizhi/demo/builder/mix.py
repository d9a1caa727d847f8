"""How many cases of what, and when: the calibration of the demo against the 2023 summary.

Seed figures (seed/figures.yaml): 23,280 work orders (grid.work_orders_handled), 11,268 hotline
calls (hotline.calls_received), some 2,500 anti-fraud events visited by grid workers
(grid.anti_fraud_incidents_handled), hotline handled in time 100% and satisfaction 97%.
Everything else here (the category mix, seasons, hours) is a plausible shape for an island town
of fishing villages, not a figure from the seed.
"""

from __future__ import annotations

from zhizhi.cases.models import Channel

TOTAL_CASES = 23_280
HOTLINE_CASES = 11_268
ANTI_FRAUD_GRID_EVENTS = 2_500  # "网格员走访处理反诈相关事件2500余件"

# Non-hotline channels, in proportion (they share TOTAL_CASES - HOTLINE_CASES = 12,012).
OTHER_CHANNELS: dict[str, int] = {
    Channel.GRID_PATROL: 9_900,
    Channel.WALK_IN: 800,
    Channel.ONLINE: 700,
    Channel.INSPECTION: 400,
    Channel.TRANSFER: 212,
}

# Category weights per channel (subclass code → relative weight).
GRID_PATROL: dict[str, float] = {
    # 平安稳定: the anti-fraud visits dominate (≈2,550 of 9,900 grid reports)
    "telecom_fraud": 2_700, "neighbor_dispute": 200, "family_dispute": 60, "land_homestead_dispute": 40,
    "wage_dispute": 30, "fishery_dispute": 30, "public_order_hazard": 30, "key_person_alert": 40,
    "petition_group_risk": 10, "cult_activity": 5,
    # 出租房屋
    "rental_unregistered": 250, "rental_fire_hazard": 80, "group_rental_mixed_use": 30,
    # 安全生产与消防
    "enterprise_hazard": 150, "hazchem_violation": 20, "gas_hazard": 180, "ebike_charging": 300,
    "fire_facility_lane": 250, "fire_incident": 15, "construction_safety": 80, "special_equipment": 20,
    "traffic_hazard": 80,
    # 防汛防台
    "typhoon_evacuation": 40, "geohazard": 30, "seawall_reservoir": 15, "waterlogging": 40,
    "disaster_damage": 40, "shelter_supplies": 10,
    # 海洋渔业
    "vessel_safety": 150, "vessel_not_returned": 5, "sanwu_vessel": 40, "illegal_fishing": 120,
    "crew_admin": 30, "port_facility": 40, "aquaculture": 40,
    # 农业与动植物防疫
    "animal_disease": 20, "livestock_unpermitted": 30, "straw_burning": 150, "farmland_misuse": 40,
    "forest_pest_logging": 20, "agri_input": 5, "irrigation": 30,
    # 生态环境
    "water_pollution": 40, "illegal_discharge": 30, "noise": 20, "cooking_fume": 20, "dust": 30,
    "industrial_odor": 15, "illegal_dumping": 50, "beach_litter": 100,
    # 市容环卫
    "exposed_garbage": 700, "accumulated_debris": 300, "bin_overflow": 200, "garbage_sorting": 250,
    "street_vending": 350, "outside_store": 300, "clutter": 550, "illegal_parking": 400, "illegal_ads": 250,
    "street_hanging": 200, "abandoned_vehicle": 60, "public_toilet": 40,
    # 违建与村镇建设
    "illegal_building": 120, "rural_house_violation": 60, "dangerous_house": 50, "illegal_renovation": 10,
    "construction_occupation": 30, "construction_waste": 40, "old_house_protection": 5,
    # 市政公用
    "road_damage": 100, "manhole_cover": 50, "streetlight": 120, "water_supply": 20, "drainage": 50,
    "power_cable": 40,
    # 社会事务
    "minimum_living": 40, "emergency_relief": 30, "lonely_elderly": 120, "elderly_service": 20,
    "disability_support": 30, "minor_protection": 10, "veterans_affairs": 10, "funeral_violation": 15,
    "employment_insurance": 15,
    # 公共服务与卫健, 市场监管, 党建与自治
    "epidemic": 5, "illegal_medical": 3, "education": 20, "culture_sports_facility": 30, "admin_service": 30,
    "illegal_publication": 2, "food_safety": 40, "drug_safety": 5, "unlicensed_business": 50,
    "consumer_dispute": 10, "counterfeit": 5, "illegal_fundraising": 5, "village_affairs": 10,
    "general_suggestion": 20,
}  # fmt: skip

HOTLINE: dict[str, float] = {
    "water_supply": 900, "power_cable": 300, "streetlight": 500, "road_damage": 400, "drainage": 300,
    "manhole_cover": 100, "ferry_bus": 700,
    "illegal_parking": 300, "exposed_garbage": 300, "bin_overflow": 200, "street_vending": 200,
    "outside_store": 150, "clutter": 150, "garbage_sorting": 80, "illegal_ads": 50, "public_toilet": 80,
    "abandoned_vehicle": 60, "accumulated_debris": 80, "street_hanging": 30,
    "noise": 600, "cooking_fume": 200, "dust": 150, "industrial_odor": 150, "water_pollution": 100,
    "illegal_discharge": 100, "illegal_dumping": 60, "beach_litter": 40,
    "employment_insurance": 700, "elderly_service": 400, "minimum_living": 300, "emergency_relief": 100,
    "disability_support": 100, "veterans_affairs": 60, "minor_protection": 20, "lonely_elderly": 60,
    "funeral_violation": 20,
    "admin_service": 600, "education": 400, "culture_sports_facility": 100, "epidemic": 30,
    "illegal_medical": 10, "illegal_publication": 5,
    "consumer_dispute": 450, "food_safety": 250, "unlicensed_business": 60, "counterfeit": 50,
    "drug_safety": 30, "illegal_fundraising": 10,
    "wage_dispute": 350, "neighbor_dispute": 200, "family_dispute": 50, "land_homestead_dispute": 80,
    "fishery_dispute": 40, "telecom_fraud": 80, "public_order_hazard": 30,
    "illegal_building": 150, "rural_house_violation": 120, "dangerous_house": 40, "illegal_renovation": 60,
    "construction_occupation": 40, "construction_waste": 40, "old_house_protection": 10,
    "gas_hazard": 60, "fire_facility_lane": 50, "ebike_charging": 40, "enterprise_hazard": 40,
    "traffic_hazard": 80, "construction_safety": 30, "fire_incident": 10, "special_equipment": 10,
    "hazchem_violation": 5,
    "crew_admin": 80, "port_facility": 60, "illegal_fishing": 50, "aquaculture": 30, "vessel_safety": 20,
    "sanwu_vessel": 10, "vessel_not_returned": 5,
    "rental_unregistered": 60, "rental_fire_hazard": 20, "group_rental_mixed_use": 20,
    "straw_burning": 120, "animal_disease": 20, "livestock_unpermitted": 40, "farmland_misuse": 20,
    "forest_pest_logging": 20, "agri_input": 10, "irrigation": 30,
    "waterlogging": 120, "disaster_damage": 40, "typhoon_evacuation": 20, "geohazard": 20,
    "seawall_reservoir": 10, "shelter_supplies": 10,
    "village_affairs": 80, "general_suggestion": 150,
}  # fmt: skip

WALK_IN: dict[str, float] = {
    "neighbor_dispute": 120, "family_dispute": 60, "land_homestead_dispute": 80, "wage_dispute": 90,
    "fishery_dispute": 40, "minimum_living": 70, "emergency_relief": 40, "elderly_service": 40,
    "disability_support": 30, "veterans_affairs": 20, "employment_insurance": 40, "admin_service": 60,
    "rural_house_violation": 40, "village_affairs": 40, "general_suggestion": 20, "consumer_dispute": 20,
    "crew_admin": 20, "petition_group_risk": 5,
}  # fmt: skip

ONLINE: dict[str, float] = {
    "noise": 80, "cooking_fume": 50, "dust": 40, "industrial_odor": 40, "illegal_discharge": 30,
    "illegal_parking": 60, "street_vending": 30, "exposed_garbage": 40, "road_damage": 40,
    "streetlight": 40, "water_supply": 30, "ferry_bus": 50, "consumer_dispute": 60, "food_safety": 40,
    "education": 40, "admin_service": 40, "employment_insurance": 40, "general_suggestion": 50,
    "illegal_building": 20,
}  # fmt: skip

INSPECTION: dict[str, float] = {
    "enterprise_hazard": 120, "gas_hazard": 60, "fire_facility_lane": 60, "construction_safety": 30,
    "special_equipment": 20, "hazchem_violation": 15, "rental_fire_hazard": 30, "group_rental_mixed_use": 20,
    "food_safety": 30, "vessel_safety": 40, "sanwu_vessel": 10, "illegal_fishing": 10,
    "garbage_sorting": 20,
}  # fmt: skip

TRANSFER: dict[str, float] = {
    "noise": 20, "industrial_odor": 20, "illegal_discharge": 15, "illegal_building": 20,
    "rural_house_violation": 10, "wage_dispute": 25, "land_homestead_dispute": 10, "consumer_dispute": 20,
    "employment_insurance": 20, "minimum_living": 10, "ferry_bus": 15, "illegal_fishing": 10,
    "sanwu_vessel": 10, "telecom_fraud": 7,
}  # fmt: skip

CATEGORY_MIX: dict[str, dict[str, float]] = {
    Channel.HOTLINE: HOTLINE,
    Channel.GRID_PATROL: GRID_PATROL,
    Channel.WALK_IN: WALK_IN,
    Channel.ONLINE: ONLINE,
    Channel.INSPECTION: INSPECTION,
    Channel.TRANSFER: TRANSFER,
}

# Request natures (诉求性质): carried by hotline and online cases.
NATURE_CHANNELS = frozenset({Channel.HOTLINE, Channel.ONLINE})
NATURES: dict[str, float] = {
    "consultation": 38, "help_request": 32, "complaint": 20, "report": 5, "suggestion": 4, "praise": 1,
}  # fmt: skip
NATURES_BY_CATEGORY: dict[str, dict[str, float]] = {
    # Mostly questions: policies, procedures, timetables.
    **dict.fromkeys(
        ("employment_insurance", "admin_service", "education", "elderly_service", "minimum_living",
         "veterans_affairs", "crew_admin", "ferry_bus", "rural_house_violation", "disability_support"),
        {"consultation": 62, "help_request": 22, "complaint": 10, "suggestion": 5, "praise": 1},
    ),
    # Nuisances: complaints.
    **dict.fromkeys(
        ("noise", "cooking_fume", "dust", "industrial_odor", "illegal_parking", "street_vending",
         "outside_store", "consumer_dispute", "food_safety", "illegal_discharge", "construction_occupation"),
        {"complaint": 62, "help_request": 18, "report": 12, "consultation": 6, "suggestion": 2},
    ),
    # Something is broken: help requests.
    **dict.fromkeys(
        ("water_supply", "power_cable", "streetlight", "road_damage", "drainage", "manhole_cover",
         "waterlogging", "emergency_relief", "lonely_elderly", "disaster_damage", "bin_overflow"),
        {"help_request": 70, "complaint": 18, "consultation": 8, "suggestion": 3, "praise": 1},
    ),
    # Wrongdoing: reports.
    **dict.fromkeys(
        ("illegal_building", "illegal_fishing", "sanwu_vessel", "illegal_dumping", "counterfeit",
         "unlicensed_business", "illegal_medical", "illegal_fundraising", "straw_burning", "telecom_fraud"),
        {"report": 55, "complaint": 30, "consultation": 10, "help_request": 5},
    ),
    "general_suggestion": {"suggestion": 80, "consultation": 10, "praise": 10},
    "village_affairs": {"consultation": 45, "complaint": 30, "suggestion": 20, "report": 5},
}  # fmt: skip

# Urgent handling (24-hour clock): most matters the taxonomy marks "immediate", a few others.
URGENT_SHARE: dict[str, float] = {
    **dict.fromkeys(
        ("fire_incident", "typhoon_evacuation", "seawall_reservoir", "key_person_alert", "petition_group_risk",
         "vessel_not_returned", "epidemic"),
        0.7,
    ),
    **dict.fromkeys(
        ("water_supply", "gas_hazard", "power_cable", "manhole_cover", "hazchem_violation", "geohazard",
         "waterlogging", "emergency_relief", "lonely_elderly", "minor_protection"),
        0.03,
    ),
}  # fmt: skip

# --- When -----------------------------------------------------------------------------------------

# Relative volume on a non-working day (weekend or statutory holiday), per channel.
OFF_DAY: dict[str, float] = {
    Channel.HOTLINE: 0.6,
    Channel.GRID_PATROL: 0.3,
    Channel.WALK_IN: 0.08,
    Channel.ONLINE: 0.7,
    Channel.INSPECTION: 0.1,
    Channel.TRANSFER: 0.05,
}
# "逢一进格、逢五进格": grid visit days (the 1st, 5th, 11th, 15th, … of the month).
GRID_DAY_BUMP = 1.3

_OFFICE = [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 1.3, 1.3, 0.8, 0.3, 0.8, 1.2, 1.2, 1, 0.6, 0.1, 0, 0, 0, 0, 0]
HOURS: dict[str, list[float]] = {
    Channel.HOTLINE: [
        0.1, 0.05, 0.03, 0.03, 0.05, 0.1, 0.3, 0.7, 1.3, 1.6, 1.6, 1.3, 0.9, 1.0, 1.4, 1.5, 1.4, 1.2, 0.9,
        0.8, 0.7, 0.5, 0.3, 0.2,
    ],
    Channel.GRID_PATROL: [
        0, 0, 0, 0, 0, 0, 0.05, 0.4, 1.2, 1.5, 1.5, 1.0, 0.3, 0.6, 1.3, 1.4, 1.3, 0.8, 0.3, 0.15, 0.1, 0.02,
        0, 0,
    ],
    Channel.WALK_IN: _OFFICE,
    Channel.ONLINE: [
        0.3, 0.15, 0.1, 0.05, 0.05, 0.1, 0.3, 0.6, 1.0, 1.1, 1.1, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0,
        1.1, 1.2, 1.1, 0.8, 0.5,
    ],
    Channel.INSPECTION: [0, 0, 0, 0, 0, 0, 0, 0, 0.6, 1.3, 1.3, 0.6, 0, 0.5, 1.3, 1.3, 1.0, 0.3, 0, 0, 0, 0, 0, 0],
    Channel.TRANSFER: _OFFICE,
}  # fmt: skip

_FLAT = (1.0,) * 12
# Month multipliers (January first) by subclass code, or by class code.
SEASONS: dict[str, tuple[float, ...]] = {
    # 防汛防台: plum rains in June, typhoons July–September.
    "disaster_prevention": (0.3, 0.3, 0.4, 0.5, 0.7, 1.8, 3.5, 4.0, 3.5, 1.0, 0.4, 0.3),
    "waterlogging": (0.3, 0.3, 0.5, 0.6, 0.9, 2.5, 3.0, 3.5, 3.0, 1.0, 0.4, 0.3),
    # Straw burning after the spring and autumn harvests.
    "straw_burning": (0.4, 0.8, 2.6, 3.0, 1.0, 0.8, 0.3, 0.3, 0.5, 2.4, 3.0, 0.8),
    # 伏休 (summer fishing moratorium, 1 May – 16 September): illegal fishing reports.
    "illegal_fishing": (0.3, 0.3, 0.4, 0.6, 3.0, 3.2, 3.2, 3.0, 2.0, 0.5, 0.4, 0.3),
    "sanwu_vessel": (0.6, 0.6, 0.8, 1.0, 1.6, 1.6, 1.6, 1.5, 1.2, 0.9, 0.7, 0.6),
    # Boats at sea outside the moratorium.
    "vessel_safety": (1.3, 1.0, 1.1, 1.2, 0.8, 0.5, 0.5, 0.6, 1.4, 1.4, 1.3, 1.3),
    "vessel_not_returned": (1.4, 1.0, 1.2, 1.0, 0.4, 0.2, 0.2, 0.3, 1.5, 1.8, 1.6, 1.5),
    # Dry seasons; Qingming (April) for hill fires.
    "fire_incident": (1.6, 1.5, 1.3, 2.0, 0.8, 0.5, 0.5, 0.5, 0.6, 0.8, 1.2, 1.6),
    "forest_pest_logging": (0.8, 0.8, 1.2, 1.4, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8),
    "noise": (0.8, 0.7, 0.9, 1.0, 1.1, 1.2, 1.4, 1.4, 1.1, 1.0, 0.8, 0.8),
    "cooking_fume": (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 0.8),
    "water_supply": (1.3, 1.0, 0.8, 0.8, 0.9, 1.1, 1.4, 1.5, 1.1, 0.8, 0.8, 1.0),
    "power_cable": (1.0, 0.9, 0.8, 0.8, 0.9, 1.1, 1.4, 1.6, 1.3, 0.8, 0.8, 1.0),
    "epidemic": (3.0, 1.5, 1.0, 0.8, 0.9, 0.9, 0.7, 0.7, 0.7, 0.8, 0.9, 1.2),
    "gas_hazard": (1.5, 1.3, 1.0, 0.8, 0.7, 0.7, 0.7, 0.7, 0.8, 1.1, 1.3, 1.5),
    "ebike_charging": (1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.2, 1.0, 1.0, 1.0, 1.0),
    "employment_insurance": (1.5, 1.0, 1.0, 0.9, 0.9, 0.9, 0.8, 0.8, 1.0, 1.0, 1.1, 1.4),
    "wage_dispute": (2.0, 1.4, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1.8),
    "education": (0.8, 1.4, 1.0, 0.8, 0.9, 1.3, 1.4, 1.6, 1.3, 0.8, 0.7, 0.7),
    "ferry_bus": (1.5, 1.2, 0.9, 1.0, 1.1, 0.9, 1.0, 1.1, 1.0, 1.2, 0.9, 0.9),
    "beach_litter": (0.6, 0.6, 0.7, 0.9, 1.1, 1.3, 1.5, 1.5, 1.3, 0.9, 0.7, 0.6),
}


def season(category_code: str, class_code: str) -> tuple[float, ...]:
    return SEASONS.get(category_code) or SEASONS.get(class_code) or _FLAT


# --- Lifecycle shares ----------------------------------------------------------------------------------

# Grid reports settled on the spot by the grid worker (就地办结), by subclass or class.
SELF_RESOLVE: dict[str, float] = {
    "telecom_fraud": 0.88,  # the visit is the handling: 劝阻, 宣传, 安装国家反诈中心 App
    "city_appearance": 0.6,
    "rental_housing": 0.6,
    "public_security": 0.45,
    "social_affairs": 0.5,
    "safety_fire": 0.35,
    "fishery_marine": 0.3,
    "agri_epidemic": 0.4,
    "eco_environment": 0.3,
    "construction": 0.2,
    "municipal_utilities": 0.15,
    "disaster_prevention": 0.3,
    "public_service": 0.4,
    "market_regulation": 0.25,
    "party_grassroots": 0.5,
}
SELF_RESOLVE_WALK_IN_AT_VILLAGE = 0.45
WALK_IN_AT_VILLAGE = 0.5  # received by the village cadre rather than at the town's 综治中心
INSPECTION_BY_GRID = 0.5  # joint inspection recorded by the grid worker rather than the dispatcher

# Dispatch: to a named handler, to the village cadre (属地), or to the department's pool.
TERRITORIAL_CLASSES = frozenset(
    {
        "city_appearance",
        "public_security",
        "rental_housing",
        "social_affairs",
        "party_grassroots",
        "agri_epidemic",
    }
)
ASSIGN_TO_CADRE = 0.3  # of cases in territorial classes
ASSIGN_TO_HANDLER = 0.7  # of the rest; otherwise the department's pool (first to accept)

MERGE_SHARE: dict[str, float] = {Channel.HOTLINE: 0.02, Channel.ONLINE: 0.015, Channel.GRID_PATROL: 0.003}
RETURN_SHARE = 0.02  # misrouted: returned by the wrong department and dispatched again
SUSPEND_SHARE = 0.015
EXTENSION_SHARE = 0.012  # of cases with a clock of 5 working days or more
EXTENSION_DENIED = 0.15
SUPERVISE_SHARE = 0.02
LATE_SHARE = 0.004  # of non-hotline dispatched cases: resolved after the deadline (supervised first)

# Return visits: every hotline case; other resolved cases with a reporter, most of them.
OTHER_VISIT_SHARE = 0.85
VISIT_REACHED = 0.97
VISIT_SATISFACTION: dict[str, float] = {
    "satisfied": 0.875,
    "basically_satisfied": 0.089,
    "unsatisfied": 0.036,
}
REOPEN_UNSATISFIED = 0.25  # of unsatisfied visits on dispatched cases: reopened (重办)
CLOSE_UNSATISFIED_AFTER_REVIEW = 0.9  # of the other unsatisfied: archived after review (审核归档)
REPORTER_SHARE: dict[str, float] = {
    Channel.HOTLINE: 1.0,
    Channel.WALK_IN: 1.0,
    Channel.ONLINE: 1.0,
    Channel.TRANSFER: 0.8,
    Channel.GRID_PATROL: 0.5,
    Channel.INSPECTION: 0.3,
}
