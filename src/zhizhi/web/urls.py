from django.contrib.auth import views as auth_views
from django.urls import path

from zhizhi.web.views import auth, cases, dashboard, desk, imports, intake, jobs, safety, territory

app_name = "web"
urlpatterns = [
    path("", desk.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/export.xlsx", cases.case_export, name="case_export"),
    path("cases/new/", intake.new_case, name="case_new"),
    path("cases/new/hotline/", intake.hotline, name="case_new_hotline"),
    path("cases/new/hotline/lookup/", intake.caller_lookup, name="caller_lookup"),
    path("cases/new/field/", intake.field_report, name="case_new_field"),
    path("cases/<int:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<int:case_id>/reveal/", cases.case_reveal, name="case_reveal"),
    path("cases/<int:case_id>/act/<slug:action>/", cases.case_act, name="case_act"),
    path("cases/<int:case_id>/photos/", cases.case_attach, name="case_attach"),
    path("cases/<int:case_id>/photos/<int:attachment_id>/", cases.attachment_file, name="attachment"),
    path("regions/", territory.regions, name="regions"),
    path("regions/import/", imports.territory_import, name="territory_import"),
    path(
        "regions/import/<uuid:job_id>/apply/", imports.territory_import_apply, name="territory_import_apply"
    ),
    path("map/", territory.map_page, name="map"),
    path("map/regions.json", territory.map_regions, name="map_regions"),
    path("map/cases.json", territory.map_cases, name="map_cases"),
    path("metrics/", dashboard.dashboard, name="dashboard"),
    # 安全生产
    path("safety/", safety.figures_page, name="safety_figures"),
    path("safety/figures/<slug:code>/", safety.figure_drill, name="safety_drill"),
    path("safety/organisations/", safety.organisations, name="safety_orgs"),
    path("safety/organisations/export.xlsx", safety.organisations_xlsx, name="safety_orgs_xlsx"),
    path("safety/organisations/<int:org_id>/", safety.organisation, name="safety_org"),
    path("safety/organisations/<int:org_id>/reveal/", safety.organisation_reveal, name="safety_org_reveal"),
    path("safety/inspections/", safety.inspections, name="safety_inspections"),
    path("safety/inspections/<int:inspection_id>/", safety.inspection, name="safety_inspection"),
    path(
        "safety/inspections/<int:inspection_id>/photos/<int:photo_id>/",
        safety.inspection_photo,
        name="safety_inspection_photo",
    ),
    path("safety/never-inspected/", safety.never_inspected, name="safety_never_inspected"),
    path("safety/never-inspected.xlsx", safety.never_inspected_xlsx, name="safety_never_inspected_xlsx"),
    path("safety/ledger.xlsx", safety.ledger_xlsx, name="safety_ledger_xlsx"),
    path("jobs/<uuid:job_id>/", jobs.job, name="job"),
    path("jobs/<uuid:job_id>/download/", jobs.job_download, name="job_download"),
]
