"""`/inquiries`: the pending inquiries (`core.ask`) as StackStorm's InquiriesController lists,
shows and answers them. Responding goes through the inquiry service as the authenticated
user, and its refusals answer with the status and message the service gives them."""

from st2lite.api.errors import ApiError, bad_request
from st2lite.api.http import json_response
from st2lite.api.query import list_response, select_attributes
from st2lite.inquiries import InquiryError, InquiryService, in_background


def register(router):
    router.add("api", "GET", "/inquiries", list_inquiries)
    router.add("api", "GET", "/inquiries/{inquiry_id}", get_inquiry)
    router.add("api", "PUT", "/inquiries/{inquiry_id}", respond_to_inquiry)


def _service(app):
    # the workflow an answer resumes goes on in this process, on a thread of its own
    return InquiryService(app.runtime, in_background(app.runtime))


def _refusals_as_errors(call, *args):
    try:
        return call(*args)
    except InquiryError as e:
        raise ApiError(e.http_status, str(e)) from e


def list_inquiries(app, request):
    # every pending one, so that X-Total-Count counts them all (`st2 inquiry list -n` notes more)
    inquiries = _refusals_as_errors(_service(app).list, -1)
    return list_response(request, inquiries)


def get_inquiry(app, request, inquiry_id):
    inquiry = _refusals_as_errors(_service(app).get, inquiry_id)
    return json_response(select_attributes(request, inquiry))


def respond_to_inquiry(app, request, inquiry_id):
    body = request.json()
    if "response" not in body:
        raise bad_request(
            '\'response\' is a required property: send {"id": "%s", "response": {...}}' % inquiry_id
        )
    answer = _refusals_as_errors(
        _service(app).respond, inquiry_id, body["response"], request.identity.user
    )
    return json_response(answer)
