import pytest

from tests.chat.conftest import connect_to

pytestmark = pytest.mark.django_db(transaction=True)


async def test_echo_returns_text_and_binary_frames_exactly():
    client = connect_to("/ws/echo/")
    connected, _ = await client.connect()
    assert connected
    try:
        text = 'héllo ☕ {"not": "parsed"}\n\t'
        await client.send_to(text_data=text)
        assert await client.receive_output(timeout=2) == {
            "type": "websocket.send",
            "text": text,
        }
        data = bytes(range(256))
        await client.send_to(bytes_data=data)
        assert await client.receive_output(timeout=2) == {
            "type": "websocket.send",
            "bytes": data,
        }
    finally:
        await client.disconnect()


@pytest.mark.parametrize("path", ["/ws/echo/", "/ws/board/"])
async def test_other_sockets_refuse_a_foreign_origin(path):
    client = connect_to(path, headers=[(b"origin", b"https://evil.example")])
    connected, _ = await client.connect()
    assert not connected
    await client.disconnect()
