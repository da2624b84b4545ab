"""Inquiries (`core.ask`): list, get and respond, and their expiry, as a service that the
command line and the API share."""

from st2lite.inquiries.expiry import ExpiryWatch
from st2lite.inquiries.resuming import in_background, in_own_process
from st2lite.inquiries.service import InquiryError, InquiryService

__all__ = ["InquiryService", "InquiryError", "ExpiryWatch", "in_own_process", "in_background"]
