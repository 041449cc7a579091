from django import template

from ..models import ContentPage

register = template.Library()


@register.simple_tag
def footer_pages():
    """Live content pages flagged "show in menus": accessibility statement, legal notice…"""
    return list(ContentPage.objects.live().public().filter(show_in_menus=True).order_by("path"))
