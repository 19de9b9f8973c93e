from django.urls import path

from board.consumers import BoardConsumer, TopicConsumer

websocket_urlpatterns = [
    path("ws/board/", BoardConsumer.as_asgi()),
    path("ws/board/t/<int:topic_id>/", TopicConsumer.as_asgi()),
]
