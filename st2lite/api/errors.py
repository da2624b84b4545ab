"""Errors a handler raises to answer with StackStorm's status code and `{"faultstring": ...}`."""


class ApiError(Exception):
    def __init__(self, status, faultstring, headers=None):
        Exception.__init__(self, faultstring)
        self.status = status
        self.faultstring = faultstring
        self.headers = headers or {}


def bad_request(message):
    return ApiError(400, message)


def not_found(message="The resource could not be found."):
    return ApiError(404, message)


def unauthorized(message):
    return ApiError(401, "Unauthorized - %s" % message)
