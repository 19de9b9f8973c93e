from channels.generic.websocket import AsyncWebsocketConsumer

from content.sessions import SessionBoundMixin


class EchoConsumer(SessionBoundMixin, AsyncWebsocketConsumer):
    """Send every frame back exactly as it came, text as text, bytes as bytes."""

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            await self.send(text_data=text_data)
        else:
            await self.send(bytes_data=bytes_data)
