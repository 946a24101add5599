"""Province-scale demo data (``seed_demo --scale province``): 450,000 volunteers and 5,000,000
service records on top of the volunteers demo, through the bulk import's fast path
(:func:`wenming.volimport.generate.province_generate`). Runs after ``volunteers.demo`` (app order).
Nothing at the small scale. Skipped when the generated people are already there. The settings
``DEMO_PROVINCE_VOLUNTEERS`` / ``DEMO_PROVINCE_RECORDS`` change the sizes (tests run the same path
with a few thousand)."""

from __future__ import annotations

PROVINCE_VOLUNTEERS = 450_000
PROVINCE_RECORDS = 5_000_000


def seed(*, scale: str = "small", stdout=None) -> None:
    if scale != "province":
        return
    from django.conf import settings

    from wenming.volimport.generate import province_generate
    from wenming.volunteers.models import Volunteer

    if Volunteer.objects.filter(consent_version="generated").exists():
        return
    volunteers = getattr(settings, "DEMO_PROVINCE_VOLUNTEERS", PROVINCE_VOLUNTEERS)
    records = getattr(settings, "DEMO_PROVINCE_RECORDS", PROVINCE_RECORDS)
    if stdout is not None:
        stdout.write(f"志愿服务（省级规模）：生成志愿者 {volunteers:,} 名、服务记录 {records:,} 条 …")
    # No statistics rebuild here: vstats.demo rebuilds once at the end of seed_demo (it comes after).
    timings = province_generate(
        volunteers=volunteers, records=records, stdout=stdout, rebuild=False
    )
    if stdout is not None and timings:
        stdout.write("志愿服务（省级规模）：" + "，".join(f"{k} {v:.0f} 秒" for k, v in timings.items()))
