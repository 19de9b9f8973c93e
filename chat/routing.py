from django.urls import re_path

from chat import consumers

websocket_urlpatterns = [
    re_path(r"^ws/chat/(?P<slug>[^/]+)/$", consumers.ChatConsumer.as_asgi()),
    re_path(r"^ws/rooms/$", consumers.RoomListConsumer.as_asgi()),
]
