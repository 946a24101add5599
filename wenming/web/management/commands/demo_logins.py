from django.core.management.base import BaseCommand

from wenming.orgs.demo import DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "列出演示账号"

    def handle(self, *args, **options):
        from wenming.orgs.models import Membership

        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, display, role, _key in PERSONAS:
            m = Membership.objects.filter(user__username=username, role=role).select_related("organisation").first()
            where = m.organisation.name if m and m.organisation else "全平台"
            self.stdout.write(f"  {username:<18} {display:<6} {m.get_role_display() if m else role}（{where}）")
