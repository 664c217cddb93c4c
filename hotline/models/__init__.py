"""Tables of the 12345 hotline. Business rules live in rules.py and services/, not here."""

from .calls import CallRecord
from .config import Category, Open311Client, RoutingRule, SpecialSeat
from .knowledge import KnowledgeEntry, KnowledgeQuestion, KnowledgeTerm
from .orders import (
    Assignment,
    Callback,
    ExtensionRequest,
    Incident,
    Order,
    OrderEvent,
    ProvincialFeedback,
    Reply,
    ReturnRequest,
)

__all__ = [
    "Assignment",
    "CallRecord",
    "Callback",
    "Category",
    "ExtensionRequest",
    "Incident",
    "KnowledgeEntry",
    "KnowledgeQuestion",
    "KnowledgeTerm",
    "Open311Client",
    "Order",
    "OrderEvent",
    "ProvincialFeedback",
    "Reply",
    "ReturnRequest",
    "RoutingRule",
    "SpecialSeat",
]
