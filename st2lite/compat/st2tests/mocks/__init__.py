"""Mock services for pack tests, as StackStorm's st2tests.mocks provides them."""
