from django.core.management.base import BaseCommand, CommandError

from wenming.audit.services import audit_verify


class Command(BaseCommand):
    help = "校验审计日志哈希链，指出第一条断裂的条目"

    def handle(self, *args, **options):
        checked, broken, reason = audit_verify()
        if reason:
            where = f"第 {broken.seq} 条（id={broken.pk}）" if broken is not None else "链尾"
            raise CommandError(f"审计链断裂：{where}：{reason}；此前 {checked} 条完好")
        self.stdout.write(self.style.SUCCESS(f"审计链完好，共 {checked} 条"))
