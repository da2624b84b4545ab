"""`from st2tests.base import BaseActionTestCase, BaseSensorTestCase, BaseActionAliasTestCase`,
as StackStorm pack tests import them."""

from st2tests.action_aliases import BaseActionAliasTestCase
from st2tests.actions import BaseActionTestCase
from st2tests.pack_resource import BasePackResourceTestCase
from st2tests.sensors import BaseSensorTestCase

__all__ = [
    "BaseActionTestCase",
    "BaseSensorTestCase",
    "BaseActionAliasTestCase",
    "BasePackResourceTestCase",
]
