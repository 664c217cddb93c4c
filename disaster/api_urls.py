from django.urls import include, path
from rest_framework.routers import SimpleRouter

from disaster import api, relief_api

router = SimpleRouter()
router.register("events", api.EventViewSet, basename="disaster-event")
router.register("reports", api.ReportViewSet, basename="disaster-report")
router.register("proposals", api.ProposalViewSet, basename="disaster-proposal")
# relief (issue 4)
for prefix, viewset, name in (
    ("fund-receipts", relief_api.FundReceiptViewSet, "receipt"),
    ("fund-allocations", relief_api.FundAllocationViewSet, "allocation"),
    ("fund-accounts", relief_api.FundAccountViewSet, "account"),
    ("fund-entries", relief_api.FundEntryViewSet, "entry"),
    ("supply-items", relief_api.SupplyItemViewSet, "item"),
    ("warehouses", relief_api.WarehouseViewSet, "warehouse"),
    ("stock-movements", relief_api.StockMovementViewSet, "movement"),
    ("supply-orders", relief_api.SupplyOrderViewSet, "order"),
    ("obligations", relief_api.ObligationViewSet, "obligation"),
    ("shelters", relief_api.ShelterViewSet, "shelter"),
    ("aid-programmes", relief_api.AidProgrammeViewSet, "programme"),
    ("aid-beneficiaries", relief_api.AidBeneficiaryViewSet, "beneficiary"),
    ("aid-payments", relief_api.AidPaymentViewSet, "payment"),
):
    router.register(f"relief/{prefix}", viewset, basename=f"disaster-relief-{name}")

urlpatterns = [
    path("assess/", api.AssessView.as_view(), name="disaster-assess"),
    path("", include(router.urls)),
]
