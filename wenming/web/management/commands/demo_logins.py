from django.core.management.base import BaseCommand

from wenming.orgs.demo import DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "列出演示账号"

    def handle(self, *args, **options):
        from wenming.orgs.models import Membership

        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, display, role, _key in PERSONAS:
            m = (
                Membership.objects.filter(user__username=username, role=role)
                .select_related("organisation")
                .first()
            )
            where = m.organisation.name if m and m.organisation else "全平台"
            self.stdout.write(
                f"  {username:<18} {display:<6} {m.get_role_display() if m else role}（{where}）"
            )
        # Logins that other modules' demos add (they say where they belong).
        from django.contrib.auth import get_user_model

        from wenming.volunteers.demo import ORG_ADMIN, VOLUNTEER_LOGIN

        if get_user_model().objects.filter(username=ORG_ADMIN[0]).exists():
            self.stdout.write(f"  {ORG_ADMIN[0]:<18} {ORG_ADMIN[1]}（志愿服务组织管理员）")
        if get_user_model().objects.filter(username=VOLUNTEER_LOGIN[0]).exists():
            self.stdout.write(
                f"  {VOLUNTEER_LOGIN[0]:<18} {VOLUNTEER_LOGIN[1]}（志愿者：报名、扫码签到、我的时长和证明）"
            )
        self.stdout.write(
            "  无需账号：随手拍 /inspections/public/reports/new/ · 红黑榜 /inspections/public/rankings/ · 志愿者注册 /volunteers/register/"
        )
