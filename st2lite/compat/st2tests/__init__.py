"""st2lite's stand-in for StackStorm's `st2tests` package: the base test classes and mocks that
pack tests import (`from st2tests.base import BaseActionTestCase, BaseSensorTestCase,
BaseActionAliasTestCase`), so a pack's tests run unchanged with pytest, without StackStorm.

Only the pack-testing part of st2tests exists here; StackStorm's database and API test cases
need its services and have no meaning for a pack's own tests."""
