from typing import Any

from django.core.management.base import BaseCommand

from school.demo import build_demo, demo_logins, is_seeded


class Command(BaseCommand):
    help = "Build the demo district once (organizations, members, roles and every app's demo content)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--members-per-branch", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        if is_seeded():
            self.stdout.write("Demo data already present; nothing changed.")
        else:
            _demo, lines = build_demo(members_per_branch=options["members_per_branch"])
            for line in lines:
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo logins (登录名 / 密码):"))
        for role, username, password in demo_logins():
            self.stdout.write(f"  {role:<45} {username:<10} {password}")
