from django.shortcuts import get_object_or_404, render

from chat.models import Room

HISTORY = 50


def index(request):
    return render(request, "chat/index.html", {"rooms": Room.objects.all()})


def room(request, slug):
    room = get_object_or_404(Room, slug=slug)
    history = list(room.messages.visible().newest()[:HISTORY])[::-1]
    return render(request, "chat/room.html", {"room": room, "history": history})
