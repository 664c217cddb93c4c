app_name = "disaster"
urlpatterns: list = []
