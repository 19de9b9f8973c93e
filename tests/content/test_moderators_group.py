"""content.moderators: the Moderators group that migrations make."""

import pytest

from django.apps import apps
from django.contrib.auth.models import Group

from content.moderators import GROUP_NAME, grant


@pytest.mark.django_db
def test_granting_through_the_sites_own_apps_leaves_them_as_they_were():
    models_module = apps.get_app_config("board").models_module

    grant(apps, "board", ["hide_post"])

    assert apps.get_app_config("board").models_module is models_module
    group = Group.objects.get(name=GROUP_NAME)
    assert group.permissions.filter(codename="hide_post").exists()
