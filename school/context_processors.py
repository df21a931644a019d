from typing import Any

from django.http import HttpRequest

from .hooks import nav_items


def site_navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": [], "unread_notifications": 0}
    items = nav_items(request)
    current = next(
        (item.key for item in sorted(items, key=lambda i: -len(i.url)) if request.path.startswith(item.url)
         and (item.url != "/" or request.path == "/")),
        "",
    )
    from .services.notifications import unread_count

    return {"nav_items": items, "nav_current": current, "unread_notifications": unread_count(request.user)}


def display_preferences(request: HttpRequest) -> dict[str, Any]:
    """``elder_mode``: the user's 长辈模式 (base.html adds the ``elder`` class to <body>)."""
    from .services.preferences import elder_mode

    return {"elder_mode": elder_mode(getattr(request, "user", None))}
